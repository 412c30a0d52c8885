"""The one Definitions object of the rotation-warehouse code location."""

from datetime import datetime

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.capex import (
    RAW_SEC_FACTS,
    raw_sec_facts,
    sec_filings_job,
    sec_new_filings,
    sec_weekly_refresh,
)
from orchestration.defs.dbt import DBT_PROJECT_DIR, dbt_executable, dbt_models
from orchestration.defs.docs import dbt_docs
from orchestration.defs.estimates import (
    estimate_file_drops,
    estimate_files_job,
    raw_earnings_estimates,
)
from orchestration.defs.macro import raw_fred
from orchestration.defs.prices import (
    nightly_partition_range,
    partition_range_tags,
    raw_prices,
)
from orchestration.defs.publish import published_marts
from orchestration.defs.quality import MART_CHECKS
from orchestration.defs.report import market_report
from orchestration.defs.resources import MarketDataResource
from orchestration.defs.universe import raw_index_membership
from orchestration.warehouse import WarehouseResource

nightly_job = dg.define_asset_job(
    name="nightly",
    # Company facts are partitioned by company and refreshed by their own job and sensor.
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(RAW_SEC_FACTS),
    description="Index membership, then prices for the settled session(s) (the universe and "
    "every member), FRED macro series and Yahoo earnings estimates, then every dbt model and "
    "test.",
    executor_def=dg.in_process_executor,
)


@dg.schedule(
    job=nightly_job,
    cron_schedule="0 21 * * 1-5",
    execution_timezone="America/New_York",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="After the US close on NYSE trading days only (exchange calendar).",
)
def nightly_after_close(context: dg.ScheduleEvaluationContext):
    now = context.scheduled_execution_time or datetime.now().astimezone()
    partition_range = nightly_partition_range(now)
    if partition_range is None:
        return dg.SkipReason(f"{now.date()} is not an NYSE session")
    start, end = partition_range
    return dg.RunRequest(run_key=f"nightly-{end}", tags=partition_range_tags(start, end))


def build_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(
            path=dg.EnvVar("WAREHOUSE_PATH"),
            published_path=dg.EnvVar("ANALYTICS_PATH"),
            parquet_dir=dg.EnvVar("PUBLISHED_PARQUET_DIR"),
            data_docs_dir=dg.EnvVar("DATA_DOCS_DIR"),
        ),
        "market_data": MarketDataResource(
            source_mode=dg.EnvVar("SOURCE_MODE"),
            landing_dir=dg.EnvVar("LANDING_DIR"),
            http_user_agent=dg.EnvVar("HTTP_USER_AGENT"),
            yahoo_base_url=dg.EnvVar("YAHOO_BASE_URL"),
            tiingo_base_url=dg.EnvVar("TIINGO_BASE_URL"),
            stooq_base_url=dg.EnvVar("STOOQ_BASE_URL"),
            fred_base_url=dg.EnvVar("FRED_BASE_URL"),
            fred_graph_base_url=dg.EnvVar("FRED_GRAPH_BASE_URL"),
            sec_base_url=dg.EnvVar("SEC_BASE_URL"),
            sec_user_agent=dg.EnvVar("SEC_USER_AGENT"),
            estimates_drop_dir=dg.EnvVar("ESTIMATES_DROP_DIR"),
            tiingo_api_key=dg.EnvVar("TIINGO_API_KEY"),
            stooq_api_key=dg.EnvVar("STOOQ_API_KEY"),
            fred_api_key=dg.EnvVar("FRED_API_KEY"),
        ),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }


defs = dg.Definitions(
    assets=[
        raw_index_membership,
        raw_prices,
        raw_fred,
        raw_sec_facts,
        raw_earnings_estimates,
        dbt_models,
        published_marts,
        dbt_docs,
        market_report,
    ],
    jobs=[nightly_job, sec_filings_job, estimate_files_job],
    asset_checks=MART_CHECKS,
    schedules=[nightly_after_close, sec_weekly_refresh],
    sensors=[sec_new_filings, estimate_file_drops],
    resources=build_resources(),
    executor=dg.in_process_executor,
)

__all__ = ["defs"]
