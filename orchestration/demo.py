"""`make demo`: build the whole warehouse from the offline sample market and summarise it.

Runs the jobs the schedules run: the nightly job over every daily partition from DEMO_START to
the last settled session as one run (the prices asset backfills in a single step), the SEC
filings job for every company as one run, then the nightly job's unpartitioned part (FRED and
every dbt model).

Why not always from 2005: Dagster records two events per asset per daily partition, and that
bookkeeping, not the data work, dominates a twenty-year range (see the README for figures).
The default window still covers the 2022 energy boom, the 2023-25 technology lead and the 2026
breakout; set DEMO_START=2005-01-03 for the whole sample history.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.calendar import FIRST_SESSION, NEW_YORK, last_completed_session
from orchestration.defs.capex import all_companies_tags
from orchestration.defs.estimates import RAW_EARNINGS_ESTIMATES
from orchestration.defs.prices import partition_range_tags
from orchestration.defs.universe import (
    RAW_INDEX_HOLDINGS,
    RAW_INDEX_MEMBERSHIP,
    raw_index_membership,
)
from orchestration.report import default_report_dir
from orchestration.sample.estimates import write_drop_files
from orchestration.warehouse import Warehouse, utc_now

DEFAULT_DEMO_START = date(2022, 1, 3)

ROTATION_SQL = """
select
    sector,
    symbol,
    round(return_1m * 100, 2) as return_1m_pct,
    round(return_3m * 100, 2) as return_3m_pct,
    round(rs_ratio, 2) as rs_ratio,
    round(rs_momentum, 2) as rs_momentum,
    rrg_quadrant
from marts.fct_sector_rotation_daily
where trade_date = (select max(trade_date) from marts.fct_sector_rotation_daily)
order by rs_ratio desc
"""


def quarantine_reports(result: dg.ExecuteInProcessResult) -> list[str]:
    """Report paths of vendor files a failed estimates run quarantined (empty otherwise)."""
    for event in result.all_events:
        if event.is_step_failure:
            failure = event.step_failure_data.user_failure_data
            if failure is not None and "reports" in failure.metadata:
                return list(failure.metadata["reports"].value)
    return []


def main() -> int:
    from orchestration.definitions import defs

    started = time.perf_counter()
    # The Makefile exports WAREHOUSE_PATH; the definitions' resources read the same variable.
    warehouse = Warehouse(os.environ["WAREHOUSE_PATH"])
    start = date.fromisoformat(os.environ.get("DEMO_START") or DEFAULT_DEMO_START.isoformat())
    start = max(start, FIRST_SESSION)
    end = last_completed_session(utc_now())
    tags = partition_range_tags(start.isoformat(), end.isoformat())
    # An in-memory instance: the per-partition event bookkeeping of a multi-year range is
    # many times slower in the on-disk SQLite instance that `make dev` uses.
    instance = dg.DagsterInstance.ephemeral()
    mode = os.environ.get("SOURCE_MODE", "sample")
    print(f"Building the warehouse from {start} to {end} in {mode} mode ...", flush=True)
    nightly = defs.resolve_job_def("nightly")
    filings = defs.resolve_job_def("sec_filings")
    estimate_files = defs.resolve_job_def("estimate_files")
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    by_partitions: dict[str, list[dg.AssetKey]] = {"daily": [], "company": [], "none": []}
    for key in keys:
        partitions = graph.get(key).partitions_def
        kind = (
            "none"
            if partitions is None
            else "daily"
            if isinstance(partitions, dg.TimeWindowPartitionsDefinition)
            else "company"
        )
        by_partitions[kind].append(key)
    # Runs, as backfills then a build: daily prices over the whole window in one run, every
    # company's SEC facts in one run, each vendor estimates file the sensor finds in its own
    # run (as the sensor would request them), then FRED, Yahoo estimates and every dbt model.
    # The dbt models are not partitioned, and planning their dbt-test checks against thousands
    # of daily partitions costs more than the models themselves.
    membership_keys = [RAW_INDEX_MEMBERSHIP, RAW_INDEX_HOLDINGS]
    plan = [
        # Members first: the prices run fetches every index member's bars too. IWM holdings
        # snapshots are backfilled for each month end of the window.
        (
            "membership",
            nightly,
            membership_keys,
            {},
            {"ops": {raw_index_membership.op.name: {"config": {"holdings_since": str(start)}}}},
        ),
        ("prices", nightly, by_partitions["daily"], tags, None),
        ("sec", filings, by_partitions["company"], all_companies_tags(), None),
    ]
    drop_dir = Path(os.environ["ESTIMATES_DROP_DIR"])
    if mode == "sample":
        write_drop_files(drop_dir, today=utc_now().astimezone(NEW_YORK).date())
    sensor = defs.resolve_sensor_def("estimate_file_drops")
    with dg.build_sensor_context(
        instance=instance, resources={"market_data": defs.resources["market_data"]}
    ) as context:
        evaluation = sensor(context)
    for request in getattr(evaluation, "run_requests", None) or []:
        plan.append(
            (
                f"estimates {request.tags['estimates/file']}",
                estimate_files,
                [RAW_EARNINGS_ESTIMATES],
                request.tags,
                request.run_config,
            )
        )
    rest = [key for key in by_partitions["none"] if key not in membership_keys]
    plan.append(("macro+dbt", nightly, rest, {}, None))
    runs = []
    quarantined: list[str] = []
    log_path = warehouse.path.parent / "demo.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("")
    for label, job, selection, run_tags, run_config in plan:
        run_started = time.perf_counter()
        print(f"  {label} ...", flush=True)
        # Dagster's and dbt's own logs go to a file; the terminal gets the summary.
        with (
            log_path.open("a", encoding="utf-8") as log_file,
            contextlib.redirect_stdout(log_file),
            contextlib.redirect_stderr(log_file),
        ):
            result = job.execute_in_process(
                instance=instance,
                tags=run_tags,
                asset_selection=selection,
                run_config=run_config,
                raise_on_error=False,
            )
        runs.append((label, result, time.perf_counter() - run_started))
        if result.success:
            continue
        reports = quarantine_reports(result)
        if reports:
            # A malformed vendor file fails its own run, by design; the others go on.
            quarantined += reports
            print(f"    quarantined, nothing loaded: {', '.join(reports)}")
            continue
        for event in result.all_events:
            if event.is_step_failure:
                message = event.step_failure_data.error.message.strip()
                print(f"FAILED step {event.step_key}: {message}")
        for check in result.get_asset_check_evaluations():
            if not check.passed:
                print(f"FAILED check {check.check_name}: {check.description}")
        print(f"{label} run {result.run_id} failed; nothing downstream of it ran. Log: {log_path}")
        return 1
    elapsed = time.perf_counter() - started
    checks = [
        (evaluation.check_name, evaluation.passed)
        for _, result, _ in runs
        for evaluation in result.get_asset_check_evaluations()
    ]

    counts = warehouse.table_row_counts("raw")
    rotation = warehouse.query_frame(ROTATION_SQL)
    marts = warehouse.table_row_counts("marts")
    print()
    label = "SYNTHETIC sample data" if mode == "sample" else "live data"
    print(f"Built in {elapsed:.1f}s from {label}:")
    for run_label, result, seconds in runs:
        status = "ok" if result.success else "failed"
        print(f"  {run_label:<36} {status:<6} run {result.run_id[:8]} {seconds:6.1f}s")
    passed = sum(1 for _, ok in checks if ok)
    print(
        f"Asset checks: {passed} passed, {len(checks) - passed} failed (Great Expectations and dbt tests)"
    )
    print("\nRows per raw table:")
    for table, rows in counts.items():
        print(f"  {table:<28} {rows:>10,}")
    print("\nRows per mart:")
    for table, rows in marts.items():
        print(f"  {table:<40} {rows:>10,}")
    if not rotation.empty:
        latest = warehouse.query_frame(
            "select max(trade_date) as d from marts.fct_sector_rotation_daily"
        )["d"][0]
        print(f"\nSector rotation on {latest:%Y-%m-%d} (RS vs SPY; returns in %):")
        print(rotation.to_string(index=False))
    for report in quarantined:
        print(f"\nQuarantined vendor file (by design, a malformed sample): {report}")
    print(f"\nWarehouse (the pipeline's working file): {warehouse.path}")
    print(f"Published for analysts and BI tools (read-only): {os.environ.get('ANALYTICS_PATH')}")
    print(f"Published Parquet, one file per mart: {os.environ.get('PUBLISHED_PARQUET_DIR')}")
    published = os.environ.get("ANALYTICS_PATH") or warehouse.path.parent / "analytics.duckdb"
    print(f"Market report: {default_report_dir(published) / 'index.html'}")
    data_docs = Path(os.environ.get("DATA_DOCS_DIR") or warehouse.path.parent / "data_docs")
    print(f"Data quality (Great Expectations Data Docs): {data_docs / 'index.html'}")
    print(f"Landing archive: {os.environ.get('LANDING_DIR')}")
    print(f"Run log: {log_path}")
    print(
        "Explore it: `make dev` (Dagster UI), or any SQL client on the published file, "
        "read-only (README: Querying the marts)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
