"""Benchmark 2: ``dbt build`` of the whole project (every model and test) on the full history.

Per-model times come from dbt's run_results.json; a full refresh, so incremental models build
from scratch as on the first night.
"""

from __future__ import annotations

import duckdb

from benchmarks.context import Context, publish_built
from benchmarks.measure import run_dbt


def run(context: Context) -> dict:
    context.ensure_loaded()
    dbt = run_dbt(
        context.warehouse_path, context.workdir, "build", "--full-refresh", *context.select_args
    )
    publish_built(context.warehouse_path, context.workdir)  # set-up for the nightly, untimed
    context.mark(built=True, nightly_days=[])
    with duckdb.connect(str(context.warehouse_path), read_only=True) as connection:
        raw_rows = connection.execute("select count(*) from raw.prices_daily").fetchone()[0]
        mart_rows = connection.execute(
            "select sum(estimated_size) from duckdb_tables() where schema_name = 'marts'"
        ).fetchone()[0]
    slowest = sorted(dbt.model_seconds.items(), key=lambda item: -item[1])
    return {
        "rows": raw_rows,
        "mart_rows": int(mart_rows or 0),
        "seconds": round(dbt.seconds, 2),
        "rows_per_s": round(raw_rows / dbt.seconds),
        "peak_mb": round(dbt.peak_mb),
        "models_seconds": round(sum(dbt.model_seconds.values()), 2),
        "tests_seconds": round(dbt.test_seconds, 2),
        "model_seconds": {name: round(seconds, 2) for name, seconds in slowest},
    }
