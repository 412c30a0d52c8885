"""What every benchmark shares: the scale's dataset, its working folder and warehouse, and the
steps that bring the warehouse to the state a benchmark starts from (so each one runs alone).

States, in order: generated (Parquet) -> loaded (raw tables hold the history, by the pipeline's
load path or, when a benchmark needs only the data, by DuckDB's Arrow insert) -> built (every
dbt model and test on the history) -> published.
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from benchmarks.measure import run_dbt
from benchmarks.scale import SCALES, Dataset, generate
from orchestration.publish import publish_marts
from orchestration.warehouse import INDEX_MEMBERSHIP, PRICES_DAILY, LoadStamp, Warehouse

SOURCE_MODE = "sample"  # synthetic data, labelled as the sample market's is
STOOQ_HEADER = b"Date,Open,High,Low,Close,Volume\n"


@dataclass
class Context:
    scale_name: str
    workdir: Path
    select: str = ""  # dbt selection of every build (default: the whole project)
    dataset: Dataset = field(init=False)
    results: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir = self.workdir / self.scale_name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dataset = generate(self.workdir / "data", SCALES[self.scale_name])

    @property
    def select_args(self) -> list[str]:
        return ["--select", *self.select.split()] if self.select else []

    @property
    def warehouse_path(self) -> Path:
        return self.workdir / "market.duckdb"

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_path)

    @property
    def published_path(self) -> Path:
        return self.workdir / "published" / "analytics.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.workdir / "published" / "parquet"

    def state(self) -> dict:
        path = self.workdir / "state.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def mark(self, **facts) -> None:
        (self.workdir / "state.json").write_text(json.dumps({**self.state(), **facts}))

    def reset_warehouse(self) -> None:
        for path in (self.warehouse_path, self.warehouse_path.with_suffix(".duckdb.wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.workdir / "published", ignore_errors=True)
        (self.workdir / "state.json").unlink(missing_ok=True)

    # --- bringing the warehouse to a state --------------------------------------------------
    def ensure_loaded(self) -> None:
        """The history in raw.prices_daily and the membership spells in raw.index_membership."""
        if self.state().get("loaded"):
            return
        self.reset_warehouse()
        load_membership(self.warehouse, self.dataset)
        load_bars_floor(self.warehouse_path, self.dataset.bars(end=self.dataset.history_end))
        self.mark(loaded=True)

    def ensure_built(self) -> None:
        """Every dbt model and test built on the history."""
        self.ensure_loaded()
        if self.state().get("built"):
            return
        run = run_dbt(self.warehouse_path, self.workdir, "build", *self.select_args)
        publish_built(self.warehouse_path, self.workdir)
        self.mark(built=True, built_dbt_seconds=run.seconds, nightly_days=[])


def publish_built(warehouse_path: Path, workdir: Path) -> None:
    """Publish a freshly built warehouse (set-up, untimed): a night follows a publish, and the
    history-wide dbt tests read only what changed since the last one."""
    publish_marts(
        warehouse_path,
        workdir / "published" / "analytics.duckdb",
        workdir / "published" / "parquet",
        run_id="benchmark-build",
        source_mode=SOURCE_MODE,
    )


def stamp(run_id: str) -> LoadStamp:
    return LoadStamp(
        source="prices", source_mode=SOURCE_MODE, run_id=run_id, loaded_at=datetime.now(UTC)
    )


def load_membership(warehouse: Warehouse, dataset: Dataset) -> None:
    spells = dataset.membership()
    rows = spells.assign(
        security_name=None, gics_sub_industry=None, cik=None, source="benchmark",
        payload_ref="benchmark/membership.parquet",
    )  # fmt: skip
    warehouse.replace_rows(
        INDEX_MEMBERSHIP,
        rows,
        scope=spells[["index_id"]].drop_duplicates(),
        stamp=LoadStamp("index_membership", SOURCE_MODE, "benchmark-membership", datetime.now(UTC)),
    )


# --- typed rows as DuckDB's floor sees them, and payloads as the provider sends them ---------
def typed_arrow(bars: pa.Table, payload_refs: pa.Array | None = None) -> pa.Table:
    """The typed rows of the Stooq parser (PRICE_COLUMNS + payload_ref) as an Arrow table."""
    symbol = pc.cast(bars.column("symbol"), pa.string())
    n = bars.num_rows
    nulls = pa.nulls(n, pa.float64())
    volume = pc.cast(bars.column("volume"), pa.float64())
    if payload_refs is None:
        payload_refs = pc.binary_join_element_wise(
            "benchmark/stooq/daily_", symbol, pa.scalar(".csv"), ""
        )
    return pa.table(
        {
            "symbol": symbol,
            "date": bars.column("date"),
            "provider": pa.array(np.full(n, "stooq")),
            "open": bars.column("open"),
            "high": bars.column("high"),
            "low": bars.column("low"),
            "close": bars.column("close"),
            "volume": volume,
            "adj_open": bars.column("open"),
            "adj_high": bars.column("high"),
            "adj_low": bars.column("low"),
            "adj_close": bars.column("close"),
            "adj_volume": volume,
            "div_cash": nulls,
            "split_factor": nulls,
            "close_adjustment": pa.array(np.full(n, "split_dividend")),
            "payload_ref": payload_refs,
        }
    )


def insert_arrow(
    connection: duckdb.DuckDBPyConnection, rows: pa.Table, run_id: str = "benchmark-floor"
) -> None:
    """The floor: one INSERT into raw.prices_daily from ``rows`` (typed Arrow) registered as
    they are, stamped like the loader stamps."""
    columns = ", ".join(PRICES_DAILY.columns)
    connection.register("floor_rows", rows)
    try:
        connection.execute(
            f"insert into raw.prices_daily select {columns}, 'prices', '{SOURCE_MODE}', ?, ?, "
            "payload_ref from floor_rows",
            [run_id, datetime.now(UTC).replace(tzinfo=None)],
        )
    finally:
        connection.unregister("floor_rows")


def load_bars_floor(warehouse_path: Path, bars: pa.Table, run_id: str = "benchmark-floor") -> int:
    """DuckDB's own Arrow insert of ``bars`` into raw.prices_daily (no delete, no checks)."""
    typed = typed_arrow(bars)
    warehouse = Warehouse(warehouse_path)
    with warehouse.connect() as connection:
        warehouse.ensure_raw_tables(connection)
        insert_arrow(connection, typed, run_id)
    return typed.num_rows


def stooq_payloads(bars: pa.Table) -> list[tuple[str, bytes]]:
    """One Stooq endpoint CSV per symbol (``Date,Open,High,Low,Close,Volume``), as served.

    ``bars`` must be ordered by symbol then date (the generator's order). Written by pyarrow in
    one pass, then cut at the symbols' row boundaries: no per-row Python.
    """
    if bars.num_rows == 0:
        return []
    symbols = pc.cast(bars.column("symbol"), pa.string()).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, symbols[1:] != symbols[:-1]])
    body = io.BytesIO()
    table = pa.table(
        {
            "Date": bars.column("date"),
            "Open": bars.column("open"),
            "High": bars.column("high"),
            "Low": bars.column("low"),
            "Close": bars.column("close"),
            "Volume": bars.column("volume"),
        }
    )
    pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    raw = body.getvalue()
    line_ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 10)
    line_starts = np.r_[0, line_ends[:-1] + 1]
    ends = np.r_[starts[1:], len(symbols)]
    return [
        (str(symbols[first]), STOOQ_HEADER + raw[line_starts[first] : line_ends[last - 1] + 1])
        for first, last in zip(starts, ends, strict=True)
    ]


def as_date(value: str) -> date:
    return date.fromisoformat(value)
