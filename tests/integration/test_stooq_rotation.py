"""Real Stooq history through the real parser, loader and dbt models.

The six recorded Stooq files (SPY QQQ RSP XLK XLF XLE, 2005 to mid 2026) are parsed, loaded
into a temporary warehouse and modelled; the marts must show what really happened, e.g. the
2022 energy boom while technology fell.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from orchestration.sources.prices import stooq
from orchestration.warehouse import CORPORATE_ACTIONS, PRICES_DAILY, LoadStamp, Warehouse
from tests.integration.dbt_runner import run_dbt

SYMBOLS = ["SPY", "QQQ", "RSP", "XLK", "XLF", "XLE"]


@pytest.fixture(scope="module")
def stooq_warehouse(tmp_path_factory, fixtures_dir):
    # GIVEN the real Stooq files parsed by the Stooq parser and loaded by the warehouse loader
    root = tmp_path_factory.mktemp("stooq")
    warehouse = Warehouse(root / "market.duckdb")
    frames = {}
    for symbol in SYMBOLS:
        body = gzip.decompress(
            (fixtures_dir / "prices" / "stooq" / f"{symbol.lower()}.us.txt.gz").read_bytes()
        )
        frames[symbol] = stooq.parse_daily_csv(body, symbol).bars.assign(
            payload_ref=f"fixtures/{symbol}"
        )
    bars = pd.concat(frames.values(), ignore_index=True)
    stamp = LoadStamp(
        source="prices", source_mode="live", run_id="stooq-fixtures", loaded_at=datetime.now(UTC)
    )
    scope = pd.DataFrame({"symbol": SYMBOLS, "provider": "stooq"})
    result = warehouse.replace_date_range(
        PRICES_DAILY,
        bars,
        date_column="date",
        start=date(2005, 1, 1),
        end=date(2026, 12, 31),
        scope=scope,
        stamp=stamp,
    )
    empty_actions = stooq.parse_daily_csv(
        "Date,Open,High,Low,Close,Volume\n", "SPY"
    ).actions.assign(payload_ref=None)
    warehouse.replace_date_range(
        CORPORATE_ACTIONS,
        empty_actions,
        date_column="ex_date",
        start=date(2005, 1, 1),
        end=date(2026, 12, 31),
        scope=scope,
        stamp=stamp,
    )
    assert result.inserted == len(bars)
    # WHEN dbt builds the price models and their tests
    run_dbt(
        warehouse.path, "build", "--select", "+fct_sector_rotation_daily +fct_style_spreads_daily"
    )
    return warehouse, frames


def test_returns_match_an_independent_computation(stooq_warehouse):
    warehouse, frames = stooq_warehouse
    # THEN XLE's 12-month return on 2022-12-30 equals close / close 252 sessions earlier - 1
    xle = frames["XLE"].set_index("date")["close"]
    position = xle.index.get_loc(pd.Timestamp("2022-12-30"))
    expected = xle.iloc[position] / xle.iloc[position - 252] - 1
    mart = warehouse.query_frame(
        "select return_12m, return_1m from marts.fct_sector_rotation_daily where symbol = 'XLE' and trade_date = date '2022-12-30'"
    )
    assert mart["return_12m"][0] == pytest.approx(expected, rel=1e-9)
    assert mart["return_1m"][0] == pytest.approx(
        xle.iloc[position] / xle.iloc[position - 21] - 1, rel=1e-9
    )


def test_energy_led_technology_at_the_end_of_2022(stooq_warehouse):
    warehouse, _ = stooq_warehouse
    rotation = warehouse.query_frame(
        """
        select symbol, return_12m, price_relative, rs_ratio, rank_1m
        from marts.fct_sector_rotation_daily
        where trade_date = date '2022-12-30'
        order by symbol
        """
    ).set_index("symbol")
    # Energy rose over 50% in 2022 while technology fell more than a fifth.
    assert rotation.loc["XLE", "return_12m"] > 0.5
    assert rotation.loc["XLK", "return_12m"] < -0.2
    assert set(rotation.index) == {"XLE", "XLF", "XLK"}
    relative_change = warehouse.query_frame(
        """
        with ends as (
            select symbol, trade_date, price_relative
            from marts.fct_sector_rotation_daily
            where trade_date in (date '2021-12-31', date '2022-12-30')
        )
        select symbol, max(price_relative) filter (where trade_date = date '2022-12-30')
            / max(price_relative) filter (where trade_date = date '2021-12-31') - 1 as relative_12m
        from ends group by symbol
        """
    ).set_index("symbol")["relative_12m"]
    assert relative_change["XLE"] > 0.6
    assert relative_change["XLK"] < -0.05
    assert relative_change["XLE"] - relative_change["XLK"] > 0.7


def test_quadrants_follow_the_rs_coordinates(stooq_warehouse):
    warehouse, _ = stooq_warehouse
    rows = warehouse.query_frame(
        "select rs_ratio, rs_momentum, rrg_quadrant from marts.fct_sector_rotation_daily where rs_momentum is not null"
    )
    assert len(rows) > 10_000
    expected = rows.apply(
        lambda r: (
            ("leading" if r.rs_momentum >= 100 else "weakening")
            if r.rs_ratio >= 100
            else ("improving" if r.rs_momentum >= 100 else "lagging")
        ),
        axis=1,
    )
    assert (expected == rows["rrg_quadrant"]).all()
    assert set(rows["rrg_quadrant"]) == {"leading", "weakening", "lagging", "improving"}


def test_equal_weight_spread_exists_from_real_rsp(stooq_warehouse):
    warehouse, frames = stooq_warehouse
    spread = warehouse.query_frame(
        "select ratio from marts.fct_style_spreads_daily where pair = 'equal_vs_cap_weight' and trade_date = date '2024-06-28'"
    )
    rsp = frames["RSP"].set_index("date")["close"][pd.Timestamp("2024-06-28")]
    spy = frames["SPY"].set_index("date")["close"][pd.Timestamp("2024-06-28")]
    assert spread["ratio"][0] == pytest.approx(rsp / spy, rel=1e-9)
