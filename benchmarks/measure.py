"""Measuring: wall time, peak resident memory (this process and its children), dbt runs.

Peak memory of the process itself is sampled from /proc/self/status (VmRSS) by a thread while a
stage runs, because ru_maxrss is a high-water mark for the whole process life and cannot be
reset between stages. A child process (dbt, a reader) reports its own peak through wait4.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Stage:
    """One measured stage: wall seconds and peak resident MB (process or child, the larger)."""

    name: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    child_peak_mb: float = 0.0

    @property
    def peak(self) -> float:
        return max(self.peak_mb, self.child_peak_mb)


class measured:  # noqa: N801 (used as a context manager, reads like a statement)
    """``with measured("load") as stage: ...`` fills ``stage.seconds`` and ``stage.peak_mb``."""

    def __init__(self, name: str, interval: float = 0.05):
        self.stage = Stage(name)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.stage.peak_mb = max(self.stage.peak_mb, resident_mb())
            self._stop.wait(self.interval)

    def __enter__(self) -> Stage:
        self.stage.peak_mb = resident_mb()
        self._started = time.perf_counter()
        self._thread.start()
        return self.stage

    def __exit__(self, *exc_info) -> None:
        self.stage.seconds = time.perf_counter() - self._started
        self._stop.set()
        self._thread.join()
        self.stage.peak_mb = max(self.stage.peak_mb, resident_mb())


def run_child(command: list[str], *, env: dict[str, str], cwd: Path | None = None):
    """Run a process to completion; returns (returncode, stdout, stderr, seconds, peak MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # communicate() reaps the child itself; wait4 needs the pid unreaped, so read the pipes in
    # threads and reap with wait4 to get this child's own rusage.
    output: dict[str, str] = {}

    def drain(name: str, stream) -> None:
        output[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=("out", process.stdout)),
        threading.Thread(target=drain, args=("err", process.stderr)),
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    return process.returncode, output["out"], output["err"], seconds, usage.ru_maxrss / 1024


@dataclass
class DbtRun:
    seconds: float  # wall time of the dbt process
    peak_mb: float
    model_seconds: dict[str, float] = field(default_factory=dict)  # model name -> execution time
    test_seconds: float = 0.0  # all dbt tests together
    statuses: dict[str, str] = field(default_factory=dict)  # node -> status

    @property
    def sql_seconds(self) -> float:
        return sum(self.model_seconds.values()) + self.test_seconds

    @property
    def failures(self) -> dict[str, str]:
        return {
            node: status
            for node, status in self.statuses.items()
            if status not in ("success", "pass", "skipped", "warn", "no-op")
        }


def dbt_env(warehouse_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse_path),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(warehouse_path: Path, workdir: Path, *arguments: str, check: bool = True) -> DbtRun:
    """``dbt <arguments>`` on ``warehouse_path``; target and logs in ``workdir``."""
    target = workdir / "dbt_target"
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *arguments,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(workdir / "dbt_logs"),
    ]
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    returncode, out, err, seconds, peak_mb = run_child(command, env=dbt_env(warehouse_path))
    run = DbtRun(seconds=seconds, peak_mb=peak_mb)
    if results_file.exists():
        results = json.loads(results_file.read_text())
        for result in results["results"]:
            unique_id = result["unique_id"]
            run.statuses[unique_id] = result["status"]
            if unique_id.startswith("model."):
                run.model_seconds[unique_id.split(".")[-1]] = result["execution_time"]
            elif unique_id.startswith(("test.", "unit_test.")):
                run.test_seconds += result["execution_time"]
    if check and (returncode != 0 or run.failures):
        raise RuntimeError(
            f"dbt {' '.join(arguments)} failed ({returncode}); failing nodes: "
            f"{sorted(run.failures)[:20]}\n{out[-6000:]}\n{err[-2000:]}"
        )
    return run


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("nan")
