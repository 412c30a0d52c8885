"""The analyst guide's example queries run on the demo's published database and answer with
figures that match an independent computation (from raw data or from another mart)."""

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.publish import read_only_connection

QUERIES_DIR = Path(__file__).resolve().parents[2] / "docs" / "analyst_queries"

EXPECTED_COLUMNS = {
    "01_sectors_entering_leading_quadrant.sql": [
        "sector",
        "symbol",
        "last_entered_leading_on",
        "entered_from",
        "times_entered",
        "quadrant_today",
        "rs_ratio_today",
        "rs_momentum_today",
    ],
    "02_sp500_highs_on_weak_breadth.sql": [
        "trade_date",
        "sp500_close",
        "members_above_200d",
        "members_with_200d_history",
        "pct_above_200d",
        "pct_above_50d",
        "fewer_than_half_above_200d",
        "is_low_coverage",
    ],
    "03_hyperscaler_capex_growth_this_quarter.sql": [
        "period_label",
        "ticker",
        "capex_bn",
        "capex_prior_year_bn",
        "yoy_growth",
        "share_of_total",
    ],
    "04_small_vs_large_earnings_spread.sql": [
        "as_of_date",
        "calendar_year",
        "sp500_eps_growth",
        "r2000_eps_growth",
        "small_minus_large",
        "change_since_previous_snapshot",
        "sp500_growth_source",
        "r2000_growth_source",
    ],
    "05_is_the_rally_broadening.sql": [
        "month_start",
        "universe",
        "sessions",
        "avg_pct_above_50d",
        "avg_pct_above_200d",
        "month_end_pct_above_200d",
        "avg_pct_above_200d_change_3m",
        "net_new_highs",
        "net_advances",
    ],
    "06_equal_vs_cap_weight.sql": [
        "trade_date",
        "rsp_to_spy_ratio",
        "spread_1m",
        "spread_3m",
        "ratio_zscore_1y",
        "sp500_top10_weight_pct",
    ],
    "07_russell_2000_breakouts.sql": [
        "trade_date",
        "rut_close",
        "previous_high_date",
        "sessions_since_previous_high",
        "deepest_drawdown",
    ],
    "08_macro_regime_as_of.sql": [
        "known_on",
        "policy_cycle",
        "fed_funds_target_upper",
        "curve_state",
        "curve_10y_2y",
        "credit_stress",
        "hy_spread",
        "unemployment_rate",
        "unemployment_observation_date",
        "unemployment_rate_latest",
        "sahm_triggered",
        "cpi_yoy_pct",
        "cpi_observation_date",
        "stale_inputs",
    ],
    "09_capex_to_revenue.sql": [
        "ticker",
        "fiscal_year",
        "fiscal_quarter",
        "period_end",
        "capex_bn",
        "revenue_bn",
        "capex_to_revenue",
        "capex_to_revenue_ttm",
        "capex_to_operating_cash_flow_ttm",
        "free_cash_flow_bn",
    ],
    "10_top10_concentration.sql": [
        "trade_date",
        "weight_source",
        "top10_weight_pct",
        "herfindahl_index",
        "effective_constituents",
        "equal_over_cap_weight",
        "top10_weight_change_12m",
    ],
}


def run_query(analytics: Path, name: str) -> pd.DataFrame:
    with read_only_connection(analytics) as connection:
        return connection.execute((QUERIES_DIR / name).read_text(encoding="utf-8")).df()


def published(analytics: Path, sql: str) -> pd.DataFrame:
    with read_only_connection(analytics) as connection:
        return connection.execute(sql).df()


def working(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).df()


def raw_closes(warehouse: Path, symbol: str) -> pd.Series:
    """One symbol's closes as the provider sent them (the sample has one provider each);
    Stooq's close is already adjusted."""
    frame = working(
        warehouse,
        "select date, coalesce(adj_close, close) as close from raw.prices_daily "
        f"where symbol = '{symbol}' order by date",
    )
    assert frame["date"].is_unique
    return frame.set_index("date")["close"]


def test_every_query_is_documented_and_tested():
    files = sorted(path.name for path in QUERIES_DIR.glob("*.sql"))
    assert files == sorted(EXPECTED_COLUMNS)
    for name in files:
        first_line = (QUERIES_DIR / name).read_text(encoding="utf-8").splitlines()[0]
        assert first_line.startswith("-- Question: "), name


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_query_returns_rows_with_the_documented_columns(demo_build, name):
    result = run_query(demo_build["analytics"], name)
    assert list(result.columns) == EXPECTED_COLUMNS[name]
    assert len(result) > 0


def test_sector_entries_into_leading_are_real_transitions(demo_build):
    result = run_query(demo_build["analytics"], "01_sectors_entering_leading_quadrant.sql")
    rotation = published(
        demo_build["analytics"],
        "select trade_date, symbol, rrg_quadrant from marts.fct_sector_rotation_daily",
    )
    quadrants = rotation.pivot(index="trade_date", columns="symbol", values="rrg_quadrant")
    sessions = list(quadrants.index)
    for row in result.itertuples():
        entered = pd.Timestamp(row.last_entered_leading_on)
        position = sessions.index(entered)
        assert position >= len(sessions) - 21
        assert quadrants.at[entered, row.symbol] == "leading"
        assert quadrants.at[sessions[position - 1], row.symbol] == row.entered_from != "leading"
        assert quadrants.at[sessions[-1], row.symbol] == row.quadrant_today


def test_sp500_high_days_match_the_raw_index_closes(demo_build):
    result = run_query(demo_build["analytics"], "02_sp500_highs_on_weak_breadth.sql")
    closes = raw_closes(demo_build["warehouse"], "^GSPC")
    highs = closes[closes >= closes.cummax()]
    judged = published(
        demo_build["analytics"],
        "select trade_date, pct_above_200d from marts.fct_market_breadth_daily "
        "where universe = 'sp500' and pct_above_200d is not null",
    ).set_index("trade_date")["pct_above_200d"]
    expected = sorted(set(highs.index) & set(judged.index))
    assert sorted(pd.to_datetime(result["trade_date"])) == [pd.Timestamp(d) for d in expected]
    weak = [d for d in expected if judged[pd.Timestamp(d)] < 50]
    assert int(result["fewer_than_half_above_200d"].sum()) == len(weak)
    # Narrowest first.
    assert result["pct_above_200d"].is_monotonic_increasing


def test_hyperscaler_capex_growth_matches_the_company_quarters(demo_build):
    result = run_query(demo_build["analytics"], "03_hyperscaler_capex_growth_this_quarter.sql")
    quarters = published(
        demo_build["analytics"],
        "select ticker, calendar_year, calendar_quarter, capex_usd "
        "from marts.fct_capex_quarterly where ticker in ('MSFT', 'AMZN', 'GOOGL', 'META')",
    )
    totals = quarters.groupby(["calendar_year", "calendar_quarter"]).agg(
        capex=("capex_usd", "sum"), reporting=("capex_usd", "count")
    )
    complete = totals[totals["reporting"] == 4]
    year, quarter = complete.index.max()
    this_quarter = complete.loc[(year, quarter), "capex"]
    last_year = totals.loc[(year - 1, quarter), "capex"]
    total = result.set_index("ticker").loc["total"]
    assert total["period_label"] == f"{year}Q{quarter}"
    assert total["capex_bn"] == pytest.approx(this_quarter / 1e9, abs=1e-3)
    assert total["capex_prior_year_bn"] == pytest.approx(last_year / 1e9, abs=1e-3)
    assert total["yoy_growth"] == pytest.approx(this_quarter / last_year - 1, abs=1e-4)
    companies = result[result["ticker"] != "total"]
    assert set(companies["ticker"]) == {"MSFT", "AMZN", "GOOGL", "META"}
    assert companies["capex_bn"].sum() == pytest.approx(total["capex_bn"], abs=5e-3)


def test_small_vs_large_spread_is_r2000_minus_sp500(demo_build):
    result = run_query(demo_build["analytics"], "04_small_vs_large_earnings_spread.sql")
    difference = result["r2000_eps_growth"] - result["sp500_eps_growth"]
    assert (difference - result["small_minus_large"]).abs().max() < 2e-4
    # Each side agrees with the index estimate of the snapshot it names.
    index_rows = published(
        demo_build["analytics"],
        "select as_of_date, entity_id, fiscal_year, source, eps_growth "
        "from marts.fct_earnings_growth_expectations "
        "where entity_type = 'index' and fiscal_period like 'CY%'",
    )
    first = result.sort_values("as_of_date").iloc[0]
    assert first["r2000_growth_source"].startswith("vendor:")
    expected = index_rows[
        (index_rows["as_of_date"] == first["as_of_date"])
        & (index_rows["entity_id"] == "R2000")
        & (index_rows["fiscal_year"] == first["calendar_year"])
        & (index_rows["source"] == first["r2000_growth_source"].removeprefix("vendor:"))
    ]["eps_growth"]
    assert first["r2000_eps_growth"] == pytest.approx(expected.item(), abs=1e-4)


def test_equal_vs_cap_weight_ratio_matches_raw_rsp_and_spy(demo_build):
    result = run_query(demo_build["analytics"], "06_equal_vs_cap_weight.sql")
    rsp = raw_closes(demo_build["warehouse"], "RSP")
    spy = raw_closes(demo_build["warehouse"], "SPY")
    for row in result.itertuples():
        day = pd.Timestamp(row.trade_date)
        assert row.rsp_to_spy_ratio == pytest.approx(rsp[day] / spy[day], abs=1e-4)
    # Month ends: the last session of each month in the result.
    days = pd.to_datetime(result["trade_date"])
    assert days.dt.to_period("M").is_unique


def test_russell_breakouts_match_the_raw_index_closes(demo_build):
    result = run_query(demo_build["analytics"], "07_russell_2000_breakouts.sql")
    closes = raw_closes(demo_build["warehouse"], "^RUT")
    sessions = list(closes.index)
    high_positions = [i for i, at_high in enumerate(closes >= closes.cummax()) if at_high]
    breakouts = [
        (sessions[current], sessions[previous], current - previous)
        for previous, current in zip(high_positions, high_positions[1:], strict=False)
        if current - previous >= 21
    ]
    assert [
        (
            pd.Timestamp(r.trade_date),
            pd.Timestamp(r.previous_high_date),
            r.sessions_since_previous_high,
        )
        for r in result.itertuples()
    ] == [(pd.Timestamp(a), pd.Timestamp(b), n) for a, b, n in breakouts]
    for row in result.itertuples():
        base = closes[
            (closes.index > pd.Timestamp(row.previous_high_date))
            & (closes.index < pd.Timestamp(row.trade_date))
        ]
        deepest = (base / closes.cummax()[base.index] - 1).min()
        assert row.deepest_drawdown == pytest.approx(deepest, abs=1e-4)


def test_macro_regime_uses_the_unemployment_rate_known_that_day(demo_build):
    result = run_query(demo_build["analytics"], "08_macro_regime_as_of.sql")
    vintages = published(
        demo_build["analytics"],
        "select observation_date, valid_from, valid_to, value "
        "from marts.fct_macro_observations_asof where series_id = 'UNRATE' and value is not null",
    )
    for row in result.itertuples():
        day = pd.Timestamp(row.known_on)
        known = vintages[(vintages["valid_from"] <= day) & (vintages["valid_to"] >= day)]
        newest = known.sort_values("observation_date").iloc[-1]
        assert pd.Timestamp(row.unemployment_observation_date) == newest["observation_date"]
        assert row.unemployment_rate == pytest.approx(newest["value"])


def test_capex_to_revenue_ttm_matches_rolling_sums(demo_build):
    result = run_query(demo_build["analytics"], "09_capex_to_revenue.sql")
    quarters = published(
        demo_build["analytics"],
        "select ticker, period_end, capex_usd, revenue_usd from marts.fct_capex_quarterly "
        "where ticker in ('MSFT', 'AMZN', 'GOOGL', 'META') order by ticker, period_end",
    )
    checked = 0
    for ticker, company in quarters.groupby("ticker"):
        rolling = company.set_index("period_end")[["capex_usd", "revenue_usd"]].rolling(4).sum()
        latest = result[result["ticker"] == ticker].iloc[-1]
        ttm = rolling.loc[pd.Timestamp(latest["period_end"])]
        assert latest["capex_to_revenue_ttm"] == pytest.approx(
            ttm["capex_usd"] / ttm["revenue_usd"], abs=1e-4
        )
        assert (result["ticker"] == ticker).sum() == 8
        checked += 1
    assert checked == 4
