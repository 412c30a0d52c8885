"""The DuckDB warehouse: raw table definitions, connections and idempotent bulk loads.

Loads are one transaction each: delete the key range being replaced, insert the new rows from
a registered Arrow table or DataFrame (never row by row), commit. Running the same load twice
leaves the same rows. Connections are short-lived because DuckDB allows one writing process per
file and dbt opens its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa

LOAD_METADATA_COLUMNS: dict[str, str] = {
    "_source": "VARCHAR",
    "_source_mode": "VARCHAR",
    "_run_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP",  # UTC
    "_payload_ref": "VARCHAR",  # file in the landing archive the row was parsed from
}


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: dict[str, str]  # source columns -> DuckDB type
    natural_key: tuple[str, ...]
    description: str

    @property
    def qualified(self) -> str:
        return f"raw.{self.name}"

    def ddl(self) -> str:
        columns = {**self.columns, **LOAD_METADATA_COLUMNS}
        body = ",\n  ".join(f"{name} {kind}" for name, kind in columns.items())
        return f"create table if not exists {self.qualified} (\n  {body}\n)"


PRICES_DAILY = RawTable(
    name="prices_daily",
    columns={
        "symbol": "VARCHAR NOT NULL",
        "date": "DATE NOT NULL",
        "provider": "VARCHAR NOT NULL",
        "open": "DOUBLE",
        "high": "DOUBLE",
        "low": "DOUBLE",
        "close": "DOUBLE NOT NULL",
        "volume": "DOUBLE",
        "adj_open": "DOUBLE",
        "adj_high": "DOUBLE",
        "adj_low": "DOUBLE",
        "adj_close": "DOUBLE",
        "adj_volume": "DOUBLE",
        "div_cash": "DOUBLE",
        "split_factor": "DOUBLE",
        "close_adjustment": "VARCHAR NOT NULL",
    },
    natural_key=("symbol", "date", "provider"),
    description="Daily bars exactly as each provider sent them; one row per symbol, date and provider.",
)

CORPORATE_ACTIONS = RawTable(
    name="corporate_actions",
    columns={
        "symbol": "VARCHAR NOT NULL",
        "ex_date": "DATE NOT NULL",
        "provider": "VARCHAR NOT NULL",
        "action_type": "VARCHAR NOT NULL",
        "split_numerator": "DOUBLE",
        "split_denominator": "DOUBLE",
        "dividend_amount": "DOUBLE",
    },
    natural_key=("symbol", "ex_date", "action_type", "provider"),
    description="Splits and cash dividends by ex-date, as reported by each price provider.",
)

FRED_OBSERVATIONS = RawTable(
    name="fred_observations",
    columns={
        "series_id": "VARCHAR NOT NULL",
        "date": "DATE NOT NULL",
        "realtime_start": "DATE NOT NULL",
        "realtime_end": "DATE NOT NULL",
        "value": "DOUBLE",
        "raw_value": "VARCHAR NOT NULL",
        "vintage_mode": "VARCHAR NOT NULL",
        "fetched_at": "TIMESTAMP NOT NULL",
    },
    natural_key=("series_id", "date", "realtime_start"),
    description="Every FRED vintage: the value of a series for an observation date as published "
    "from realtime_start through realtime_end ('.' kept in raw_value, NULL in value).",
)

FRED_SERIES = RawTable(
    name="fred_series",
    columns={
        "series_id": "VARCHAR NOT NULL",
        "fetched_at": "TIMESTAMP NOT NULL",
        "fetch_realtime_date": "DATE NOT NULL",
        "vintage_mode": "VARCHAR NOT NULL",
        "requested_realtime_start": "DATE NOT NULL",
        "observations_received": "INTEGER NOT NULL",
        "title": "VARCHAR",
        "frequency": "VARCHAR",
        "frequency_short": "VARCHAR",
        "units": "VARCHAR",
        "units_short": "VARCHAR",
        "seasonal_adjustment": "VARCHAR",
        "seasonal_adjustment_short": "VARCHAR",
        "last_updated": "TIMESTAMP",
        "observation_start": "DATE",
        "observation_end": "DATE",
        "popularity": "INTEGER",
        "notes": "VARCHAR",
    },
    natural_key=("series_id", "fetched_at"),
    description="One row per successful fetch of a FRED series: its metadata as FRED described "
    "it then (last_updated in UTC) and what was asked for; the next fetch starts from here.",
)

SEC_FACTS = RawTable(
    name="sec_facts",
    columns={
        "cik": "BIGINT NOT NULL",
        "entity_name": "VARCHAR",
        "taxonomy": "VARCHAR NOT NULL",
        "tag": "VARCHAR NOT NULL",
        "unit": "VARCHAR NOT NULL",
        "period_start": "DATE",
        "period_end": "DATE NOT NULL",
        "val": "DOUBLE NOT NULL",
        "accn": "VARCHAR NOT NULL",
        "fy": "INTEGER",
        "fp": "VARCHAR",
        "form": "VARCHAR",
        "filed": "DATE NOT NULL",
        "frame": "VARCHAR",
    },
    natural_key=("cik", "taxonomy", "tag", "unit", "period_start", "period_end", "accn"),
    description="XBRL facts from SEC companyfacts for the configured concepts, one row per fact "
    "per filing that reported it (period_start is NULL for instant facts).",
)

EARNINGS_ESTIMATES = RawTable(
    name="earnings_estimates",
    columns={
        "as_of_date": "DATE NOT NULL",
        "entity_type": "VARCHAR NOT NULL",
        "entity_id": "VARCHAR NOT NULL",
        "fiscal_period": "VARCHAR NOT NULL",
        "period_end": "DATE",
        "metric": "VARCHAR NOT NULL",
        "estimate_mean": "DOUBLE",
        "estimate_median": "DOUBLE",
        "estimate_high": "DOUBLE",
        "estimate_low": "DOUBLE",
        "n_estimates": "INTEGER",
        "actual_prior_period": "DOUBLE",
        "growth_yoy": "DOUBLE",
        "aggregation": "VARCHAR",
        "currency": "VARCHAR",
        "source": "VARCHAR NOT NULL",
        "period_code": "VARCHAR",
        "estimate_7d_ago": "DOUBLE",
        "estimate_30d_ago": "DOUBLE",
        "estimate_60d_ago": "DOUBLE",
        "estimate_90d_ago": "DOUBLE",
        "revisions_up_7d": "INTEGER",
        "revisions_up_30d": "INTEGER",
        "revisions_down_7d": "INTEGER",
        "revisions_down_30d": "INTEGER",
        "file_name": "VARCHAR",
        "file_sha256": "VARCHAR",
    },
    natural_key=("as_of_date", "entity_id", "fiscal_period", "metric", "source"),
    description="Earnings and revenue estimate snapshots, one row per as-of date, entity, "
    "fiscal period, metric and source; every snapshot kept so revisions can be measured.",
)

INDEX_MEMBERSHIP = RawTable(
    name="index_membership",
    columns={
        "index_id": "VARCHAR NOT NULL",
        "symbol": "VARCHAR NOT NULL",
        "start_date": "DATE NOT NULL",
        "end_date": "DATE",
        "security_name": "VARCHAR",
        "gics_sector": "VARCHAR",
        "gics_sub_industry": "VARCHAR",
        "cik": "BIGINT",
        "source": "VARCHAR NOT NULL",
    },
    natural_key=("index_id", "symbol", "start_date"),
    description="Point-in-time index membership spells: a symbol is a member of the index on "
    "days in [start_date, end_date): from start_date, no longer on end_date (NULL = still a "
    "member).",
)

INDEX_HOLDINGS = RawTable(
    name="index_holdings",
    columns={
        "as_of_date": "DATE NOT NULL",
        "fund": "VARCHAR NOT NULL",
        "index_id": "VARCHAR NOT NULL",
        "symbol": "VARCHAR NOT NULL",
        "security_name": "VARCHAR",
        "gics_sector": "VARCHAR",
        "asset_class": "VARCHAR",
        "market_value": "DOUBLE",
        "weight_pct": "DOUBLE",
        "notional_value": "DOUBLE",
        "quantity": "DOUBLE",
        "price": "DOUBLE",
        "location": "VARCHAR",
        "exchange": "VARCHAR",
        "currency": "VARCHAR",
    },
    natural_key=("as_of_date", "fund", "symbol"),
    description="Dated ETF holdings snapshots (e.g. iShares IWM for the Russell 2000): equity "
    "members with their weights on the as-of date.",
)

RAW_TABLES = {
    table.name: table
    for table in (
        PRICES_DAILY,
        CORPORATE_ACTIONS,
        FRED_OBSERVATIONS,
        FRED_SERIES,
        SEC_FACTS,
        EARNINGS_ESTIMATES,
        INDEX_MEMBERSHIP,
        INDEX_HOLDINGS,
    )
}
SCHEMAS = ("raw", "staging", "intermediate", "marts", "seeds", "audit")

# A writer refuses to start with less free space than this on the warehouse's file system
# (bytes; env WAREHOUSE_MIN_FREE_BYTES): DuckDB needs room for its WAL and checkpoint, and a
# load that runs out of space mid-checkpoint is far worse than one that never starts.
MIN_FREE_BYTES_ENV_VAR = "WAREHOUSE_MIN_FREE_BYTES"
DEFAULT_MIN_FREE_BYTES = 256 * 1024 * 1024
# How long a writer waits for another process's lock on the warehouse file before giving up
# (seconds; env WAREHOUSE_LOCK_TIMEOUT_SECONDS).
LOCK_TIMEOUT_ENV_VAR = "WAREHOUSE_LOCK_TIMEOUT_SECONDS"
DEFAULT_LOCK_TIMEOUT_SECONDS = 60.0


class InsufficientDiskSpaceError(RuntimeError):
    """Too little free space to start writing to the warehouse."""


class WarehouseLockedError(RuntimeError):
    """Another process held the warehouse file for longer than the lock timeout."""


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{name}={text!r} is negative")
    return value


def check_disk_space(path: str | Path, required_bytes: int | None = None) -> int:
    """Pre-flight: raise :class:`InsufficientDiskSpaceError` unless the file system holding
    ``path`` has ``required_bytes`` free (default: ``WAREHOUSE_MIN_FREE_BYTES``, else 256 MiB).
    Returns the free bytes."""
    required = int(
        required_bytes
        if required_bytes is not None
        else _env_number(MIN_FREE_BYTES_ENV_VAR, DEFAULT_MIN_FREE_BYTES)
    )
    target = Path(path)
    probe = next((p for p in (target, *target.parents) if p.exists()), Path("/"))
    free = shutil.disk_usage(probe).free
    if free < required:
        raise InsufficientDiskSpaceError(
            f"not starting to write {target}: {free:,} bytes free on its file system "
            f"({probe}), {required:,} required ({MIN_FREE_BYTES_ENV_VAR}); free some space "
            "or lower the threshold"
        )
    return free


def _is_lock_conflict(error: duckdb.Error) -> bool:
    text = str(error)
    return "Could not set lock" in text or "Conflicting lock" in text


# The audit trail: one row per load (written in the load's own transaction, so a rolled-back
# load leaves no entry) and one row per asset check evaluation. Both are copied into the
# published file, where `make status` and the report read them.
LOAD_LOG_DDL = """
create table if not exists audit.load_log (
    run_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_mode VARCHAR NOT NULL,
    rows_deleted BIGINT NOT NULL,
    rows_inserted BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
)
"""
CHECK_RESULTS_DDL = """
create table if not exists audit.check_results (
    run_id VARCHAR NOT NULL,
    asset_key VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    passed BOOLEAN NOT NULL,
    severity VARCHAR NOT NULL,
    expectations_evaluated INTEGER NOT NULL,
    expectations_failed INTEGER NOT NULL,
    observed VARCHAR NOT NULL,
    checked_at TIMESTAMP NOT NULL
)
"""


@dataclass(frozen=True)
class LoadStamp:
    """Who loaded a batch: stamped on every row."""

    source: str
    source_mode: str
    run_id: str
    loaded_at: datetime


@dataclass(frozen=True)
class LoadResult:
    table: str
    deleted: int
    inserted: int


@dataclass(frozen=True)
class CheckRecord:
    """One asset check evaluation, as ``audit.check_results`` stores it."""

    run_id: str
    asset_key: str  # "raw/prices_daily"
    check_name: str
    passed: bool
    severity: str  # "ERROR" blocks downstream, "WARN" does not
    expectations_evaluated: int
    expectations_failed: int
    observed: dict  # what failed (expectation -> observed value), or a summary
    checked_at: datetime


class Warehouse:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse file. A writer first checks the free disk space; both
        wait (up to ``WAREHOUSE_LOCK_TIMEOUT_SECONDS``) while another process holds the file,
        then raise :class:`WarehouseLockedError` naming it."""
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_disk_space(self.path)
        timeout = _env_number(LOCK_TIMEOUT_ENV_VAR, DEFAULT_LOCK_TIMEOUT_SECONDS)
        started = time.monotonic()
        pause = 0.05
        while True:
            try:
                connection = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as error:
                waited = time.monotonic() - started
                if not _is_lock_conflict(error):
                    raise
                if waited >= timeout:
                    raise WarehouseLockedError(
                        f"{self.path} is locked by another process; gave up after "
                        f"{waited:.1f}s ({LOCK_TIMEOUT_ENV_VAR}={timeout:g}): {error}"
                    ) from None
                # DuckDB allows one writing process per file: wait for it to finish.
                time.sleep(min(pause, max(0.0, timeout - waited)))
                pause = min(pause * 2, 1.0)
        try:
            yield connection
        finally:
            connection.close()

    def ensure_raw_tables(self, connection: duckdb.DuckDBPyConnection) -> None:
        for schema in SCHEMAS:
            connection.execute(f"create schema if not exists {schema}")
        for table in RAW_TABLES.values():
            connection.execute(table.ddl())
        connection.execute(LOAD_LOG_DDL)
        connection.execute(CHECK_RESULTS_DDL)

    def replace_date_range(
        self,
        table: RawTable,
        frame: pd.DataFrame | pa.Table,
        *,
        date_column: str,
        start: date,
        end: date,
        scope: pd.DataFrame,
        stamp: LoadStamp,
    ) -> LoadResult:
        """Replace the rows of ``table`` dated in [start, end] for the key pairs in ``scope``.

        ``scope`` holds the columns that, with the date, delimit what this load owns (e.g.
        symbol and provider); rows outside it are untouched. All in one transaction.
        """
        return self.replace_rows(
            table,
            frame,
            scope=scope,
            where=f"target.{date_column} between ? and ?",
            parameters=(start, end),
            stamp=stamp,
        )

    def replace_rows(
        self,
        table: RawTable,
        rows: pd.DataFrame | pa.Table | Callable[[pd.DataFrame], pd.DataFrame],
        *,
        scope: pd.DataFrame,
        stamp: LoadStamp,
        where: str = "true",
        parameters: Sequence[object] = (),
    ) -> LoadResult:
        """Replace the rows of ``table`` that match ``scope`` (and ``where``) in one transaction.

        ``rows`` is the replacement (a frame or an Arrow table, with a ``payload_ref`` column),
        or a function that builds it from the rows being replaced, read inside the same
        transaction (a merge).
        ``where`` is SQL over the alias ``target`` with ``?`` placeholders for ``parameters``.
        """
        scope_columns = list(scope.columns)
        scope_match = " and ".join(f"target.{c} = load_scope.{c}" for c in scope_columns)
        condition = f"exists (select 1 from load_scope where {scope_match}) and ({where})"
        select_list = ", ".join(
            f"cast(incoming.{name} as {kind.replace(' NOT NULL', '')}) as {name}"
            for name, kind in table.columns.items()
        )
        with self.connect() as connection:
            self.ensure_raw_tables(connection)
            connection.register("load_scope", scope.drop_duplicates())
            connection.execute("begin transaction")
            try:
                if callable(rows):
                    current = connection.execute(
                        f"select * from {table.qualified} as target where {condition}",
                        list(parameters),
                    ).df()
                    frame = rows(current)
                else:
                    frame = rows
                names = frame.column_names if isinstance(frame, pa.Table) else frame.columns
                missing = [c for c in (*table.columns, "payload_ref") if c not in names]
                if missing:
                    raise ValueError(f"{table.qualified}: frame lacks columns {missing}")
                if isinstance(frame, pa.Table):
                    incoming = frame
                else:
                    # DuckDB scans an Arrow table about twice as fast as a DataFrame (2M bars:
                    # 13.0 s -> 6.3-8.4 s); a frame Arrow cannot type is scanned as it is.
                    try:
                        incoming = pa.Table.from_pandas(frame, preserve_index=False)
                    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                        incoming = frame
                connection.register("incoming", incoming)
                deleted = connection.execute(
                    f"delete from {table.qualified} as target where {condition}",
                    list(parameters),
                ).fetchone()[0]
                inserted = connection.execute(
                    f"""
                    insert into {table.qualified}
                    select {select_list},
                        ? as _source, ? as _source_mode, ? as _run_id,
                        ? as _loaded_at, incoming.payload_ref as _payload_ref
                    from incoming
                    """,
                    [
                        stamp.source,
                        stamp.source_mode,
                        stamp.run_id,
                        stamp.loaded_at.replace(tzinfo=None),
                    ],
                ).fetchone()[0]
                connection.execute(
                    "insert into audit.load_log values (?, ?, ?, ?, ?, ?, ?)",
                    [
                        stamp.run_id,
                        table.qualified,
                        stamp.source,
                        stamp.source_mode,
                        int(deleted),
                        int(inserted),
                        stamp.loaded_at.replace(tzinfo=None),
                    ],
                )
                connection.execute("commit")
            except BaseException:
                connection.execute("rollback")
                raise
            finally:
                connection.unregister("load_scope")
        return LoadResult(table=table.qualified, deleted=int(deleted), inserted=int(inserted))

    def rows_loaded_by_run(
        self,
        table: RawTable,
        run_id: str,
        *,
        date_column: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """The rows one run wrote (within [start, end] of ``date_column`` when given): what
        its checks validate."""
        where, parameters = "_run_id = ?", [run_id]
        if date_column is not None:
            where += f" and {date_column} between ? and ?"
            parameters += [start, end]
        with self.connect() as connection:
            self.ensure_raw_tables(connection)
            return connection.execute(
                f"select * from {table.qualified} where {where}", parameters
            ).df()

    def record_check_results(self, results: Sequence[CheckRecord]) -> None:
        """Append asset check evaluations to ``audit.check_results``, in one transaction."""
        if not results:
            return
        rows = [
            [
                result.run_id,
                result.asset_key,
                result.check_name,
                result.passed,
                result.severity,
                result.expectations_evaluated,
                result.expectations_failed,
                json.dumps(result.observed, default=str, sort_keys=True),
                result.checked_at.replace(tzinfo=None),
            ]
            for result in results
        ]
        with self.connect() as connection:
            self.ensure_raw_tables(connection)
            connection.executemany(
                "insert into audit.check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def read_mart(self, mart: str) -> pd.DataFrame:
        """A whole mart of schema marts (what its checks validate)."""
        with self.connect() as connection:
            return connection.execute(f'select * from marts."{mart}"').df()

    def latest_bar_date(self, symbol: str) -> date | None:
        """The newest date ``symbol`` has a bar in raw.prices_daily (None: no bar)."""
        with self.connect() as connection:
            latest = connection.execute(
                f"select max(date) from {PRICES_DAILY.qualified} where symbol = ?", [symbol]
            ).fetchone()[0]
        return latest

    def last_published_row_count(self, mart: str) -> int | None:
        """Rows of ``mart`` in the latest publish (``audit.publish_log``); None if never."""
        with self.connect(read_only=True) as connection:
            exists = connection.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'audit' and table_name = 'publish_log'"
            ).fetchone()[0]
            if not exists:
                return None
            row = connection.execute(
                "select row_count from audit.publish_log where table_name = ? "
                "order by published_at desc limit 1",
                [mart],
            ).fetchone()
        return None if row is None else int(row[0])

    def read_table(self, table: RawTable) -> pd.DataFrame:
        """A whole raw table (for the small ones: membership spells, holdings)."""
        with self.connect() as connection:
            self.ensure_raw_tables(connection)
            return connection.execute(f"select * from {table.qualified}").df()

    def query_frame(self, sql: str, parameters: Sequence[object] = ()) -> pd.DataFrame:
        with self.connect() as connection:
            return connection.execute(sql, list(parameters)).df()

    def table_row_counts(self, schema: str) -> dict[str, int]:
        with self.connect() as connection:
            tables = connection.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "and table_type = 'BASE TABLE' order by table_name",
                [schema],
            ).fetchall()
            return {
                f"{schema}.{name}": connection.execute(
                    f'select count(*) from {schema}."{name}"'
                ).fetchone()[0]
                for (name,) in tables
            }


def utc_now() -> datetime:
    return datetime.now(UTC)


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file every asset reads and writes (``WAREHOUSE_PATH``), and where the finished
    marts are published for analysts (default: next to it)."""

    path: str
    published_path: str | None = None  # the analysts' database (analytics.duckdb)
    parquet_dir: str | None = None  # one Parquet file per mart
    data_docs_dir: str | None = None  # the Great Expectations Data Docs site

    def get(self) -> Warehouse:
        return Warehouse(self.path)

    def published(self) -> Path:
        return Path(self.published_path or Path(self.path).parent / "analytics.duckdb")

    def parquet(self) -> Path:
        return Path(self.parquet_dir or Path(self.path).parent / "published" / "parquet")

    def data_docs(self) -> Path:
        return Path(self.data_docs_dir or Path(self.path).parent / "data_docs")
