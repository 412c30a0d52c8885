"""Benchmark 6: what Dagster and dbt add around the SQL, per asset.

The nightly's dbt and publish assets are materialized in process by Dagster on the built
warehouse (``dbt_models`` then ``published_marts``, as the nightly job runs them). For each
step: its wall time (Dagster's step stats) minus the time spent in SQL (dbt's per-node execution
times, reported on the materializations and checks, or the publish's own timing).
"""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from benchmarks.context import Context
from benchmarks.measure import measured
from orchestration.defs.dbt import DBT_PROJECT_DIR, dbt_executable, dbt_models
from orchestration.defs.publish import published_marts
from orchestration.defs.resources import MarketDataResource
from orchestration.warehouse import WarehouseResource


def _seconds(metadata: dict) -> float:
    value = metadata.get("Execution Duration")
    return float(value.value) if value is not None else 0.0


def run(context: Context) -> dict:
    context.ensure_built()
    os.environ["WAREHOUSE_PATH"] = str(context.warehouse_path)
    resources = {
        "warehouse": WarehouseResource(
            path=str(context.warehouse_path),
            published_path=str(context.published_path),
            parquet_dir=str(context.parquet_dir),
        ),
        "market_data": MarketDataResource(
            source_mode="sample", landing_dir=str(context.workdir / "landing")
        ),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }
    instance = dg.DagsterInstance.ephemeral()
    with measured("dagster") as stage:
        result = dg.materialize(
            [dbt_models, published_marts], resources=resources, instance=instance
        )
    if not result.success:
        raise RuntimeError("the Dagster run of dbt and publish failed")
    steps = {
        s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(result.run_id)
    }
    materializations = [
        e.step_materialization_data.materialization
        for e in result.get_asset_materialization_events()
    ]
    dbt_sql = sum(
        _seconds(m.metadata) for m in materializations if m.asset_key != published_marts.key
    )
    dbt_sql += sum(_seconds(c.metadata) for c in result.get_asset_check_evaluations())
    publish_sql = next(
        m.metadata["seconds"].value for m in materializations if m.asset_key == published_marts.key
    )
    dbt_step = next(seconds for key, seconds in steps.items() if "dbt" in key)
    publish_step = next(seconds for key, seconds in steps.items() if "publish" in key)
    return {
        "run_seconds": round(stage.seconds, 2),
        "peak_mb": round(stage.peak),
        "steps": {
            "dbt_models": {
                "step_seconds": round(dbt_step, 2),
                "sql_seconds": round(dbt_sql, 2),
                "overhead_seconds": round(dbt_step - dbt_sql, 2),
            },
            "published_marts": {
                "step_seconds": round(publish_step, 2),
                "sql_seconds": round(publish_sql, 2),
                "overhead_seconds": round(publish_step - publish_sql, 2),
            },
        },
        "run_overhead_seconds": round(stage.seconds - dbt_step - publish_step, 2),
    }
