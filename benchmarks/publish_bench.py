"""Benchmark 7: publish every mart, with a reader process querying the published file all along.

The reader (another process, as a BI tool would be) opens the published file read-only over and
over, counts the rows of every mart, and records any error; it must see none.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from benchmarks.context import Context
from benchmarks.measure import measured
from benchmarks.reader import read_until_stopped
from orchestration.publish import publish_marts


def publish(context: Context, run_id: str):
    return publish_marts(
        context.warehouse_path, context.published_path, context.parquet_dir,
        run_id=run_id, source_mode="sample",
    )  # fmt: skip


def run(context: Context) -> dict:
    context.ensure_built()
    if not Path(context.published_path).exists():
        publish(context, "benchmark-publish-first")  # something to read from the start
    spawn = multiprocessing.get_context("spawn")
    ready, stop, results = spawn.Event(), spawn.Event(), spawn.Queue()
    process = spawn.Process(
        target=read_until_stopped, args=(str(context.published_path), ready, stop, results)
    )
    process.start()
    if not ready.wait(timeout=300):  # the reader is reading before the publish starts
        raise RuntimeError("the reader process never completed a read")
    with measured("publish") as stage:
        result = publish(context, f"benchmark-publish-{int(time.time())}")
    time.sleep(0.5)  # and goes on reading the new file
    stop.set()
    outcome = results.get(timeout=60)
    process.join(timeout=60)
    rows = sum(result.tables.values())
    return {
        "rows": rows,
        "marts": len(result.tables),
        "seconds": round(stage.seconds, 2),
        "rows_per_s": round(rows / stage.seconds),
        "peak_mb": round(stage.peak),
        "bytes": result.bytes,
        "reader_reads": outcome["reads"],
        "reader_errors": len(outcome["errors"]),
        "reader_error_samples": outcome["errors"][:3],
    }
