"""Run the fault matrix and print its table: ``python -m faults`` (or ``make faults``)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from faults import harness
from faults.cases import (
    TARGETS,
    Case,
    payload_cases,
    schema_cases,
    semantics_cases,
    transport_cases,
)
from faults.harness import (
    CaseContext,
    CheckFailed,
    Quarantined,
    RunFailed,
    SkippedSymbols,
    captured_logs,
    instrument,
)
from faults.local_cases import Refused, all_local_cases
from faults.server import FaultServer, closed_port
from orchestration.sample.transport import SampleTransport

# Input validation that refuses before anything is fetched or read.
REFUSALS = {"InvalidIdentifierError", "UnsafeDropFileError", "SecSeedError"}
COLUMNS = (
    "source",
    "case",
    "expected outcome",
    "outcome",
    "rows before",
    "rows after",
    "rows lost",
    "duplicate keys",
    "published changed",
    "secret found",
)


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for target in TARGETS:
        cases += transport_cases(target)
        cases += payload_cases(target)
    cases += semantics_cases()
    cases += schema_cases()
    cases += all_local_cases()
    from faults.dagster_cases import dagster_cases

    cases += dagster_cases()
    return cases


@dataclass
class CaseResult:
    case: Case
    outcome: str
    rows_before: int
    rows_after: int
    rows_lost: int
    duplicate_keys: int
    published_changed: bool
    secrets: list[str]
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def cells(self) -> tuple[str, ...]:
        return (
            self.case.source,
            self.case.name,
            self.case.expected,
            self.outcome,
            str(self.rows_before),
            str(self.rows_after),
            str(self.rows_lost),
            str(self.duplicate_keys),
            "yes" if self.published_changed else "no",
            "yes" if self.secrets else "no",
        )


def classify(error: BaseException | None, context: CaseContext) -> str:
    if error is None:
        waited = context.retries > 0 or context.lock_waited
        return "retried and succeeded" if waited else "succeeded"
    if isinstance(error, CheckFailed):
        return f"rejected: {error.check}"
    if isinstance(error, Quarantined):
        return "quarantined"
    if isinstance(error, SkippedSymbols):
        return f"symbol skipped: {error.error}"
    if isinstance(error, Refused):
        return f"rejected: {error.error}"
    name = error.error if isinstance(error, RunFailed) else type(error).__name__
    return f"rejected: {name}" if name in REFUSALS else f"failed: {name}"


class Matrix:
    """The fault server, the clean baselines, and a place for each case's files."""

    def __init__(self, root: Path, server: FaultServer):
        self.root = root
        self.server = server
        self.templates: dict[str, Path] = {}
        self.cases_run = 0

    def template(self, name: str) -> Path:
        if name not in self.templates:
            self.templates[name] = self._build(name)
        return self.templates[name]

    def _build(self, name: str) -> Path:
        context = CaseContext(
            root=self.root / "baselines" / name,
            base_url=self.server.url,
            policy_overrides={"read_timeout": 60.0, "total_timeout": 120.0},
        )
        harness.prepare_warehouse(context)
        self.server.clear()
        if name == "prices":
            for provider in ("stooq", "tiingo", "yahoo"):
                harness.run_prices(context, [instrument("XLK", provider)], publish=False)
            harness.run_prices(
                context,
                [instrument("XLK", "stooq")],
                date(2024, 6, 17),
                date(2024, 6, 21),
                publish=False,
            )
            for provider in ("tiingo", "yahoo"):
                harness.run_prices(
                    context,
                    [instrument("BTC-USD", provider)],
                    date(2024, 6, 7),
                    date(2024, 6, 10),
                    publish=False,
                )
        elif name == "fred":
            harness.run_fred(context)
        elif name == "sec":
            harness.run_sec(context)
        elif name == "estimates_api":
            harness.run_estimates_api(context)
        elif name == "estimates_files":
            from faults.local_cases import _rows, _write

            rows = _rows(harness.ESTIMATE_FILE_AS_OF)

            _write(context, f"estimates_{harness.ESTIMATE_FILE_AS_OF}.csv", rows)
            harness.run_estimate_file(context, f"estimates_{harness.ESTIMATE_FILE_AS_OF}.csv")
        context.publish()
        return context.root

    def run(self, case: Case) -> CaseResult:
        started = time.perf_counter()
        slug = "".join(ch if ch.isalnum() else "_" for ch in case.case_id)[:80]
        self.cases_run += 1
        root = self.root / "cases" / f"{self.cases_run:03d}_{slug}"
        shutil.copytree(self.template(case.baseline), root)
        base_url = f"http://127.0.0.1:{closed_port()}" if case.refused else self.server.url
        context = CaseContext(root=root, base_url=base_url, run_checks=case.run_checks)
        tables = harness.TABLES_BY_SOURCE[case.source]
        rows_before, keys_before, _ = harness._keys(context.warehouse_path, tables)
        published_before = harness.file_digest(context.published)
        self.server.clear()
        self.server.inject(*(replace(fault) for fault in case.faults))
        saved = {name: os.environ.get(name) for name in case.environment}
        os.environ.update(case.environment)
        error: BaseException | None = None
        with captured_logs() as logs:
            try:
                if case.setup is not None:
                    case.setup(context)
                case.run(context)
            except Exception as caught:  # every failure is an outcome to compare
                error = caught
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        context.server_requests = list(self.server.requests)
        context.log_text = "\n".join(logs.lines)
        context.error_text = harness.exception_text(error)
        outcome = classify(error, context)
        rows_after, keys_after, duplicates = harness._keys(context.warehouse_path, tables)
        lost = len(keys_before - keys_after)
        changed = harness.file_digest(context.published) != published_before
        secrets = [
            *harness.secrets_in_text(context.log_text, "logs"),
            *harness.secrets_in_text(context.error_text, "exception"),
            *harness.secrets_in_files(context.landing),
            *harness.secrets_in_files(context.drop_dir),
            *harness.secrets_in_database(context.warehouse_path),
            *harness.secrets_in_database(context.published),
            *getattr(context, "extra_secrets", []),
        ]
        problems = []
        if outcome != case.expected:
            problems.append(f"outcome {outcome!r}, expected {case.expected!r}: {error!s:.600}")
        if lost:
            problems.append(f"{lost} stored rows lost")
        if duplicates:
            problems.append(f"{duplicates} duplicate keys")
        if error is not None and not isinstance(error, SkippedSymbols) and changed:
            problems.append("the published file changed although the run failed")
        if error is None and not changed and case.expected.endswith("succeeded"):
            problems.append("the run succeeded but nothing was published")
        if secrets:
            problems.append(f"canary key found in {secrets}")
        if case.check is not None and not problems:
            try:
                case.check(context)
            except AssertionError as failed:
                problems.append(f"check failed: {failed}")
        result = CaseResult(
            case=case,
            outcome=outcome,
            rows_before=rows_before,
            rows_after=rows_after,
            rows_lost=lost,
            duplicate_keys=duplicates,
            published_changed=changed,
            secrets=secrets,
            seconds=time.perf_counter() - started,
            problems=problems,
        )
        if result.passed:
            shutil.rmtree(root, ignore_errors=True)
        return result


def matrix_session(root: Path) -> tuple[Matrix, FaultServer]:
    upstream = SampleTransport(harness.CLOCK)
    upstream.market  # noqa: B018 (generated once, before any timeout is running)
    server = FaultServer(upstream, max_requests=100_000, lifetime=3600)
    return Matrix(root, server), server


def format_table(results: list[CaseResult]) -> str:
    rows = [COLUMNS, *(r.cells() for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("-k", dest="select", default="", help="only cases whose id contains this")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="faults-"))
    os.environ.setdefault("WAREHOUSE_LOCK_TIMEOUT_SECONDS", "10")
    matrix, server = matrix_session(work)
    cases = [c for c in all_cases() if options.select in c.case_id]
    results: list[CaseResult] = []
    with server:
        for name in dict.fromkeys(case.baseline for case in cases):
            matrix.template(name)  # clean baselines first: the sample caches warm up here
        for case in cases:
            results.append(matrix.run(case))
    elapsed = time.perf_counter() - started
    print(format_table(results))
    print()
    failed = [r for r in results if not r.passed]
    for result in failed:
        print(f"FAILED {result.case.case_id}: {'; '.join(result.problems)}")
    by_source: dict[str, int] = {}
    for result in results:
        by_source[result.case.source] = by_source.get(result.case.source, 0) + 1
    print("cases per source: " + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())))
    print(
        f"{len(results)} cases, {len(results) - len(failed)} passed, {len(failed)} failed; "
        f"rows lost {sum(r.rows_lost for r in results)}, duplicate keys "
        f"{sum(r.duplicate_keys for r in results)}, secrets found "
        f"{sum(bool(r.secrets) for r in results)}; run time {elapsed:.1f}s"
    )
    if not options.keep and not failed:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work folder kept: {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
