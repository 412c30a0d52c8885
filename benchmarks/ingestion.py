"""Benchmark 1, ingestion: the pipeline's load path for the whole history vs DuckDB's floor.

Pipeline: each symbol's Stooq CSV payload (the primary provider's wire format, generated
beforehand and held in memory: no HTTP) -> ``stooq.parse_daily_csv`` (typed rows) -> the rows
of a batch of symbols concatenated with their payload_ref, as ``fetch_prices`` returns them ->
``Warehouse.replace_date_range`` (one transaction: delete the symbols' date range, insert,
audit.load_log). Floor: the same typed rows as one Arrow table, one ``INSERT ... SELECT`` into
an identical empty table of another file. Both run batch by batch, side by side.

Ceiling: one INSERT of the first batch's typed rows into an empty table, in a fresh file and in
memory, with the CPU time it took: the most any load path into this table can reach here.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.context import (
    Context,
    as_date,
    insert_arrow,
    load_membership,
    stamp,
    stooq_payloads,
    typed_arrow,
)
from benchmarks.measure import measured, rate
from orchestration.sources.prices import stooq
from orchestration.sources.prices.fetch import concat_bars, with_payload_ref
from orchestration.warehouse import PRICES_DAILY, Warehouse

SYMBOLS_PER_BATCH = 1_000


def symbol_batches(bars: pa.Table, per_batch: int) -> list[tuple[int, int]]:
    """Row ranges of consecutive symbols (``bars`` is ordered by symbol)."""
    indices = bars.column("symbol").combine_chunks().indices.to_numpy()
    starts = np.flatnonzero(np.r_[True, indices[1:] != indices[:-1]])
    bounds = [*starts[::per_batch].tolist(), len(indices)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def parse_payloads(payloads: list[tuple[str, bytes]]) -> pa.Table:
    """Each payload parsed and tagged with its payload_ref, then concatenated: what
    ``fetch_prices`` does with the payloads it receives."""
    return concat_bars(
        [
            with_payload_ref(
                stooq.parse_daily_csv(body, symbol).bars_table,
                f"benchmark/stooq/daily_{symbol}.csv",
            )
            for symbol, body in payloads
        ]
    )


def load_scope(bars: pa.Table) -> pd.DataFrame:
    """The (symbol, provider) pairs a load of ``bars`` replaces."""
    symbols = pc.unique(bars.column("symbol")).to_pandas()
    return pd.DataFrame({"symbol": symbols, "provider": "stooq"}, dtype="string")


def insert_ceiling(typed: pa.Table, workdir: Path) -> dict:
    """DuckDB's own INSERT of ``typed`` into an empty raw.prices_daily, in a fresh file (the
    close, which writes it, included) and in memory; wall and CPU seconds of each."""
    figures = {}
    file_path = workdir / "ceiling.duckdb"
    for label, path in (("file", file_path), ("memory", None)):
        if path is not None:
            path.unlink(missing_ok=True)
        connection = duckdb.connect(str(path) if path else ":memory:")
        Warehouse(file_path).ensure_raw_tables(connection)
        wall, cpu = time.perf_counter(), time.process_time()
        insert_arrow(connection, typed, "benchmark-ceiling")
        connection.close()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        figures[f"ceiling_{label}_seconds"] = round(wall, 3)
        figures[f"ceiling_{label}_cpu_seconds"] = round(cpu, 3)
        figures[f"ceiling_{label}_rows_per_s"] = round(rate(typed.num_rows, wall))
        if path is not None:
            path.unlink(missing_ok=True)
    return {"ceiling_rows": typed.num_rows, **figures}


def run(context: Context) -> dict:
    dataset = context.dataset
    context.reset_warehouse()
    load_membership(context.warehouse, dataset)
    floor_path = context.workdir / "floor.duckdb"
    floor_path.unlink(missing_ok=True)
    floor = Warehouse(floor_path)
    with floor.connect() as connection:
        floor.ensure_raw_tables(connection)

    history = dataset.bars(end=dataset.history_end)
    start, end = as_date(dataset.history_start), as_date(dataset.history_end)
    totals = {"rows": 0, "floor": 0.0, "parse": 0.0, "load": 0.0}
    peaks = {"floor": 0.0, "parse": 0.0, "load": 0.0}
    batches = symbol_batches(history, SYMBOLS_PER_BATCH)
    for number, (first, last) in enumerate(batches):
        chunk = history.slice(first, last - first)
        typed = typed_arrow(chunk)
        with measured("floor") as floor_stage, floor.connect() as connection:
            insert_arrow(connection, typed)
        del typed
        payloads = stooq_payloads(chunk)
        with measured("parse") as parse_stage:
            bars = parse_payloads(payloads)
        del payloads
        scope = load_scope(bars)
        with measured("load") as load_stage:
            result = context.warehouse.replace_date_range(
                PRICES_DAILY, bars, date_column="date", start=start, end=end,
                scope=scope, stamp=stamp(f"benchmark-ingestion-{number}"),
            )  # fmt: skip
        if result.inserted != chunk.num_rows:
            raise AssertionError(
                f"batch {number}: {result.inserted} rows loaded of {chunk.num_rows}"
            )
        del bars
        totals["rows"] += chunk.num_rows
        for stage in (floor_stage, parse_stage, load_stage):
            totals[stage.name] += stage.seconds
            peaks[stage.name] = max(peaks[stage.name], stage.peak)
        print(
            f"  batch {number + 1}/{len(batches)}: {chunk.num_rows:,} rows; floor "
            f"{floor_stage.seconds:.2f}s, parse {parse_stage.seconds:.2f}s, "
            f"load {load_stage.seconds:.2f}s",
            flush=True,
        )
    first, last = batches[0]
    ceiling = insert_ceiling(typed_arrow(history.slice(first, last - first)), context.workdir)
    del history
    floor_path.unlink(missing_ok=True)
    context.mark(loaded=True, built=False)
    rows = totals["rows"]
    pipeline_seconds = totals["parse"] + totals["load"]
    return {
        "rows": rows,
        "batches": len(batches),
        "floor_seconds": round(totals["floor"], 3),
        "floor_rows_per_s": round(rate(rows, totals["floor"])),
        "load_seconds": round(totals["load"], 3),
        "load_rows_per_s": round(rate(rows, totals["load"])),
        "parse_seconds": round(totals["parse"], 3),
        "parse_rows_per_s": round(rate(rows, totals["parse"])),
        "pipeline_seconds": round(pipeline_seconds, 3),
        "pipeline_rows_per_s": round(rate(rows, pipeline_seconds)),
        "load_vs_floor_ratio": round(totals["load"] / totals["floor"], 2),
        "pipeline_vs_floor_ratio": round(pipeline_seconds / totals["floor"], 2),
        "floor_peak_mb": round(peaks["floor"]),
        "parse_peak_mb": round(peaks["parse"]),
        "load_peak_mb": round(peaks["load"]),
        "load_vs_floor_peak_ratio": round(peaks["load"] / peaks["floor"], 2),
        **ceiling,
    }
