"""The whole asset graph materialized in process into a temporary warehouse (sample mode)."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pandas as pd
import pytest
from dagster_dbt import DbtCliResource

from orchestration.calendar import sessions_between
from orchestration.defs.dbt import DBT_PROJECT_DIR, dbt_executable, dbt_models
from orchestration.defs.prices import PRICES_CHECK, partition_range_tags, raw_prices
from orchestration.defs.resources import MarketDataResource
from orchestration.sources.universe import default_instruments
from orchestration.warehouse import Warehouse, WarehouseResource

START, END = date(2023, 1, 1), date(2024, 12, 31)
BUSINESS_CHECKSUM = """
select count(*) as row_count,
       sum(hash(symbol, date, provider, open, high, low, close, volume, adj_close,
                close_adjustment, _payload_ref, _source_mode)::hugeint) as checksum
from raw.prices_daily
"""


def resources(tmp_path, market_data: MarketDataResource | None = None) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "market.duckdb")),
        "market_data": market_data
        or MarketDataResource(source_mode="sample", landing_dir=str(tmp_path / "landing")),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
        ),
    }


def materialize(tmp_path, start: date, end: date, market_data=None, selection=None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_prices, dbt_models],
        resources=resources(tmp_path, market_data),
        tags=partition_range_tags(start.isoformat(), end.isoformat()),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        selection=selection,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("graph")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_PATH", str(tmp_path / "market.duckdb"))
        result = materialize(tmp_path, START, END)
    return tmp_path, result, Warehouse(tmp_path / "market.duckdb")


def expected_bar_count(start: date, end: date) -> int:
    """Independently: NYSE sessions per listed equity, calendar days per crypto asset."""
    sessions = sessions_between(start, end)
    total = 0
    for instrument in default_instruments():
        if instrument.is_crypto:
            first = max(start, instrument.listed_on)
            total += max(0, (end - first).days + 1)
        else:
            total += sum(1 for s in sessions if s >= instrument.listed_on)
    return total


def test_the_whole_graph_materializes_and_checks_pass(built):
    _, result, _ = built
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations[PRICES_CHECK] is True
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/prices_daily", "raw/corporate_actions", "marts/fct_sector_rotation_daily"} <= materialized


def test_raw_prices_hold_every_session_of_every_instrument(built):
    _, _, warehouse = built
    counts = warehouse.query_frame(
        "select count(*) as n, count(distinct symbol) as symbols, min(_source_mode) as mode, "
        "max(_source_mode) as mode_max, count(*) filter (where _payload_ref is null) as unarchived "
        "from raw.prices_daily"
    ).iloc[0]
    assert counts["n"] == expected_bar_count(START, END)
    assert counts["symbols"] == 43
    assert counts["mode"] == counts["mode_max"] == "sample"
    assert counts["unarchived"] == 0
    providers = warehouse.query_frame(
        "select symbol, provider from raw.prices_daily group by all order by symbol"
    ).set_index("symbol")["provider"]
    # Each instrument's first provider in the seed served it (sample mode has every key).
    for instrument in default_instruments():
        assert providers[instrument.symbol] == instrument.provider_order[0]


def test_the_sample_split_is_a_corporate_action(built):
    _, _, warehouse = built
    # NVDA's 4-for-1 split is in 2021, outside this range; dividends are inside it.
    actions = warehouse.query_frame(
        "select action_type, count(*) as n from raw.corporate_actions group by all"
    ).set_index("action_type")["n"]
    assert actions["dividend"] > 0


def test_sector_rotation_mart_covers_eleven_sectors_on_the_last_day(built):
    _, _, warehouse = built
    latest = warehouse.query_frame(
        """
        select * from marts.fct_sector_rotation_daily
        where trade_date = (select max(trade_date) from marts.fct_sector_rotation_daily)
        """
    )
    assert len(latest) == 11
    assert latest["trade_date"].iloc[0] == pd.Timestamp("2024-12-31")
    assert sorted(latest["rank_1m"]) == list(range(1, 12))
    assert latest["rrg_quadrant"].notna().all()


def test_rerunning_a_partition_changes_nothing(built, monkeypatch):
    tmp_path, _, warehouse = built
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "market.duckdb"))
    before = warehouse.query_frame(BUSINESS_CHECKSUM).iloc[0].to_dict()
    rerun = materialize(tmp_path, date(2024, 6, 3), date(2024, 6, 3), selection=[raw_prices])
    assert rerun.success
    after = warehouse.query_frame(BUSINESS_CHECKSUM).iloc[0].to_dict()
    assert after == before
    reloaded = warehouse.query_frame(
        "select count(*) as n from raw.prices_daily where _run_id = ?", [rerun.run_id]
    )["n"][0]
    assert reloaded == expected_bar_count(date(2024, 6, 3), date(2024, 6, 3)) == 42  # CRWV not listed yet
