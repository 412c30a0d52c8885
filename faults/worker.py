"""Helper processes for the storage cases (``python -m faults.worker ...``).

``hold-lock PATH SECONDS``: open the warehouse for writing, say LOCKED, hold it.
``reload-and-hang PATH STAGE [HOLD]``: reload XLK's stored bars in one transaction (the real
``Warehouse.replace_date_range``) and, at STAGE (after-delete, after-insert, before-commit),
say HANGING and wait to be killed; STAGE ``never`` completes (holding the transaction HOLD
seconds, so that a second run has to wait) and says WAITED if it had to wait for a lock.
"""

from __future__ import annotations

import contextlib
import sys
import time

import duckdb
import pandas as pd

from faults.harness import PRICE_RANGE
from orchestration.warehouse import PRICES_DAILY, LoadStamp, Warehouse, utc_now

STAGES = {
    "after-delete": "delete from",
    "after-insert": "insert into raw.",
    "before-commit": "commit",
}


class _Hanging:
    """A connection that stops at one statement of the load, as if the process froze there."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, stage: str, hold: float):
        self._connection = connection
        self._stage = stage
        self._hold = hold

    def execute(self, sql: str, *args):
        marker = STAGES.get(self._stage)
        if marker == "commit" and sql.strip() == "commit":
            self._hang()
        if sql.strip() == "commit" and self._hold:
            time.sleep(self._hold)  # a long load: the other run must wait for it
        result = self._connection.execute(sql, *args)
        if marker and marker != "commit" and sql.strip().startswith(marker):
            self._hang()
        return result

    def _hang(self) -> None:
        print("HANGING", flush=True)
        time.sleep(600)

    def __getattr__(self, name):
        return getattr(self._connection, name)


class _Store(Warehouse):
    def __init__(self, path: str, stage: str, hold: float):
        super().__init__(path)
        self.stage = stage
        self.hold = hold
        self.waited = False

    @contextlib.contextmanager
    def connect(self, read_only: bool = False):
        started = time.monotonic()
        with super().connect(read_only) as connection:
            self.waited = self.waited or time.monotonic() - started > 0.05
            yield _Hanging(connection, self.stage, self.hold)


def reload(path: str, stage: str, hold: float) -> None:
    if hold:
        # Start together with the other run: both say READY, the parent says GO to both.
        print("READY", flush=True)
        sys.stdin.readline()
    store = _Store(path, stage, hold)
    start, end = PRICE_RANGE
    stored = store.query_frame(
        "select * from raw.prices_daily where symbol = 'XLK' and provider = 'stooq' "
        "and date between ? and ?",
        [start, end],
    )
    frame = stored.rename(columns={"_payload_ref": "payload_ref"})
    scope = pd.DataFrame({"symbol": ["XLK"], "provider": ["stooq"]}, dtype="string")
    stamp = LoadStamp("prices", "live", f"worker-{stage}", utc_now())
    store.replace_date_range(
        PRICES_DAILY, frame, date_column="date", start=start, end=end, scope=scope, stamp=stamp
    )
    print("WAITED" if store.waited else "DONE", flush=True)


def main(argv: list[str]) -> int:
    command, path, *rest = argv
    if command == "hold-lock":
        with duckdb.connect(path):
            print("LOCKED", flush=True)
            time.sleep(float(rest[0]))
        return 0
    if command == "reload-and-hang":
        reload(path, rest[0], float(rest[1]) if len(rest) > 1 else 0.0)
        return 0
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
