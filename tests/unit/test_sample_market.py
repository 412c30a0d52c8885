"""The offline sample market: deterministic, realistic enough, and served in the real formats.

No network and no sleeps: the transport is mounted on a fake host and the clock is injected.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import requests

from orchestration.sample import SampleTransport, generate_market, market, wire

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://sample.test"
TIINGO_AUTH = {"Authorization": "Token sample-key"}


@pytest.fixture(scope="module")
def sample() -> market.SampleMarket:
    return generate_market()


@pytest.fixture(scope="module")
def nyse() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start="2005-01-01", end="2027-12-31")


def closes(sample: market.SampleMarket, symbol: str) -> pd.Series:
    frame = sample.frame(symbol)
    return pd.Series(frame["close"].to_numpy(), index=pd.DatetimeIndex(frame["date"]))


def session_with(transport: SampleTransport) -> requests.Session:
    session = requests.Session()
    session.mount(f"{BASE}/", transport)
    return session


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


# --- determinism ------------------------------------------------------------------------------


def test_generation_is_deterministic(sample):
    again = market._build_market(market.load_universe())
    assert again is not sample
    assert set(again.bars) == set(sample.bars)
    for symbol, frame in sample.bars.items():
        pdt.assert_frame_equal(again.bars[symbol], frame, check_exact=True)
    assert generate_market() is sample  # cached


def test_seeds_are_crc32_and_ignore_python_hash_randomisation(sample):
    assert market._seed("SPY") == zlib.crc32(b"SPY") == 968359423
    # Another interpreter with a different hash salt must produce the very same bars.
    script = (
        "import hashlib; from orchestration.sample.market import generate_market; "
        "m = generate_market(); "
        "print(hashlib.sha256(m.frame('XLE')['close'].to_numpy().tobytes()"
        " + m.frame('BTC-USD')['volume'].to_numpy().tobytes()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    here = hashlib.sha256(
        sample.frame("XLE")["close"].to_numpy().tobytes()
        + sample.frame("BTC-USD")["volume"].to_numpy().tobytes()
    ).hexdigest()
    assert out.stdout.strip() == here


# --- calendars and horizon --------------------------------------------------------------------


def test_every_instrument_spans_its_fixed_horizon(sample, nyse):
    universe = market.load_universe()
    assert set(sample.bars) == set(universe)
    for symbol, inst in universe.items():
        dates = sample.frame(symbol)["date"]
        first = max(date(2005, 1, 3), inst.listed_on)
        assert dates.iloc[0].date() >= first, symbol
        assert (dates.iloc[0].date() - first).days <= 4, symbol
        assert dates.iloc[-1].date() == date(2027, 12, 31), symbol
        assert dates.is_monotonic_increasing and dates.is_unique, symbol
    assert sample.frame("GLD")["date"].iloc[0] == pd.Timestamp("2005-01-03")
    assert sample.frame("CRWV")["date"].iloc[0] == pd.Timestamp("2025-03-28")


@pytest.mark.parametrize(
    "holiday",
    ["2024-12-25", "2025-01-09", "2018-12-05", "2012-10-29", "2012-10-30", "2026-11-26"],
)
def test_no_rows_on_nyse_closures(sample, nyse, holiday):
    # Christmas, the national days of mourning (Carter, Bush), Hurricane Sandy, Thanksgiving.
    assert not nyse.is_session(holiday)
    for symbol in ("SPY", "NVDA", "^GSPC", "GLD"):
        assert pd.Timestamp(holiday) not in set(sample.frame(symbol)["date"]), symbol


def test_nyse_instruments_trade_exactly_the_nyse_sessions(sample, nyse):
    sessions = nyse.sessions_in_range("2005-01-03", "2027-12-31")
    assert list(sample.frame("SPY")["date"]) == list(sessions)
    assert (sample.frame("QQQ")["date"].dt.dayofweek < 5).all()


def test_crypto_trades_every_calendar_day(sample):
    btc = sample.frame("BTC-USD")["date"]
    assert btc.iloc[0] == pd.Timestamp("2014-09-17")
    assert (btc.diff().dropna() == pd.Timedelta(days=1)).all()
    assert (btc.dt.dayofweek >= 5).sum() > 1000  # weekends
    assert sample.frame("ETH-USD")["date"].iloc[0] == pd.Timestamp("2017-11-09")


# --- bars -------------------------------------------------------------------------------------


def test_bars_satisfy_ohlc_invariants_everywhere(sample):
    for symbol, frame in sample.bars.items():
        o, h, low, c = (frame[col].to_numpy() for col in ("open", "high", "low", "close"))
        assert (low > 0).all(), symbol
        assert (low <= np.minimum(o, c)).all(), symbol
        assert (np.maximum(o, c) <= h).all(), symbol
        assert (frame["volume"] > 0).all(), symbol
        ohlc = np.column_stack([o, h, low, c])
        assert not (ohlc[1:] == ohlc[:-1]).all(axis=1).any(), f"{symbol}: repeated bar"
        assert list(frame.columns) == list(market.BAR_COLUMNS)
        if sample.instruments[symbol].is_crypto:
            assert frame["volume"].dtype == np.float64
        else:
            assert frame["volume"].dtype == np.int64, symbol


def test_market_follows_the_real_shape(sample):
    spy = closes(sample, "SPY")
    assert spy.iloc[0] == pytest.approx(120, rel=0.03)
    assert spy["2007"].max() == pytest.approx(155, rel=0.05)
    assert spy["2009-03"].min() == pytest.approx(70, rel=0.06)
    assert spy["2015-12-31"] == pytest.approx(205, rel=0.02)
    assert spy["2019-12-31"] == pytest.approx(320, rel=0.02)
    assert spy["2020-03"].min() == pytest.approx(222, rel=0.04)
    assert spy["2021-12-31"] == pytest.approx(475, rel=0.02)
    assert spy["2022-10"].min() == pytest.approx(357, rel=0.05)
    assert spy["2023-12-29"] == pytest.approx(475, rel=0.02)
    assert spy["2024-12-31"] == pytest.approx(590, rel=0.02)
    assert spy["2025-12-31"] == pytest.approx(680, rel=0.02)
    assert spy["2026-10-30"] == pytest.approx(700, rel=0.02)

    returns = np.log(spy).diff().dropna()
    assert 0.008 < returns.std() < 0.014
    assert returns["2008"].std() > 0.018
    assert returns["2020-03"].std() > 0.03
    assert returns["2017"].std() < 0.007


def test_crypto_and_gold_levels(sample):
    btc = closes(sample, "BTC-USD")
    assert btc.iloc[0] == pytest.approx(457, rel=0.01)
    assert 14_000 < btc["2017-12"].max() < 21_000
    assert btc["2018-12-31"] == pytest.approx(3_700, rel=0.05)
    assert btc["2020-12-31"] == pytest.approx(29_000, rel=0.03)
    assert btc["2021-11"].max() == pytest.approx(69_000, rel=0.06)
    assert btc["2022-12-31"] == pytest.approx(16_500, rel=0.05)
    assert btc["2024-12-31"] == pytest.approx(94_000, rel=0.03)
    assert btc["2025"].max() > 110_000
    assert closes(sample, "GLD").iloc[0] == pytest.approx(43, rel=0.03)


def test_indices_track_their_etfs(sample):
    for index, etf, scale in (
        ("^GSPC", "SPY", 10),
        ("^DJI", "DIA", 100),
        ("^IXIC", "QQQ", 40),
        ("^RUT", "IWM", 10),
    ):
        ratio = closes(sample, index) / closes(sample, etf) / scale
        assert ratio.between(0.995, 1.005).all(), index
        assert ratio.std() > 0  # not a bare copy


def test_dow_crosses_50000_for_the_first_time_in_february_2026(sample):
    dia = closes(sample, "DIA")
    assert dia[:"2025-12-31"].max() < 500
    first = dia[dia > 500].index[0]
    assert (first.year, first.month) == (2026, 2)
    dji = closes(sample, "^DJI")
    first_dji = dji[dji > 50_000].index[0]
    assert (first_dji.year, first_dji.month) in {(2026, 1), (2026, 2)}


def test_2026_rotation_into_small_caps_and_cyclicals(sample):
    for symbol in ("IWM", "^RUT", "XLI", "XLF", "XLB", "XLE"):
        series = closes(sample, symbol)
        assert series["2026"].max() > series[:"2025-12-31"].max(), f"{symbol}: no new high"
    for symbol in ("XLK", "QQQ"):
        series = closes(sample, symbol)
        assert series["2026"].max() < series[:"2025-12-31"].max(), f"{symbol}: did not stall"
        assert series["2026-12-31"] < series["2025-12-31"], symbol


@pytest.mark.parametrize(
    ("start", "end", "leader"),
    [
        ("2005-01-03", "2008-06-30", "XLE"),
        ("2009-03-09", "2020-12-31", "XLK"),
        ("2020-12-31", "2022-12-30", "XLE"),
        ("2022-12-30", "2025-12-31", "XLK"),
    ],
)
def test_sector_leadership_rotates(sample, start, end, leader):
    sectors = [s for s, inst in sample.instruments.items() if inst.role == "sector"]
    performance = {}
    for symbol in sectors:
        series = closes(sample, symbol)
        if series.index[0] <= pd.Timestamp(start):
            performance[symbol] = series.asof(pd.Timestamp(end)) / series.asof(pd.Timestamp(start))
    assert max(performance, key=performance.get) == leader


# --- corporate actions ------------------------------------------------------------------------


def test_exactly_one_split_nvda_four_for_one(sample):
    splits = {s: f.loc[f["split_ratio"] != 1.0, "date"] for s, f in sample.bars.items()}
    splits = {s: d for s, d in splits.items() if len(d)}
    assert list(splits) == ["NVDA"]
    nvda = sample.frame("NVDA").set_index("date")
    assert nvda.loc["2021-07-20", "split_ratio"] == 4.0
    raw_ratio = nvda.loc["2021-07-19", "close"] / nvda.loc["2021-07-20", "close"]
    assert 3.6 < raw_ratio < 4.4
    assert (nvda.loc[:"2021-07-19", "split_adj_factor"] == 0.25).all()
    assert (nvda.loc["2021-07-20":, "split_adj_factor"] == 1.0).all()
    # Raw volume is in pre-split shares, a quarter of the adjusted count.
    assert nvda["volume"][:"2021-07-19"].median() < nvda["volume"]["2021-07-20":].median()


def test_dividends_where_expected_with_realistic_yields(sample):
    payers = {s for s, f in sample.bars.items() if (f["dividend"] > 0).any()}
    for symbol in ("SPY", "DIA", "QQQ", "IWM", "RSP", "IWD", "IWF", "XLK", "XLE", "XLU"):
        assert symbol in payers
    for symbol in ("MSFT", "ORCL", "AVGO", "GLW", "ETN", "CAT", "GS"):
        assert symbol in payers
    for symbol in ("^GSPC", "^DJI", "BTC-USD", "ETH-USD", "GLD", "NVDA", "AMZN"):
        assert symbol not in payers
    spy = sample.frame("SPY").set_index("date")
    per_year = spy["dividend"]["2006":"2026"].groupby(spy["dividend"]["2006":"2026"].index.year)
    assert (per_year.apply(lambda d: (d > 0).sum()) == 4).all()
    yearly_yield = per_year.sum() / spy["close"]["2006":"2026"].groupby(lambda d: d.year).mean()
    assert yearly_yield.between(0.01, 0.03).all()
    dia = sample.frame("DIA").set_index("date")["dividend"]["2024"]
    assert (dia > 0).sum() == 12  # DIA pays monthly


def test_total_adjustment_factor_is_the_crsp_back_adjustment(sample):
    spy = sample.frame("SPY")
    ex = int(np.flatnonzero(spy["dividend"].to_numpy() > 0)[10])
    before, on = spy.iloc[ex - 1], spy.iloc[ex]
    expected = 1 - on["dividend"] / before["close"]
    assert before["total_adj_factor"] / on["total_adj_factor"] == pytest.approx(expected)
    assert spy["total_adj_factor"].iloc[-1] == 1.0
    assert spy["total_adj_factor"].is_monotonic_increasing


# --- wire formats -----------------------------------------------------------------------------


def yahoo(sample, symbol, start, end, as_of=None):
    answer = wire.yahoo_chart(
        symbol, date.fromisoformat(start), date.fromisoformat(end), sample, as_of=as_of
    )
    return answer.status, json.loads(answer.body)


def test_yahoo_timestamps_are_the_session_open_in_utc(sample):
    status, body = yahoo(sample, "SPY", "2020-08-31", "2020-08-31")
    assert status == 200
    assert body["chart"]["result"][0]["timestamp"] == [1598880600]  # 09:30 EDT
    _, body = yahoo(sample, "QQQ", "2020-01-02", "2020-01-02")
    assert body["chart"]["result"][0]["timestamp"] == [1577975400]  # 09:30 EST
    _, body = yahoo(sample, "BTC-USD", "2020-01-04", "2020-01-05")
    result = body["chart"]["result"][0]
    assert result["timestamp"] == [1578096000, 1578182400]  # 00:00 UTC, a weekend
    assert result["meta"]["exchangeTimezoneName"] == "UTC"
    assert result["meta"]["instrumentType"] == "CRYPTOCURRENCY"


def test_yahoo_chart_shape_split_event_and_continuous_close(sample):
    status, body = yahoo(sample, "NVDA", "2021-07-15", "2021-07-22", as_of=date(2024, 1, 2))
    assert status == 200 and body["chart"]["error"] is None
    result = body["chart"]["result"][0]
    meta = result["meta"]
    assert meta["symbol"] == "NVDA" and meta["dataGranularity"] == "1d"
    assert meta["exchangeTimezoneName"] == "America/New_York"
    assert meta["instrumentType"] == "EQUITY"
    stamp = str(result["timestamp"][3])
    assert result["events"]["splits"] == {
        stamp: {"date": int(stamp), "numerator": 4, "denominator": 1, "splitRatio": "4:1"}
    }
    close = result["indicators"]["quote"][0]["close"]
    assert 0.9 < close[2] / close[3] < 1.1  # split-adjusted: no 4x cliff
    assert result["indicators"]["adjclose"][0]["adjclose"] == pytest.approx(close, rel=1e-6)
    # Asked before the split happened, Yahoo cannot know it: raw scale, no event.
    _, early = yahoo(sample, "NVDA", "2021-07-12", "2021-07-16", as_of=date(2021, 7, 16))
    early_result = early["chart"]["result"][0]
    assert "events" not in early_result
    assert early_result["indicators"]["quote"][0]["close"][-1] == pytest.approx(
        sample.frame("NVDA").set_index("date").loc["2021-07-16", "close"], rel=1e-6
    )


def test_yahoo_dividends_and_adjclose(sample):
    _, body = yahoo(sample, "SPY", "2019-01-01", "2019-12-31", as_of=date(2026, 3, 2))
    result = body["chart"]["result"][0]
    dividends = result["events"]["dividends"]
    assert len(dividends) == 4
    for key, event in dividends.items():
        assert key == str(event["date"]) and event["date"] in result["timestamp"]
        assert 0.5 < event["amount"] < 3
    quote = result["indicators"]["quote"][0]
    adj = result["indicators"]["adjclose"][0]["adjclose"]
    assert all(a < c for a, c in zip(adj, quote["close"], strict=True))
    assert all(isinstance(v, int) for v in quote["volume"])


def test_yahoo_empty_range_and_unknown_symbol(sample):
    status, body = yahoo(sample, "SPY", "2020-01-04", "2020-01-05")  # a weekend
    result = body["chart"]["result"][0]
    assert status == 200
    assert "timestamp" not in result and result["indicators"] == {"quote": [{}]}
    assert result["meta"]["symbol"] == "SPY"
    status, body = yahoo(sample, "NOPE", "2020-01-01", "2020-01-31")
    assert status == 404
    assert body == {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }


def test_tiingo_daily_is_raw_with_adjusted_columns(sample):
    answer = wire.tiingo_daily(
        "nvda", date(2021, 7, 19), date(2021, 7, 20), sample, as_of=date(2025, 1, 2)
    )
    rows = json.loads(answer.body)
    assert answer.status == 200
    assert list(rows[0]) == [
        "date", "close", "high", "low", "open", "volume", "adjClose", "adjHigh", "adjLow",
        "adjOpen", "adjVolume", "divCash", "splitFactor",
    ]  # fmt: skip
    assert [r["date"] for r in rows] == ["2021-07-19T00:00:00.000Z", "2021-07-20T00:00:00.000Z"]
    assert [r["splitFactor"] for r in rows] == [1.0, 4.0]
    assert rows[0]["close"] == pytest.approx(4 * rows[0]["adjClose"], rel=1e-6)
    assert rows[0]["adjVolume"] == 4 * rows[0]["volume"]
    spy = json.loads(wire.tiingo_daily("SPY", date(2024, 1, 1), date(2024, 12, 31), sample).body)
    assert sum(r["divCash"] > 0 for r in spy) == 4
    assert all(isinstance(r["volume"], int) for r in spy)
    missing = wire.tiingo_daily("XXX", date(2024, 1, 1), date(2024, 1, 5), sample)
    assert (missing.status, json.loads(missing.body)) == (
        404,
        {"detail": "Error: Ticker 'XXX' not found"},
    )


def test_tiingo_crypto_shape(sample):
    answer = wire.tiingo_crypto(["btcusd"], date(2019, 5, 1), date(2019, 5, 2), sample)
    (item,) = json.loads(answer.body)
    assert (item["ticker"], item["baseCurrency"], item["quoteCurrency"]) == ("btcusd", "btc", "usd")
    assert [p["date"] for p in item["priceData"]] == [
        "2019-05-01T00:00:00+00:00",
        "2019-05-02T00:00:00+00:00",
    ]
    bar = item["priceData"][0]
    assert set(bar) == {
        "date",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "volumeNotional",
        "tradesDone",
    }
    assert bar["volumeNotional"] == pytest.approx(bar["volume"] * bar["close"])
    assert (
        json.loads(wire.tiingo_crypto(["dogeusd"], date(2019, 5, 1), date(2019, 5, 2), sample).body)
        == []
    )


def test_stooq_csv_is_back_adjusted_with_six_significant_digits(sample):
    answer = wire.stooq_csv(
        "spy.us", date(2020, 8, 28), date(2020, 9, 2), sample, as_of=date(2026, 3, 2)
    )
    assert answer.status == 200
    lines = answer.body.decode().split("\r\n")
    assert lines[0] == "Date,Open,High,Low,Close,Volume" and lines[-1] == ""
    assert [line[:10] for line in lines[1:-1]] == [
        "2020-08-28",
        "2020-08-31",
        "2020-09-01",
        "2020-09-02",
    ]
    close = float(lines[2].split(",")[4])
    spy = sample.frame("SPY").set_index("date")
    raw = spy.loc["2020-08-31", "close"]
    factor = spy.loc["2020-08-31", "total_adj_factor"] / spy.loc["2026-02-27", "total_adj_factor"]
    assert close == pytest.approx(raw * factor, rel=1e-5) and close < raw
    assert all(len(f.replace(".", "").lstrip("0")) <= 6 for f in lines[2].split(",")[1:5])
    empty = wire.stooq_csv("spy.us", date(2020, 1, 4), date(2020, 1, 5), sample)
    assert empty.body == b"Date,Open,High,Low,Close,Volume\r\n"


# --- transport --------------------------------------------------------------------------------


def test_transport_serves_all_providers_through_a_real_session(sample):
    session = session_with(SampleTransport(today=date(2026, 3, 2), market=sample))
    chart = session.get(
        f"{BASE}/v8/finance/chart/%5EGSPC",
        params={"period1": epoch(date(2020, 8, 31)), "period2": epoch(date(2020, 9, 1)),
                "interval": "1d", "events": "div|split"},
    )  # fmt: skip
    assert chart.status_code == 200 and chart.headers["Content-Type"].startswith("application/json")
    result = chart.json()["chart"]["result"][0]
    assert result["meta"]["symbol"] == "^GSPC" and result["timestamp"] == [1598880600]

    daily = session.get(
        f"{BASE}/tiingo/daily/spy/prices",
        params={"startDate": "2026-02-23", "endDate": "2026-02-27", "format": "json"},
        headers=TIINGO_AUTH,
    )
    assert daily.status_code == 200 and len(daily.json()) == 5

    stooq = session.get(
        f"{BASE}/q/d/l/",
        params={"s": "xle.us", "i": "d", "d1": "20260223", "d2": "20260227", "apikey": "k"},
    )
    assert stooq.status_code == 200
    assert stooq.text.startswith("Date,Open,High,Low,Close,Volume\r\n2026-02-23,")


def test_transport_error_answers(sample):
    session = session_with(SampleTransport(today=date(2026, 3, 2), market=sample))
    params = {"s": "spy.us", "i": "d", "d1": "20250101", "d2": "20250131"}
    for key in (None, ""):
        page = session.get(
            f"{BASE}/q/d/l/", params={**params, "apikey": key} if key is not None else params
        )
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert page.text.startswith("<!DOCTYPE html><html")

    for headers in ({}, {"Authorization": "Token "}):
        denied = session.get(
            f"{BASE}/tiingo/daily/spy/prices", params={"startDate": "2025-01-02"}, headers=headers
        )
        assert denied.status_code == 401 and denied.json() == {"detail": "Please supply a token"}
    crypto_denied = session.get(f"{BASE}/tiingo/crypto/prices", params={"tickers": "btcusd"})
    assert crypto_denied.status_code == 401

    unknown = session.get(f"{BASE}/v8/finance/chart/NOSUCH", params={"interval": "1d"})
    assert unknown.status_code == 404 and unknown.reason == "Not Found"
    assert unknown.json()["chart"]["error"]["code"] == "Not Found"

    other = session.get(f"{BASE}/v7/finance/quote")
    assert other.status_code == 404 and other.headers["Content-Type"].startswith("text/plain")


def test_transport_never_serves_a_bar_after_today(sample):
    today = date(2026, 3, 2)  # a Monday: the last session is Friday, the last crypto day Sunday
    session = session_with(SampleTransport(today=today, market=sample))
    wide = {
        "period1": epoch(date(2026, 2, 1)),
        "period2": epoch(date(2027, 1, 1)),
        "interval": "1d",
    }
    spy = session.get(f"{BASE}/v8/finance/chart/SPY", params=wide).json()["chart"]["result"][0]
    btc = session.get(f"{BASE}/v8/finance/chart/BTC-USD", params=wide).json()["chart"]["result"][0]
    assert datetime.fromtimestamp(spy["timestamp"][-1], UTC).date() == date(2026, 2, 27)
    assert datetime.fromtimestamp(btc["timestamp"][-1], UTC).date() == date(2026, 3, 1)

    tiingo = session.get(
        f"{BASE}/tiingo/daily/nvda/prices",
        params={"startDate": "2026-02-01", "endDate": "2026-12-31"},
        headers=TIINGO_AUTH,
    ).json()
    assert tiingo[-1]["date"] == "2026-02-27T00:00:00.000Z"
    crypto = session.get(
        f"{BASE}/tiingo/crypto/prices",
        params={"tickers": "btcusd,ethusd", "startDate": "2026-02-01", "endDate": "2026-12-31"},
        headers=TIINGO_AUTH,
    ).json()
    assert [item["priceData"][-1]["date"][:10] for item in crypto] == ["2026-03-01"] * 2
    stooq = session.get(
        f"{BASE}/q/d/l/", params={"s": "SPY.US", "d1": "20260201", "d2": "20261231", "apikey": "k"}
    )
    assert stooq.text.rstrip("\r\n").rsplit("\r\n", 1)[-1].startswith("2026-02-27,")


@pytest.mark.parametrize(
    ("now", "session_day", "crypto_day"),
    [
        (datetime(2026, 3, 3, 20, 59, tzinfo=UTC), date(2026, 3, 2), date(2026, 3, 2)),  # 15:59 EST
        (datetime(2026, 3, 3, 21, 0, tzinfo=UTC), date(2026, 3, 3), date(2026, 3, 2)),  # 16:00 EST
        (datetime(2026, 7, 3, 20, 30, tzinfo=UTC), date(2026, 7, 2), date(2026, 7, 2)),  # holiday
        (
            datetime(2026, 3, 4, 0, 30, tzinfo=UTC),
            date(2026, 3, 3),
            date(2026, 3, 3),
        ),  # UTC midnight
    ],
)
def test_completed_session_rule_uses_new_york_close_and_utc_days(
    sample, now, session_day, crypto_day
):
    transport = SampleTransport(now=lambda: now, market=sample)
    assert transport.cutoffs() == (session_day, crypto_day)


def test_sample_never_imports_the_project_parsers():
    for path in (ROOT / "orchestration" / "sample").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.startswith("orchestration.sources") for n in names), path.name
