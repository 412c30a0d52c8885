"""Point-in-time FRED marts on real ALFRED vintages and hand-built series.

The real GDP vintage history (every ALFRED vintage) is loaded as FRED sent it; the
as-of mart must answer "GDP for 2024 Q2 as known on day D" with the value published that day.
Small hand-built series with known release dates and revisions check the monthly mart and the
daily regime against values computed here independently, from the raw vintage rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from orchestration.sources import fred
from orchestration.warehouse import FRED_OBSERVATIONS, Warehouse
from tests.integration.dbt_runner import run_dbt

FETCHED_AT = datetime(2024, 7, 1, 12, 0)
OPEN_END = date(9999, 12, 31)
SELECTION = "+fct_macro_observations_asof +fct_macro_monthly +fct_macro_regime_daily"


def as_date(value) -> date:
    return pd.Timestamp(value).date()


def fred_payload_rows(payload: dict, series_id: str, vintage_mode: str) -> pd.DataFrame:
    """A FRED observations payload through the production parser, as raw.fred_observations
    rows ("." kept raw, NULL value), with plain dates for the independent checks below."""
    frame = fred.parse_observations(payload, series_id).frame
    for column in ("date", "realtime_start", "realtime_end"):
        frame[column] = frame[column].dt.date
    return frame.assign(vintage_mode=vintage_mode)[
        [
            "series_id",
            "date",
            "realtime_start",
            "realtime_end",
            "value",
            "raw_value",
            "vintage_mode",
        ]
    ]


def vintage(series_id: str, day: date, published: date, value: float, until: date = OPEN_END):
    return {
        "series_id": series_id,
        "date": day,
        "realtime_start": published,
        "realtime_end": until,
        "value": value,
        "raw_value": repr(value),
        "vintage_mode": "all_vintages",
    }


def month(year: int, month_number: int) -> date:
    return date(year, month_number, 1)


def months(first: date, count: int) -> list[date]:
    return [d.date() for d in pd.date_range(first, periods=count, freq="MS")]


def business_days(first: str, last: str) -> list[date]:
    return [d.date() for d in pd.bdate_range(first, last)]


def hand_built_rows() -> pd.DataFrame:
    rows = []
    # UNRATE: month M first published on the 5th of M+1; March 2024 revised 4.3 -> 4.5 on
    # 2024-05-03, the day April is first published.
    unemployment = [3.5, 3.5, 3.6, 3.5, 3.6, 3.6, 3.7, 3.8, 3.8, 3.9, 3.9, 4.0, 4.1, 4.2, 4.3, 4.4]
    for observed, value in zip(months(month(2023, 1), 16), unemployment, strict=True):
        published = (pd.Timestamp(observed) + pd.DateOffset(months=1, days=4)).date()
        if observed == month(2024, 3):
            rows.append(vintage("UNRATE", observed, published, value, date(2024, 5, 2)))
            rows.append(vintage("UNRATE", observed, date(2024, 5, 3), 4.5))
        else:
            rows.append(vintage("UNRATE", observed, published, value))
    # CPIAUCSL: published on the 12th of M+1; Feb 2023 revised 300 -> 301 on 2024-03-20.
    for index, observed in enumerate(months(month(2023, 1), 15)):
        published = (pd.Timestamp(observed) + pd.DateOffset(months=1, days=11)).date()
        value = 300.0 + index * 0.75
        if observed == month(2023, 2):
            rows.append(vintage("CPIAUCSL", observed, published, 300.0, date(2024, 3, 19)))
            rows.append(vintage("CPIAUCSL", observed, date(2024, 3, 20), 301.0))
        else:
            rows.append(vintage("CPIAUCSL", observed, published, value))
    # PAYEMS: month M published on the 6th of M+1.
    for index, observed in enumerate(months(month(2023, 1), 15)):
        published = (pd.Timestamp(observed) + pd.DateOffset(months=1, days=5)).date()
        rows.append(vintage("PAYEMS", observed, published, 155000.0 + 180.0 * index + index**2))
    days = business_days("2023-01-02", "2024-06-28")
    # Fed funds target range: cut from 5.25-5.50 to 5.00-5.25 effective 2024-03-20; every
    # daily observation published the next day.
    for day in days:
        upper = 5.5 if day < date(2024, 3, 20) else 5.25
        rows.append(vintage("DFEDTARU", day, day + timedelta(days=1), upper))
        rows.append(vintage("DFEDTARL", day, day + timedelta(days=1), upper - 0.25))
    # DFF: published next day; 2024-02-15 revised the day after its release.
    for index, day in enumerate(days):
        value = 5.33 - 0.001 * (index % 7)
        if day == date(2024, 2, 15):
            rows.append(vintage("DFF", day, day + timedelta(days=1), 9.99, day + timedelta(days=1)))
            rows.append(vintage("DFF", day, day + timedelta(days=2), value))
        else:
            rows.append(vintage("DFF", day, day + timedelta(days=1), value))
    # T10Y2Y and the HY spread: published next day; one curve revision.
    for index, day in enumerate(days):
        curve = -0.9 + 0.004 * index
        if day == date(2024, 5, 1):
            rows.append(vintage("T10Y2Y", day, day + timedelta(days=1), -0.30, date(2024, 5, 5)))
            rows.append(vintage("T10Y2Y", day, date(2024, 5, 6), -0.35))
        else:
            rows.append(vintage("T10Y2Y", day, day + timedelta(days=1), curve))
        hy = round(3.5 + 0.8 * np.sin(index / 25.0) + 0.002 * index, 4)
        rows.append(vintage("BAMLH0A0HYM2", day, day + timedelta(days=1), hy))
    # ICSA weekly (week ending Saturday) and WALCL weekly (Wednesday), published 5 days later.
    for index, day in enumerate(pd.date_range("2023-10-07", "2024-03-30", freq="W-SAT").date):
        rows.append(vintage("ICSA", day, day + timedelta(days=5), 200000.0 + 1000.0 * index))
    for index, day in enumerate(pd.date_range("2023-10-04", "2024-03-27", freq="W-WED").date):
        rows.append(vintage("WALCL", day, day + timedelta(days=2), 7.5e6 - 10000.0 * index))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def macro_warehouse(tmp_path_factory, fixtures_dir):
    # GIVEN the real GDP vintage history, a real latest-mode download and hand-built series
    root = tmp_path_factory.mktemp("macro")
    warehouse = Warehouse(root / "market.duckdb")
    fred_dir = fixtures_dir / "fred"
    gdp = fred_payload_rows(
        json.loads((fred_dir / "series_observations_GDP_alfred_all_vintages.json").read_text()),
        "GDP",
        "all_vintages",
    )
    core_cpi = fred_payload_rows(
        json.loads((fred_dir / "series_observations_CPILFESL.json").read_text()),
        "CPILFESL",
        "latest",
    )
    hand_built = hand_built_rows()
    raw = pd.concat([gdp, core_cpi, hand_built], ignore_index=True).assign(
        fetched_at=FETCHED_AT,
        _source="fred",
        _source_mode="live",
        _run_id="macro-asof-test",
        _loaded_at=FETCHED_AT,
        _payload_ref="fixtures/fred",
    )
    with warehouse.connect() as connection:
        warehouse.ensure_raw_tables(connection)
        connection.register("incoming", raw)
        connection.execute(
            f"insert into {FRED_OBSERVATIONS.qualified} by name select * from incoming"
        )
    # WHEN dbt builds the macro marts and their tests
    run_dbt(warehouse.path, "build", "--select", SELECTION)
    return warehouse, gdp, hand_built


def gdp_q2_as_of(warehouse: Warehouse, day: str) -> pd.DataFrame:
    return warehouse.query_frame(
        """
        select value, vintage_number
        from marts.fct_macro_observations_asof
        where series_id = 'GDP' and observation_date = date '2024-04-01'
          and cast(? as date) between valid_from and valid_to
        """,
        [day],
    )


@pytest.mark.parametrize(
    ("day", "expected", "vintage_number"),
    [
        ("2024-07-25", 28629.153, 1),  # advance estimate, release day
        ("2024-08-01", 28629.153, 1),
        ("2024-08-28", 28629.153, 1),  # last day of the advance estimate
        ("2024-09-01", 28652.337, 2),  # second estimate (2024-08-29)
        ("2024-10-01", 29016.714, 3),  # third estimate with the annual update (2024-09-26)
    ],
)
def test_gdp_as_known_on_a_day_is_the_vintage_published_then(
    macro_warehouse, day, expected, vintage_number
):
    warehouse, _, _ = macro_warehouse
    # THEN exactly one row answers, with the value FRED published that day
    rows = gdp_q2_as_of(warehouse, day)
    assert len(rows) == 1
    assert rows["value"][0] == pytest.approx(expected, abs=1e-9)
    assert rows["vintage_number"][0] == vintage_number


def test_gdp_before_its_first_release_is_unknown(macro_warehouse):
    warehouse, _, _ = macro_warehouse
    assert gdp_q2_as_of(warehouse, "2024-07-24").empty


def test_gdp_first_release_latest_value_and_revision(macro_warehouse):
    warehouse, _, _ = macro_warehouse
    vintages = warehouse.query_frame(
        """
        select * from marts.fct_macro_observations_asof
        where series_id = 'GDP' and observation_date = date '2024-04-01'
        order by vintage_number
        """
    )
    assert list(vintages["vintage_number"]) == [1, 2, 3]
    assert set(vintages["vintage_count"]) == {3}
    assert list(vintages["is_first_release"]) == [True, False, False]
    assert list(vintages["is_current"]) == [False, False, True]
    assert [as_date(d) for d in vintages["valid_from"]] == [
        date(2024, 7, 25),
        date(2024, 8, 29),
        date(2024, 9, 26),
    ]
    assert [as_date(d) for d in vintages["valid_to"]] == [
        date(2024, 8, 28),
        date(2024, 9, 25),
        OPEN_END,
    ]
    first = vintages.iloc[0]
    assert first["first_release_value"] == pytest.approx(28629.153)
    assert as_date(first["first_release_date"]) == date(2024, 7, 25)
    assert first["latest_value"] == pytest.approx(29016.714)
    assert first["revision_from_first"] == pytest.approx(29016.714 - 28629.153)  # +387.561
    assert vintages["revision_from_previous"].iloc[1] == pytest.approx(28652.337 - 28629.153)
    assert set(vintages["concept"]) == {"gdp_nominal"}


def test_every_real_gdp_vintage_row_is_kept_with_dots_as_null(macro_warehouse):
    warehouse, gdp, _ = macro_warehouse
    counts = warehouse.query_frame(
        """
        select count(*) as vintages, count(value) as valued,
               count(*) filter (where raw_value = '.') as dots
        from marts.fct_macro_observations_asof where series_id = 'GDP'
        """
    )
    # ALFRED already merges identical consecutive vintages, so nothing merges here.
    assert counts["vintages"][0] == len(gdp) == 3199
    assert counts["dots"][0] == int((gdp["raw_value"] == ".").sum()) > 0
    assert counts["valued"][0] == int(gdp["value"].notna().sum())
    # 1946 Q1 was published, dropped ("."), restored and dropped again: first release 199.7,
    # latest value NULL (no longer in the series).
    q1_1946 = warehouse.query_frame(
        """
        select distinct first_release_value, latest_value, vintage_count
        from marts.fct_macro_observations_asof
        where series_id = 'GDP' and observation_date = date '1946-01-01'
        """
    )
    assert q1_1946["first_release_value"][0] == pytest.approx(199.7)
    assert pd.isna(q1_1946["latest_value"][0])
    assert q1_1946["vintage_count"][0] == 4


def test_latest_mode_snapshot_is_known_from_its_fetch_date_on(macro_warehouse):
    warehouse, _, _ = macro_warehouse
    rows = warehouse.query_frame(
        """
        select observation_date, value, valid_from, valid_to, is_latest_mode_snapshot
        from marts.fct_macro_observations_asof
        where series_id = 'CPILFESL' and observation_date = date '1957-01-01'
        """
    )
    assert len(rows) == 1
    assert rows["value"][0] == pytest.approx(28.5)
    assert as_date(rows["valid_from"][0]) == date(2025, 1, 15)
    assert as_date(rows["valid_to"][0]) == OPEN_END
    assert bool(rows["is_latest_mode_snapshot"][0])


def test_gdp_timeline_holds_the_newest_quarter_as_known(macro_warehouse):
    warehouse, _, _ = macro_warehouse
    known = warehouse.query_frame(
        """
        select cast(day as date) as day, timeline.latest_observation_date, timeline.value
        from (values (date '2024-07-24'), (date '2024-08-01'), (date '2024-10-01')) as days (day)
        asof left join intermediate.int_fred__asof_timeline as timeline
            on timeline.series_id = 'GDP' and days.day >= timeline.known_from
        order by day
        """
    )
    # The day before the Q2 advance estimate the newest quarter known was Q1.
    assert [as_date(d) for d in known["latest_observation_date"]] == [
        date(2024, 1, 1),
        date(2024, 4, 1),
        date(2024, 4, 1),
    ]
    assert list(known["value"][1:]) == pytest.approx([28629.153, 29016.714])


# ---------------------------------------------------------------- independent computations


def known_on(raw: pd.DataFrame, series_id: str, day: date) -> pd.Series:
    """Observation date -> value of the vintages covering ``day`` (non-NULL only)."""
    rows = raw[
        (raw["series_id"] == series_id)
        & (raw["realtime_start"] <= day)
        & (raw["realtime_end"] >= day)
        & raw["value"].notna()
    ]
    return rows.set_index("date")["value"].sort_index()


def latest(raw: pd.DataFrame, series_id: str) -> pd.Series:
    """Observation date -> value of its newest vintage."""
    rows = raw[raw["series_id"] == series_id].sort_values(["date", "realtime_start"])
    return rows.drop_duplicates("date", keep="last").set_index("date")["value"]


def sahm(unemployment: pd.Series) -> float | None:
    """3-month average of the last month minus the minimum of the 12 previous 3-month averages
    (None unless the 15 months they need are all there)."""
    last_15 = unemployment.iloc[-15:]
    if len(last_15) < 15:
        return None
    assert (pd.Timestamp(last_15.index[-1]) - pd.Timestamp(last_15.index[0])).days < 14 * 31
    averages = last_15.rolling(3).mean()
    return averages.iloc[-1] - averages.iloc[-13:-1].min()


def regime_row(warehouse: Warehouse, day: date) -> pd.Series:
    frame = warehouse.query_frame(
        "select * from marts.fct_macro_regime_daily where trade_date = ?", [day]
    )
    assert len(frame) == 1, f"no regime row on {day}"
    return frame.iloc[0]


REGIME_DAYS = [
    date(2024, 3, 15),
    date(2024, 3, 20),
    date(2024, 3, 21),
    date(2024, 4, 10),
    date(2024, 5, 2),
    date(2024, 5, 3),
    date(2024, 5, 6),
    date(2024, 6, 28),
]


@pytest.mark.parametrize("day", REGIME_DAYS)
def test_regime_matches_what_was_known_that_day(macro_warehouse, day):
    warehouse, _, raw = macro_warehouse
    row = regime_row(warehouse, day)
    assert row["calendar_source"] == "weekdays"  # no prices loaded in this warehouse

    target = known_on(raw, "DFEDTARU", day)
    assert row["fed_funds_target_upper"] == pytest.approx(target.iloc[-1])
    assert as_date(row["target_observation_date"]) == target.index[-1]
    six_months_ago = known_on(raw, "DFEDTARU", day - timedelta(days=182))
    change = target.iloc[-1] - six_months_ago.iloc[-1]
    assert row["target_upper_change_6m"] == pytest.approx(change)
    assert row["policy_cycle"] == ("easing" if change < -0.1 else "on_hold")

    curve = known_on(raw, "T10Y2Y", day)
    curve_3m_ago = known_on(raw, "T10Y2Y", day - timedelta(days=91))
    assert row["curve_10y_2y"] == pytest.approx(curve.iloc[-1])
    assert as_date(row["curve_observation_date"]) == curve.index[-1]
    curve_change = curve.iloc[-1] - curve_3m_ago.iloc[-1]
    assert row["curve_change_3m"] == pytest.approx(curve_change)
    expected_state = (
        "inverted"
        if curve.iloc[-1] < 0
        else "steepening"
        if curve_change >= 0.25
        else "flattening"
        if curve_change <= -0.25
        else "normal"
    )
    assert row["curve_state"] == expected_state

    hy = known_on(raw, "BAMLH0A0HYM2", day)
    window = hy[hy.index > hy.index[-1] - timedelta(days=365)]
    assert len(window) >= 200
    p80 = float(np.percentile(window.to_numpy(), 80))  # linear interpolation = quantile_cont
    assert row["hy_spread"] == pytest.approx(hy.iloc[-1])
    assert row["hy_spread_p80_1y"] == pytest.approx(p80)
    assert bool(row["credit_stress"]) == bool(hy.iloc[-1] > 5.0 or hy.iloc[-1] > p80)

    unemployment = known_on(raw, "UNRATE", day)
    assert row["unemployment_rate"] == pytest.approx(unemployment.iloc[-1])
    assert as_date(row["unemployment_observation_date"]) == unemployment.index[-1]
    expected_sahm = sahm(unemployment)
    if expected_sahm is None:  # fewer than 15 months published yet
        assert pd.isna(row["sahm_indicator"]) and pd.isna(row["sahm_triggered"])
    else:
        assert row["sahm_indicator"] == pytest.approx(expected_sahm)
        assert bool(row["sahm_triggered"]) == bool(expected_sahm >= 0.5)

    cpi = known_on(raw, "CPIAUCSL", day)
    newest = cpi.index[-1]
    year_ago = (pd.Timestamp(newest) - pd.DateOffset(years=1)).date()
    assert as_date(row["cpi_observation_date"]) == newest
    assert row["cpi_yoy_pct"] == pytest.approx((cpi.iloc[-1] / cpi[year_ago] - 1) * 100)


def test_regime_never_sees_a_value_before_its_publication(macro_warehouse):
    warehouse, _, _ = macro_warehouse
    # The cut effective 2024-03-20 is published 2024-03-21: on the 20th the target is 5.5.
    assert regime_row(warehouse, date(2024, 3, 20))["fed_funds_target_upper"] == 5.5
    assert regime_row(warehouse, date(2024, 3, 21))["fed_funds_target_upper"] == 5.25
    # CPI: Feb 2024 (309.75) against Feb 2023 as known - 300 until its revision to 301 on
    # 2024-03-20.
    assert regime_row(warehouse, date(2024, 3, 15))["cpi_yoy_pct"] == pytest.approx(3.25)
    assert regime_row(warehouse, date(2024, 3, 21))["cpi_yoy_pct"] == pytest.approx(
        (309.75 / 301.0 - 1) * 100
    )
    # March unemployment first printed 4.3 (known 2024-04-10), revised to 4.5 on 2024-05-03.
    april = regime_row(warehouse, date(2024, 4, 10))
    assert april["unemployment_rate"] == pytest.approx(4.3)
    assert april["unemployment_3m_avg"] == pytest.approx((4.1 + 4.2 + 4.3) / 3)
    # Prior 12 three-month averages (Jan 2023..Feb 2024 months) bottom at 3.5333 (Jan-Mar
    # or Feb-Apr 2023): 4.2 - 3.5333 = 0.6667 -> triggered.
    assert april["sahm_indicator"] == pytest.approx(4.2 - (3.5 + 3.5 + 3.6) / 3)
    assert bool(april["sahm_triggered"])
    may = regime_row(warehouse, date(2024, 5, 6))
    assert as_date(may["unemployment_observation_date"]) == date(2024, 4, 1)
    assert may["unemployment_3m_avg"] == pytest.approx((4.2 + 4.5 + 4.4) / 3)
    # The curve for 2024-05-01 printed -0.30, revised to -0.35 on 2024-05-06.
    assert regime_row(warehouse, date(2024, 5, 2))["curve_10y_2y"] == pytest.approx(-0.30)
    assert as_date(regime_row(warehouse, date(2024, 5, 2))["curve_observation_date"]) == date(
        2024, 5, 1
    )


def test_regime_policy_cycle_turns_to_easing_after_the_cut(macro_warehouse):
    warehouse, _, _ = macro_warehouse
    cycles = warehouse.query_frame(
        """
        select policy_cycle, min(trade_date) as first_day, max(trade_date) as last_day
        from marts.fct_macro_regime_daily where policy_cycle is not null
        group by policy_cycle
        """
    ).set_index("policy_cycle")
    assert set(cycles.index) == {"on_hold", "easing"}
    assert as_date(cycles.loc["easing", "first_day"]) == date(2024, 3, 21)
    # The first target is known on 2023-01-03; 182 days later is the first day with a
    # 6-month change.
    assert as_date(cycles.loc["on_hold", "first_day"]) == date(2023, 7, 4)


def monthly_row(warehouse: Warehouse, month_start: date) -> pd.Series:
    frame = warehouse.query_frame(
        "select * from marts.fct_macro_monthly where month_start = ?", [month_start]
    )
    assert len(frame) == 1
    return frame.iloc[0]


def test_monthly_mart_uses_latest_values_and_the_seed_aggregation(macro_warehouse):
    warehouse, _, raw = macro_warehouse
    february = monthly_row(warehouse, date(2024, 2, 1))

    dff = latest(raw, "DFF")
    february_dff = dff[(dff.index >= date(2024, 2, 1)) & (dff.index < date(2024, 3, 1))]
    assert 9.99 not in february_dff.to_numpy()  # the revised first print is gone
    assert february["fed_funds_effective"] == pytest.approx(february_dff.mean())
    assert february["fed_funds_effective_source"] == "DFF"
    assert february["fed_funds_target_upper"] == 5.5  # last observation of February
    assert february["fed_funds_target_lower"] == 5.25

    curve = latest(raw, "T10Y2Y")
    february_curve = curve[(curve.index >= date(2024, 2, 1)) & (curve.index < date(2024, 3, 1))]
    assert february["curve_10y_2y"] == pytest.approx(february_curve.mean())

    cpi = latest(raw, "CPIAUCSL")
    cpi_yoy = (cpi[date(2024, 2, 1)] / cpi[date(2023, 2, 1)] - 1) * 100  # 303 / 301 (revised)
    assert february["cpi_yoy_pct"] == pytest.approx(cpi_yoy)
    assert february["real_fed_funds"] == pytest.approx(february_dff.mean() - cpi_yoy)

    unemployment = latest(raw, "UNRATE")
    march = monthly_row(warehouse, date(2024, 3, 1))
    assert march["unemployment_rate"] == pytest.approx(4.5)  # revised value
    assert march["sahm_indicator"] == pytest.approx(sahm(unemployment.loc[: date(2024, 3, 1)]))
    assert bool(march["sahm_triggered"])

    payrolls = latest(raw, "PAYEMS")
    assert march["payrolls_change"] == pytest.approx(
        payrolls[date(2024, 3, 1)] - payrolls[date(2024, 2, 1)]
    )

    # Initial claims: the 4 latest weeks ending on or before the month's last day.
    claims = latest(raw, "ICSA")
    january = monthly_row(warehouse, date(2024, 1, 1))
    for row, month_end in ((january, date(2024, 1, 31)), (february, date(2024, 2, 29))):
        last_4 = claims[claims.index <= month_end].iloc[-4:]
        assert row["initial_claims_4wk_avg"] == pytest.approx(last_4.mean())
    january_only = claims[(claims.index >= date(2024, 1, 1)) & (claims.index <= date(2024, 1, 31))]
    assert january["initial_claims_mean"] == pytest.approx(january_only.mean())

    walcl = latest(raw, "WALCL")
    month_end = {
        m: walcl[walcl.index <= m].iloc[-1] for m in (date(2024, 1, 31), date(2024, 2, 29))
    }
    assert february["fed_balance_sheet"] == pytest.approx(month_end[date(2024, 2, 29)])
    assert february["fed_balance_sheet_change"] == pytest.approx(
        month_end[date(2024, 2, 29)] - month_end[date(2024, 1, 31)]
    )
