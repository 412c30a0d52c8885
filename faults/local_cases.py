"""Cases that need no HTTP fault: vendor file drops, identifier validation, storage and process
faults (SIGKILL, locks, disk space, two runs at once), analysts' read-only connections, and
whole Dagster runs whose event log and run storage are searched for the canary keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb

from faults import harness
from faults.cases import RETRIED, SUCCEEDED, Case, log_mentions, no_requests
from faults.harness import CANARIES, CaseContext, RunFailed, instrument
from faults.server import Fault
from orchestration.publish import read_only_connection
from orchestration.sample import estimates as sample_estimates
from orchestration.sources import estimates, fred, sec, universe

HOSTILE_TICKER = "XLK'; drop table raw.prices_daily; --"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Refused(Exception):
    """Input validation or a read-only connection refused an action."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error


# ----------------------------------------------------------------------------------------------
# Vendor file drops
# ----------------------------------------------------------------------------------------------
def _rows(as_of: date = harness.ESTIMATE_FILE_AS_OF) -> list[list[str]]:
    """The sample vendor's file for ``as_of``, header first."""
    import csv
    import io

    text = sample_estimates.render_file(as_of).decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(text)) if row]


def _write(context: CaseContext, name: str, rows: list[list[str]]) -> None:
    import csv

    context.drop_dir.mkdir(parents=True, exist_ok=True)
    with (context.drop_dir / name).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def _file_case(name: str, expected: str, change=None, *, file_name: str | None = None, **extra):
    target = file_name or "estimates_2026-11-20.csv"

    def setup(context: CaseContext) -> None:
        rows = _rows(date(2026, 11, 20))
        _write(context, "estimates_2026-11-20.csv", change(rows) if change else rows)

    def run(context: CaseContext) -> None:
        harness.run_estimate_file(context, target)

    return Case(
        "estimates_files",
        name,
        extra.pop("group", "semantics"),
        expected,
        run,
        "estimates_files",
        setup=setup,
        **extra,
    )


def _set(column: str, value, row: int = 1):
    def change(rows: list[list[str]]) -> list[list[str]]:
        index = rows[0].index(column)
        rows[row][index] = value(rows[row][index]) if callable(value) else value
        return rows

    return change


def _swap_low_high(rows):
    low, high = rows[0].index("estimate_low"), rows[0].index("estimate_high")
    row = next(r for r in rows[1:] if r[low] and r[high] and float(r[low]) < float(r[high]))
    row[low], row[high] = row[high], row[low]
    return rows


def _future(rows):
    index = rows[0].index("as_of_date")
    later = (date.today() + timedelta(days=30)).isoformat()
    for row in rows[1:]:
        row[index] = later
    return rows


def _drop_column(name: str):
    def change(rows):
        index = rows[0].index(name)
        return [[c for i, c in enumerate(row) if i != index] for row in rows]

    return change


def _rename_column(old: str, new: str):
    def change(rows):
        rows[0][rows[0].index(old)] = new
        return rows

    return change


def _add_column(rows):
    return [rows[0] + ["vendor_comment"], *(row + ["ok"] for row in rows[1:])]


def _quarantine_report_names(line_word: str):
    def check(context: CaseContext) -> None:
        reports = list((context.drop_dir / "quarantine").glob("*.error.txt"))
        assert len(reports) == 1, f"{len(reports)} quarantine reports"
        text = reports[0].read_text()
        assert line_word in text, f"the report does not name {line_word!r}"

    return check


def _symlink_setup(context: CaseContext) -> None:
    context.drop_dir.mkdir(parents=True, exist_ok=True)
    secret = context.root / "outside.csv"
    secret.write_text("as_of_date\n")
    (context.drop_dir / "estimates_2026-11-20.csv").symlink_to(secret)


def _oversized_setup(context: CaseContext) -> None:
    context.drop_dir.mkdir(parents=True, exist_ok=True)
    with (context.drop_dir / "estimates_2026-11-20.csv").open("wb") as handle:
        handle.truncate(estimates.MAX_DROP_FILE_BYTES + 1)  # sparse: costs no disk


def _sensor_ignores(context: CaseContext) -> None:
    pending = [p.name for p in estimates.pending_drop_files(context.drop_dir, {})]
    assert "estimates_2026-11-20.csv" not in pending, f"the sensor would request {pending}"


def file_cases() -> list[Case]:
    quarantined = "quarantined"
    unsafe = "rejected: UnsafeDropFileError"

    def named(file_name: str) -> Case:
        return _file_case(
            f"path traversal ({file_name})",
            unsafe,
            file_name=file_name,
            group="security",
        )

    return [
        _file_case("well-formed file", SUCCEEDED),
        _file_case(
            "low above high",
            quarantined,
            _swap_low_high,
            check=_quarantine_report_names("estimate_low/estimate_high"),
        ),
        _file_case(
            "unknown entity",
            quarantined,
            _set("entity_id", "ZZZZ"),
            check=_quarantine_report_names("is not a known entity"),
        ),
        _file_case(
            "future as-of date",
            quarantined,
            _future,
            check=_quarantine_report_names("is after today"),
        ),
        _file_case(
            "new column (ignored, logged)",
            SUCCEEDED,
            _add_column,
            group="schema",
            check=log_mentions("ignoring column(s) not in the file contract"),
        ),
        _file_case(
            "missing column",
            quarantined,
            _drop_column("estimate_high"),
            group="schema",
            check=_quarantine_report_names("missing column(s) ['estimate_high']"),
        ),
        _file_case(
            "renamed column",
            quarantined,
            _rename_column("estimate_mean", "mean"),
            group="schema",
            check=_quarantine_report_names("missing column(s)"),
        ),
        _file_case(
            "number with a thousands separator",
            quarantined,
            _set("estimate_mean", "1,234.5"),
            group="schema",
            check=_quarantine_report_names("is not a number"),
        ),
        _file_case(
            "truncated file (last line cut)",
            quarantined,
            lambda rows: [*rows[:-1], rows[-1][:4]],
            check=_quarantine_report_names("fields, the header has"),
        ),
        named("../../etc/passwd"),
        named("/etc/passwd"),
        named("sub/estimates_2026-11-20.csv"),
        Case(
            "estimates_files",
            "symlink to a file outside",
            "security",
            unsafe,
            lambda c: harness.run_estimate_file(c, "estimates_2026-11-20.csv"),
            "estimates_files",
            setup=_symlink_setup,
            check=_sensor_ignores,
        ),
        Case(
            "estimates_files",
            "oversized file",
            "security",
            unsafe,
            lambda c: harness.run_estimate_file(c, "estimates_2026-11-20.csv"),
            "estimates_files",
            setup=_oversized_setup,
            check=_sensor_ignores,
        ),
    ]


# ----------------------------------------------------------------------------------------------
# Identifiers
# ----------------------------------------------------------------------------------------------
def _seed_with(path: Path, header: str, row: str) -> Path:
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    return path


def identifier_cases() -> list[Case]:
    rejected = "rejected: InvalidIdentifierError"

    def prices_symbol(symbol: str, provider: str = "yahoo"):
        def run(context: CaseContext) -> None:
            from dataclasses import replace

            hostile = replace(instrument("XLK", provider), symbol=symbol)
            if provider != "yahoo":
                hostile = instrument("XLK", provider, provider_symbols={provider: symbol})
            harness.run_prices(context, [hostile])

        return run

    def provider_symbol(symbol: str):
        def run(context: CaseContext) -> None:
            harness.run_prices(
                context, [instrument("XLK", "yahoo", provider_symbols={"yahoo": symbol})]
            )

        return run

    def fred_series(series_id: str):
        return lambda context: harness.run_fred(context, series_id=series_id)

    def universe_seed(context: CaseContext) -> None:
        header = (PROJECT_ROOT / "dbt_project/seeds/instruments.csv").read_text().splitlines()[0]
        row = f'"{HOSTILE_TICKER}",X,etf,sector,,,,,XNYS,1998-12-22,XLK,XLK,xlk.us,yahoo,'
        universe.load_instruments(_seed_with(context.root / "instruments.csv", header, row))

    def fred_seed(context: CaseContext) -> None:
        header = (PROJECT_ROOT / "dbt_project/seeds/fred_series.csv").read_text().splitlines()
        row = header[1].split(",")
        row[0] = "GDP;DROP"
        fred.load_series(_seed_with(context.root / "fred.csv", header[0], ",".join(row)))

    def companies_seed(ticker: str, cik: str):
        def run(context: CaseContext) -> None:
            header = "ticker,cik,name,fiscal_year_end,is_hyperscaler,taxonomy,notes"
            row = f'"{ticker}",{cik},X,0630,true,us-gaap,'
            sec.load_companies(_seed_with(context.root / "companies.csv", header, row))

        return run

    def estimates_symbol(context: CaseContext) -> None:
        harness.run_estimates_api(context, (HOSTILE_TICKER,))

    def constituents(context: CaseContext) -> None:
        harness.run_membership(context)

    hostile_row = (
        b"Symbol,Security,GICS Sector,GICS Sub-Industry,Headquarters Location,Date added,CIK,"
        b'Founded\n"XLK\'; drop table raw.prices_daily; --",X,Energy,Oil,"Here, There",'
        b"2020-01-02,0000001234,1900\n"
    )
    s = "security"
    return [
        Case(
            "yahoo",
            "SQL in a ticker",
            s,
            rejected,
            prices_symbol(HOSTILE_TICKER),
            "prices",
            check=no_requests,
        ),
        Case(
            "yahoo",
            "path traversal in a provider symbol",
            s,
            rejected,
            provider_symbol("../../v1/admin"),
            "prices",
            check=no_requests,
        ),
        Case(
            "tiingo",
            "SQL in a provider symbol",
            s,
            rejected,
            prices_symbol(HOSTILE_TICKER, "tiingo"),
            "prices",
            check=no_requests,
        ),
        Case(
            "stooq",
            "space and quote in a provider symbol",
            s,
            rejected,
            prices_symbol("xlk.us' or 1=1", "stooq"),
            "prices",
            check=no_requests,
        ),
        Case(
            "yahoo",
            "over-long ticker",
            s,
            rejected,
            provider_symbol("X" * 40),
            "prices",
            check=no_requests,
        ),
        Case("prices", "SQL in the universe seed", s, rejected, universe_seed, "empty"),
        Case(
            "fred",
            "SQL in a series id",
            s,
            rejected,
            fred_series("UNRATE'; drop table raw.fred_observations; --"),
            "fred",
            check=no_requests,
        ),
        Case(
            "fred",
            "path in a series id",
            s,
            rejected,
            fred_series("../series/x"),
            "fred",
            check=no_requests,
        ),
        Case("fred", "bad series id in the seed", s, rejected, fred_seed, "empty"),
        Case(
            "sec",
            "SQL in a ticker of the companies seed",
            s,
            rejected,
            companies_seed(HOSTILE_TICKER, "789019"),
            "empty",
        ),
        Case(
            "sec",
            "SQL in a CIK of the companies seed",
            s,
            "rejected: SecSeedError",
            companies_seed("MSFT", "789019; drop table raw.sec_facts"),
            "empty",
        ),
        Case(
            "estimates_api",
            "SQL in a symbol",
            s,
            rejected,
            estimates_symbol,
            "estimates_api",
            check=no_requests,
        ),
        Case(
            "membership",
            "SQL in a constituent symbol",
            s,
            "failed: MembershipError",
            constituents,
            "empty",
            faults=(
                Fault("status", "/constituents.csv", body=hostile_row, content_type="text/csv"),
            ),
        ),
    ]


# ----------------------------------------------------------------------------------------------
# Secrets echoed back by a server
# ----------------------------------------------------------------------------------------------
def echo_cases() -> list[Case]:
    from faults.cases import _echo_key_json

    daily, obs, stooq = "/tiingo/daily/xlk/prices", "/fred/series/observations", "/q/d/l/"
    html = b"<html><head><title>Key %s is invalid</title></head></html>"
    s = "security"
    tiingo = lambda c: harness.run_prices(c, [instrument("XLK", "tiingo")])  # noqa: E731
    stooq_run = lambda c: harness.run_prices(c, [instrument("XLK", "stooq")])  # noqa: E731
    return [
        Case(
            "tiingo",
            "key echoed in a 200 body",
            s,
            SUCCEEDED,
            tiingo,
            "prices",
            (Fault("rewrite", daily, transform=_echo_key_json("tiingo")),),
        ),
        Case(
            "fred",
            "key echoed in a 200 body",
            s,
            SUCCEEDED,
            harness.run_fred,
            "fred",
            (Fault("rewrite", obs, transform=_echo_key_json("fred")),),
        ),
        Case(
            "fred",
            "key echoed in a JSON error with HTTP 200",
            s,
            "failed: ApiErrorPayload",
            harness.run_fred,
            "fred",
            (
                Fault(
                    "status",
                    obs,
                    content_type="application/json",
                    body=b'{"error_code":400,"error_message":"Bad Request.  api_key '
                    + CANARIES["fred"].encode()
                    + b' is not registered."}',
                ),
            ),
        ),
        Case(
            "fred",
            "key echoed in an HTTP 400 body",
            s,
            "failed: HttpStatusError",
            harness.run_fred,
            "fred",
            (
                Fault(
                    "status",
                    obs,
                    status=400,
                    content_type="application/json",
                    body=b'{"error_message":"api_key=' + CANARIES["fred"].encode() + b'"}',
                ),
            ),
        ),
        Case(
            "stooq",
            "key echoed in an HTML title",
            s,
            "failed: UnexpectedHtmlError",
            stooq_run,
            "prices",
            (
                Fault(
                    "status",
                    stooq,
                    content_type="text/html",
                    body=html % CANARIES["stooq"].encode(),
                ),
            ),
        ),
        Case(
            "tiingo",
            "key echoed in a redirect target",
            s,
            "failed: RedirectLoopError",
            tiingo,
            "prices",
            (
                Fault(
                    "status",
                    daily,
                    times=None,
                    status=302,
                    headers={"Location": f"{daily}?token={CANARIES['tiingo']}"},
                ),
            ),
        ),
    ]


# ----------------------------------------------------------------------------------------------
# Storage and process
# ----------------------------------------------------------------------------------------------
def _worker(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "faults.worker", *args],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )


def _await_line(process: subprocess.Popen, word: str) -> None:
    line = process.stdout.readline()
    if word not in line:
        process.kill()
        raise RuntimeError(f"worker said {line!r}, expected {word}: {process.stderr.read()}")


def _killed_mid_transaction(stage: str):
    def run(context: CaseContext) -> None:
        before = harness.file_digest(context.published)
        worker = _worker("reload-and-hang", str(context.warehouse_path), stage)
        _await_line(worker, "HANGING")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        assert worker.returncode == -signal.SIGKILL, f"worker exit {worker.returncode}"
        assert harness.file_digest(context.published) == before, "the killed run published"
        # The run is retried: the same reload, to completion, in this process.
        reloaded = _worker("reload-and-hang", str(context.warehouse_path), "never")
        _, errors = reloaded.communicate(timeout=120)
        if reloaded.returncode != 0:
            raise RunFailed("RetryFailed", errors[-2000:])
        context.publish()

    return run


def _locked_for(hold: float, timeout: float, expected_wait: bool):
    def run(context: CaseContext) -> None:
        holder = _worker("hold-lock", str(context.warehouse_path), str(hold))
        _await_line(holder, "LOCKED")
        os.environ["WAREHOUSE_LOCK_TIMEOUT_SECONDS"] = str(timeout)
        try:
            harness.run_prices(context, [instrument("XLK", "stooq")])
            context.lock_waited = expected_wait
        finally:
            os.environ.pop("WAREHOUSE_LOCK_TIMEOUT_SECONDS", None)
            holder.kill()
            holder.wait(timeout=30)

    return run


def _two_runs(context: CaseContext) -> None:
    """Two nightly runs at once, in two processes, both reloading the same range: DuckDB lets
    one write at a time, the other waits for the lock (never two writers)."""
    first = _worker("reload-and-hang", str(context.warehouse_path), "never", "0.5")
    second = _worker("reload-and-hang", str(context.warehouse_path), "never", "0.5")
    _await_line(first, "READY")
    _await_line(second, "READY")
    for worker in (first, second):
        worker.stdin.write("GO\n")
        worker.stdin.flush()
    outputs = [first.communicate(timeout=120), second.communicate(timeout=120)]
    codes = [first.returncode, second.returncode]
    if codes != [0, 0]:
        raise RunFailed("ConcurrentRunFailed", "; ".join(err[-800:] for _, err in outputs))
    waited = [out for out, _ in outputs if "WAITED" in out]
    assert waited, "neither run waited for the other's lock"
    context.lock_waited = True
    context.publish()


def _disk_full(context: CaseContext) -> None:
    harness.run_prices(context, [instrument("XLK", "stooq")])


def _mentions(word: str):
    def check(context: CaseContext) -> None:
        assert word in context.error_text, f"the error does not say {word!r}"

    return check


def storage_cases() -> list[Case]:
    s = "storage"
    return [
        Case(
            "warehouse",
            "SIGKILL after the delete, then retried",
            s,
            SUCCEEDED,
            _killed_mid_transaction("after-delete"),
            "prices",
        ),
        Case(
            "warehouse",
            "SIGKILL after the insert, then retried",
            s,
            SUCCEEDED,
            _killed_mid_transaction("after-insert"),
            "prices",
        ),
        Case(
            "warehouse",
            "SIGKILL just before commit, then retried",
            s,
            SUCCEEDED,
            _killed_mid_transaction("before-commit"),
            "prices",
        ),
        Case("warehouse", "two nightly runs at once", s, RETRIED, _two_runs, "prices"),
        Case(
            "warehouse",
            "file locked briefly by another process",
            s,
            RETRIED,
            _locked_for(0.6, 10.0, True),
            "prices",
        ),
        Case(
            "warehouse",
            "file locked longer than the bound",
            s,
            "failed: WarehouseLockedError",
            _locked_for(30.0, 0.5, False),
            "prices",
            check=_mentions("WAREHOUSE_LOCK_TIMEOUT_SECONDS"),
        ),
        Case(
            "warehouse",
            "disk nearly full (pre-flight)",
            s,
            "failed: InsufficientDiskSpaceError",
            _disk_full,
            "prices",
            environment={"WAREHOUSE_MIN_FREE_BYTES": str(10**18)},
            check=_mentions("required (WAREHOUSE_MIN_FREE_BYTES)"),
        ),
    ]


# ----------------------------------------------------------------------------------------------
# Analysts' read-only connections to the published file
# ----------------------------------------------------------------------------------------------
def _analyst(sql_for) -> callable:
    def run(context: CaseContext) -> None:
        outside = context.root / "outside"
        outside.mkdir(exist_ok=True)
        (outside / "secret.csv").write_text("a\n1\n")
        with read_only_connection(context.published) as connection:
            connection.execute("select count(*) from marts.fault_probe").fetchone()
            try:
                connection.execute(sql_for(context, outside)).fetchall()
            except duckdb.Error as error:
                raise Refused(type(error).__name__, str(error)) from None
        assert not (outside / "written.csv").exists()

    return run


def analyst_cases() -> list[Case]:
    permission = "rejected: PermissionException"
    s = "security"
    return [
        Case(
            "published",
            "read a CSV outside",
            s,
            permission,
            _analyst(lambda c, o: f"select * from read_csv('{o / 'secret.csv'}')"),
            "empty",
        ),
        Case(
            "published",
            "read a system file",
            s,
            permission,
            _analyst(lambda c, o: "select * from read_csv('/etc/passwd')"),
            "empty",
        ),
        Case(
            "published",
            "COPY to a file outside",
            s,
            permission,
            _analyst(lambda c, o: f"copy (select 1) to '{o / 'written.csv'}'"),
            "empty",
        ),
        Case(
            "published",
            "ATTACH another database",
            s,
            permission,
            _analyst(lambda c, o: f"attach '{c.warehouse_path}' as working"),
            "empty",
        ),
        Case(
            "published",
            "read the working warehouse's Parquet",
            s,
            permission,
            _analyst(lambda c, o: f"select * from read_parquet('{c.parquet_dir}/*.parquet')"),
            "empty",
        ),
        Case(
            "published",
            "load an extension",
            s,
            permission,
            _analyst(lambda c, o: "load httpfs"),
            "empty",
        ),
        Case(
            "published",
            "switch external access back on",
            s,
            "rejected: InvalidInputException",
            _analyst(lambda c, o: "set enable_external_access = true"),
            "empty",
        ),
        Case(
            "published",
            "write to the published file",
            s,
            "rejected: InvalidInputException",
            _analyst(lambda c, o: "create table marts.scratch as select 1 as x"),
            "empty",
        ),
    ]


def all_local_cases() -> list[Case]:
    return [
        *file_cases(),
        *identifier_cases(),
        *echo_cases(),
        *storage_cases(),
        *analyst_cases(),
    ]


__all__ = ["Refused", "all_local_cases"]
