"""Breadth marts on a small real universe, checked against an independent pandas computation.

The six recorded Stooq files (2005 to mid 2026) are parsed by the production parser and loaded
by the warehouse loader. A synthetic 'SP500' index has five of them as members (QQQ, XLK, XLF,
XLE and, from 2015-06-01, RSP); XLF leaves on 2020-03-16 (its end_date, the first day it is no
longer a member) although it keeps trading. SPY is loaded for the session calendar only. The
marts must match breadth recomputed here from the parsed frames with pandas, and follow the
survivorship rule on the addition and removal dates.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from orchestration.sources.prices import stooq
from orchestration.warehouse import INDEX_MEMBERSHIP, PRICES_DAILY, LoadStamp, Warehouse
from tests.integration.dbt_runner import run_dbt

SYMBOLS = ["SPY", "QQQ", "RSP", "XLK", "XLF", "XLE"]
ADDED_ON = date(2015, 6, 1)  # RSP joins: counts from this session on
REMOVED_ON = date(2020, 3, 16)  # XLF's end_date: no longer counted from this session on
MEMBERSHIP = pd.DataFrame(
    [
        ("QQQ", date(2005, 1, 3), None, "Information Technology"),
        ("XLK", date(2005, 1, 3), None, "Information Technology"),
        ("XLF", date(2005, 1, 3), REMOVED_ON, "Financials"),
        ("XLE", date(2005, 1, 3), None, "Energy"),
        ("RSP", ADDED_ON, None, "Industrials"),
    ],
    columns=["symbol", "start_date", "end_date", "gics_sector"],
)
NAMED_DATES = [
    "2008-10-10",
    "2015-05-29",
    "2015-06-01",
    "2020-03-13",
    "2020-03-16",
    "2022-12-30",
    "2026-07-02",
]


@pytest.fixture(scope="module")
def breadth_warehouse(tmp_path_factory, fixtures_dir):
    # GIVEN the real Stooq files parsed and loaded, and hand-written membership spells
    root = tmp_path_factory.mktemp("breadth")
    warehouse = Warehouse(root / "market.duckdb")
    frames = {}
    for symbol in SYMBOLS:
        body = gzip.decompress(
            (fixtures_dir / "prices" / "stooq" / f"{symbol.lower()}.us.txt.gz").read_bytes()
        )
        frames[symbol] = stooq.parse_daily_csv(body, symbol).bars.assign(
            payload_ref=f"fixtures/{symbol}"
        )
    stamp = LoadStamp(
        source="breadth-test", source_mode="live", run_id="breadth", loaded_at=datetime.now(UTC)
    )
    warehouse.replace_date_range(
        PRICES_DAILY,
        pd.concat(frames.values(), ignore_index=True),
        date_column="date",
        start=date(1990, 1, 1),
        end=date(2026, 12, 31),
        scope=pd.DataFrame({"symbol": SYMBOLS, "provider": "stooq"}),
        stamp=stamp,
    )
    membership = MEMBERSHIP.assign(
        index_id="SP500",
        security_name=MEMBERSHIP["symbol"],
        gics_sub_industry=None,
        cik=None,
        source="test",
        payload_ref="hand-written",
    )
    warehouse.replace_rows(
        INDEX_MEMBERSHIP, membership, scope=pd.DataFrame({"index_id": ["SP500"]}), stamp=stamp
    )
    # WHEN dbt builds the breadth marts with their tests
    run_dbt(
        warehouse.path,
        "build",
        "--select",
        "+fct_market_breadth_daily +fct_index_concentration_daily",
        "--log-path",
        str(root / "dbt_logs"),
    )
    return warehouse, frames


@pytest.fixture(scope="module")
def expected(breadth_warehouse):
    """Breadth recomputed from the parsed Stooq frames with pandas, independently of dbt."""
    _, frames = breadth_warehouse
    sessions = pd.DatetimeIndex(sorted(frames["SPY"]["date"]))
    # members' bars on NYSE sessions (SPY dates); Stooq's close is its adjusted close
    closes = pd.DataFrame(
        {s: frames[s].set_index("date")["close"] for s in MEMBERSHIP["symbol"]}
    ).reindex(sessions)
    previous = closes.shift(1)  # previous session's close (NaN when no bar that session)
    member = pd.DataFrame(False, index=sessions, columns=closes.columns)
    for spell in MEMBERSHIP.itertuples():
        start = pd.Timestamp(spell.start_date)
        end = pd.Timestamp(spell.end_date) if spell.end_date else pd.Timestamp.max
        member.loc[(sessions >= start) & (sessions < end), spell.symbol] = True
    has_data = member & closes.notna() & previous.notna()
    frame = pd.DataFrame(
        {
            "members_expected": member.sum(axis=1),
            "members_with_data": has_data.sum(axis=1),
            "advancers": (has_data & (closes > previous)).sum(axis=1),
            "decliners": (has_data & (closes < previous)).sum(axis=1),
            "unchanged": (has_data & (closes == previous)).sum(axis=1),
        }
    )
    frame["net_advances"] = frame["advancers"] - frame["decliners"]
    frame["ad_line"] = frame["net_advances"].cumsum()
    with_data = frame["members_with_data"] > 0
    net = frame.loc[with_data, "net_advances"].astype(float)
    mcclellan = (
        net.ewm(alpha=2 / 20, adjust=False).mean() - net.ewm(alpha=2 / 40, adjust=False).mean()
    )
    frame["mcclellan_oscillator"] = mcclellan.reindex(sessions).ffill()
    frame["summation_index"] = mcclellan.cumsum().reindex(sessions).ffill()
    # 200-bar simple moving average over each symbol's own session bars, today included
    above, eligible = {}, {}
    for symbol in closes.columns:
        bars = closes[symbol].dropna()
        sma = bars.rolling(200).mean()
        eligible[symbol] = sma.notna().reindex(sessions, fill_value=False)
        above[symbol] = (bars > sma).reindex(sessions, fill_value=False)
    eligible = pd.DataFrame(eligible) & member
    above = pd.DataFrame(above) & eligible
    frame["members_with_200d_history"] = eligible.sum(axis=1)
    frame["pct_above_200d"] = 100 * above.sum(axis=1) / eligible.sum(axis=1).replace(0, np.nan)
    return frame, closes


def mart_rows(warehouse, universe: str) -> pd.DataFrame:
    rows = warehouse.query_frame(
        "select * from marts.fct_market_breadth_daily where universe = ? order by trade_date",
        [universe],
    )
    return rows.set_index(pd.DatetimeIndex(rows["trade_date"]))


def test_counts_ad_line_mcclellan_and_200d_match_pandas_on_named_dates(breadth_warehouse, expected):
    warehouse, _ = breadth_warehouse
    frame, _ = expected
    mart = mart_rows(warehouse, "sp500")
    # THEN the whole history has one row per session with members, and named dates match
    assert len(mart) == len(frame[frame["members_expected"] > 0])
    for day in NAMED_DATES:
        got, want = mart.loc[day], frame.loc[day]
        for column in ("members_expected", "members_with_data", "advancers", "decliners"):
            assert got[column] == want[column], (day, column)
        assert got["unchanged"] == want["unchanged"], day
        assert got["ad_line"] == want["ad_line"], day
        assert got["mcclellan_oscillator"] == pytest.approx(
            want["mcclellan_oscillator"], abs=1e-8
        ), day
        assert got["summation_index"] == pytest.approx(want["summation_index"], abs=1e-7), day
        assert got["members_with_200d_history"] == want["members_with_200d_history"], day
        assert got["pct_above_200d"] == pytest.approx(want["pct_above_200d"], abs=1e-9), day
    # ... and every session, not only the named ones
    joined = mart.join(frame, rsuffix="_pandas", how="inner")
    assert (joined["ad_line"] == joined["ad_line_pandas"]).all()
    assert np.allclose(
        joined["mcclellan_oscillator"],
        joined["mcclellan_oscillator_pandas"],
        atol=1e-8,
        equal_nan=True,
    )
    assert np.allclose(
        joined["pct_above_200d"], joined["pct_above_200d_pandas"], atol=1e-9, equal_nan=True
    )
    # the values a reader would quote: 2008-10-10, the capitulation day
    assert mart.loc["2008-10-10", "members_expected"] == 4  # RSP not yet a member


def test_survivorship_on_the_addition_and_removal_dates(breadth_warehouse, expected):
    warehouse, _ = breadth_warehouse
    _, closes = expected
    mart = mart_rows(warehouse, "sp500")
    # RSP's addition: not counted the session before its start_date, counted from it on,
    # its first-day move against the previous session's close included
    assert mart.loc["2015-05-29", "members_expected"] == 4
    assert mart.loc["2015-06-01", "members_expected"] == 5
    assert mart.loc["2015-06-01", "members_with_data"] == 5
    rsp_moved_up = closes.loc["2015-06-01", "RSP"] > closes.loc["2015-05-29", "RSP"]
    day = closes.loc["2015-06-01"] > closes.loc["2015-05-29"]
    assert mart.loc["2015-06-01", "advancers"] == int(day.sum())
    assert bool(day["RSP"]) == rsp_moved_up
    # XLF's removal: counted on 2020-03-13, not on its end date 2020-03-16 although it traded
    assert not np.isnan(closes.loc["2020-03-16", "XLF"])
    assert mart.loc["2020-03-13", "members_expected"] == 5
    assert mart.loc["2020-03-16", "members_expected"] == 4
    members_0316 = ["QQQ", "XLK", "XLE", "RSP"]
    moves = closes.loc["2020-03-16", members_0316] - closes.loc["2020-03-13", members_0316]
    assert mart.loc["2020-03-16", "decliners"] == int((moves < 0).sum())
    assert mart.loc["2020-03-16", "advancers"] == int((moves > 0).sum())
    # the sector universes follow the same spells
    financials = mart_rows(warehouse, "sp500:Financials")
    assert financials.index.max() == pd.Timestamp("2020-03-13")
    industrials = mart_rows(warehouse, "sp500:Industrials")
    assert industrials.index.min() == pd.Timestamp("2015-06-01")
    technology = mart_rows(warehouse, "sp500:Information Technology")
    assert technology.loc["2022-12-30", "members_expected"] == 2


def test_breadth_flags_and_equal_weight_return(breadth_warehouse, expected):
    warehouse, _ = breadth_warehouse
    _, closes = expected
    mart = mart_rows(warehouse, "sp500")
    # the first session has no previous close: no data, low coverage; later sessions are full
    assert mart.iloc[0]["members_with_data"] == 0
    assert bool(mart.iloc[0]["is_low_coverage"])
    assert not mart.loc["2022-12-30", "is_low_coverage"]
    assert mart.loc["2022-12-30", "coverage_pct"] == 100
    assert (
        mart["advancers"] + mart["decliners"] + mart["unchanged"] == mart["members_with_data"]
    ).all()
    concentration = warehouse.query_frame(
        "select * from marts.fct_index_concentration_daily where universe = 'sp500' "
        "and trade_date = date '2020-03-16'"
    ).iloc[0]
    members = ["QQQ", "XLK", "XLE", "RSP"]
    returns = closes.loc["2020-03-16", members] / closes.loc["2020-03-13", members] - 1
    assert concentration["equal_weight_return"] == pytest.approx(returns.mean(), rel=1e-12)
    assert concentration["members_with_return"] == 4
    # no SEC shares for these stand-ins: no caps, so no cap-weighted figures
    assert concentration["members_with_cap"] == 0
    assert pd.isna(concentration["cap_weight_return"])
