"""The code location loads, the graph is one piece, and the schedule follows the NYSE calendar."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

NEW_YORK = ZoneInfo("America/New_York")
PROJECT_ROOT = Path(__file__).resolve().parents[2]

ENVIRONMENT = {
    "WAREHOUSE_PATH": "/tmp/rotation-warehouse-definitions-test/market.duckdb",
    "LANDING_DIR": "/tmp/rotation-warehouse-definitions-test/landing",
    "SOURCE_MODE": "sample",
    "HTTP_USER_AGENT": "tests",
    "YAHOO_BASE_URL": "https://query2.finance.yahoo.com",
    "TIINGO_BASE_URL": "https://api.tiingo.com",
    "STOOQ_BASE_URL": "https://stooq.com",
    "TIINGO_API_KEY": "",
    "STOOQ_API_KEY": "",
}

EXPECTED_ASSETS = {
    "raw/prices_daily",
    "raw/corporate_actions",
    "seeds/instruments",
    "staging/stg_prices__daily_bars",
    "staging/stg_prices__corporate_actions",
    "staging/stg_seeds__instruments",
    "marts/fct_sector_rotation_daily",
    "marts/fct_style_spreads_daily",
    "marts/fct_theme_rotation_daily",
    "marts/fct_index_milestones",
    "marts/fct_risk_appetite_daily",
    "raw/fred_observations",
    "raw/fred_series",
    "marts/fct_macro_observations_asof",
    "marts/fct_macro_monthly",
    "marts/fct_macro_regime_daily",
    "raw/sec_facts",
    "marts/fct_capex_quarterly",
    "marts/fct_hyperscaler_capex",
}


@pytest.fixture
def defs(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    return defs


def test_definitions_load_with_one_connected_graph(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys >= EXPECTED_ASSETS
    # The dbt source for raw.prices_daily IS the Dagster raw asset: lineage is one graph.
    staging = graph.get(dg.AssetKey(["staging", "stg_prices__daily_bars"]))
    assert dg.AssetKey(["raw", "prices_daily"]) in staging.parent_keys
    for raw, staged in (
        ("fred_observations", "stg_fred__observations"),
        ("sec_facts", "stg_sec__facts"),
    ):
        assert dg.AssetKey(["raw", raw]) in graph.get(dg.AssetKey(["staging", staged])).parent_keys
    groups = {graph.get(dg.AssetKey(k.split("/"))).group_name for k in EXPECTED_ASSETS}
    assert groups == {"raw_prices", "raw_macro", "raw_filings", "universe", "staging", "marts"}


def test_jobs_split_daily_loads_from_company_filings(defs):
    nightly = {
        k.to_user_string() for k in defs.resolve_job_def("nightly").asset_layer.selected_asset_keys
    }
    filings = {
        k.to_user_string()
        for k in defs.resolve_job_def("sec_filings").asset_layer.selected_asset_keys
    }
    assert {"raw/prices_daily", "raw/fred_observations", "marts/fct_macro_monthly"} <= nightly
    assert "raw/sec_facts" not in nightly  # partitioned by company: its own job
    assert {"raw/sec_facts", "marts/fct_capex_quarterly", "marts/fct_hyperscaler_capex"} <= filings
    assert "raw/prices_daily" not in filings
    assert defs.resolve_sensor_def("sec_new_filings").job_name == "sec_filings"


def test_every_writer_shares_one_pool(defs):
    from orchestration.defs.capex import raw_sec_facts
    from orchestration.defs.dbt import dbt_models
    from orchestration.defs.macro import raw_fred
    from orchestration.defs.prices import WRITER_POOL, raw_prices

    for writer in (raw_prices, raw_fred, raw_sec_facts, dbt_models):
        assert writer.op.pool == WRITER_POOL


def evaluate(defs, when: datetime):
    schedule = defs.resolve_schedule_def("nightly_after_close")
    context = dg.build_schedule_context(scheduled_execution_time=when)
    return schedule.evaluate_tick(context)


def test_schedule_runs_after_the_close_on_a_session(defs):
    # Monday 2025-11-24: the run covers Saturday and Sunday too (crypto), through Monday.
    data = evaluate(defs, datetime(2025, 11, 24, 21, 0, tzinfo=NEW_YORK))
    (request,) = data.run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2025-11-22"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-11-24"
    assert request.run_key == "nightly-2025-11-24"


def test_schedule_skips_nyse_holidays(defs):
    # Thursday 2025-11-27 is Thanksgiving: a weekday, but no session.
    data = evaluate(defs, datetime(2025, 11, 27, 21, 0, tzinfo=NEW_YORK))
    assert not data.run_requests
    assert "not an NYSE session" in data.skip_message


def test_day_after_a_holiday_covers_the_holiday(defs):
    data = evaluate(defs, datetime(2025, 11, 28, 21, 0, tzinfo=NEW_YORK))
    (request,) = data.run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2025-11-27"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-11-28"


def test_instance_settings_limit_the_writer_pool_to_one(tmp_path):
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    finally:
        instance.dispose()
