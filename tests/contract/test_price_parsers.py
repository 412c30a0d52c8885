"""Contract tests: the price parsers against real recorded Yahoo, Tiingo and Stooq payloads.

Every expected value below was read off the recorded files in ``../shared/fixtures/prices``.
"""

from __future__ import annotations

import copy
import gzip
import json
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from orchestration.sources.prices import (
    ACTION_COLUMNS,
    PRICE_COLUMNS,
    PriceBatch,
    PriceParseError,
    stooq,
    tiingo,
    yahoo,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
PRICES = FIXTURES / "prices"

YAHOO_AAPL = "chart-AAPL-2020-08-31-to-2020-11-07.json"
YAHOO_QQQ = "chart-QQQ-2020-01-01-to-2020-01-03.json"
YAHOO_BTC = "chart-BTC-USD-2020-01-01-to-2020-01-03.json"
YAHOO_FILES = [
    YAHOO_AAPL,
    "chart-AMZN-2020-01-01-to-2020-01-03.json",
    "chart-GOOG-2020-01-01-to-2020-01-03.json",
    YAHOO_BTC,
    YAHOO_QQQ,
]
TIINGO_DAILY_JSON = "tiingo_daily_GOOGL_prices_2015-01-01_2015-01-05.json"
TIINGO_DAILY_CSV = "tiingo_daily_GOOGL_prices_2015-01-01_2015-01-05.csv"
TIINGO_CRYPTO = "tiingo_crypto_prices_btcusd_2019-05-01_2019-05-02.json"
STOOQ_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Stooq</title></head>"
    b"<body>Access to this service requires an API key.</body></html>"
)


# ------------------------------------------------------------------------------------------
# Fixture access
# ------------------------------------------------------------------------------------------
def yahoo_wrapper(name: str) -> dict:
    return json.loads((PRICES / "yahoo" / name).read_text(encoding="utf-8"))


def yahoo_document(name: str) -> dict:
    """The recorded chart body (a fresh copy, safe to mutate)."""
    return copy.deepcopy(yahoo_wrapper(name)["response"]["bodyJson"])


def yahoo_body(name: str) -> bytes:
    return json.dumps(yahoo_document(name)).encode("utf-8")


def tiingo_body(name: str) -> bytes:
    return (PRICES / "tiingo" / name).read_bytes()


def stooq_body(symbol: str) -> bytes:
    return gzip.decompress((PRICES / "stooq" / f"{symbol}.us.txt.gz").read_bytes())


@cache
def stooq_bars(symbol: str) -> pd.DataFrame:
    return stooq.parse_daily_csv(stooq_body(symbol), symbol.upper()).bars


@cache
def xnys() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start="2005-01-03", end="2026-12-31")


def nyse_sessions(start: str, end: str) -> set[date]:
    return {ts.date() for ts in xnys().sessions_in_range(start, end)}


def bar_on(bars: pd.DataFrame, day: str) -> pd.Series:
    rows = bars[bars["date"] == pd.Timestamp(day)]
    assert len(rows) == 1, f"expected one bar on {day}, found {len(rows)}"
    return rows.iloc[0]


def assert_price_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(PRICE_COLUMNS)
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == PRICE_COLUMNS


def assert_action_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(ACTION_COLUMNS)
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == ACTION_COLUMNS


def test_fixture_folder_is_present() -> None:
    assert PRICES.is_dir(), f"recorded payloads not found at {PRICES}"


# ------------------------------------------------------------------------------------------
# Yahoo chart v8
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "symbol", "start", "end"),
    [
        (YAHOO_AAPL, "AAPL", date(2020, 8, 31), date(2020, 11, 6)),
        (YAHOO_QQQ, "QQQ", date(2020, 1, 1), date(2020, 1, 2)),
        (YAHOO_BTC, "BTC-USD", date(2020, 1, 1), date(2020, 1, 2)),
    ],
)
def test_yahoo_request_reproduces_the_recorded_window(name, symbol, start, end) -> None:
    # GIVEN the request that was actually recorded
    recorded = urlsplit(yahoo_wrapper(name)["request"]["url"])
    recorded_query = {key: values[0] for key, values in parse_qs(recorded.query).items()}

    # WHEN the builder asks for the same inclusive date range
    request = yahoo.build_chart_request(yahoo.DEFAULT_BASE_URL, symbol, start, end)

    # THEN it targets the same endpoint with the same period1/period2 (period2 exclusive)
    assert request.url == f"{recorded.scheme}://{recorded.netloc}{recorded.path}"
    assert request.params["period1"] == recorded_query["period1"]
    assert request.params["period2"] == recorded_query["period2"]
    assert request.params["interval"] == recorded_query["interval"] == "1d"
    assert request.params["events"] == "div|split"
    assert request.expect == "json"


def test_yahoo_caret_symbols_are_escaped_in_the_path() -> None:
    request = yahoo.build_chart_request(
        "https://query2.finance.yahoo.com/", "^GSPC", date(2020, 1, 2), date(2020, 1, 2)
    )
    assert request.url == "https://query2.finance.yahoo.com/v8/finance/chart/%5EGSPC"


def test_yahoo_aapl_bars() -> None:
    # GIVEN the recorded AAPL chart for 2020-08-31 .. 2020-11-06
    # WHEN it is parsed
    bars = yahoo.parse_chart(yahoo_body(YAHOO_AAPL), "AAPL").bars

    # THEN there is one bar per NYSE session in the window, in order
    assert len(bars) == 49
    assert {d.date() for d in bars["date"]} == nyse_sessions("2020-08-31", "2020-11-06")
    assert bars["date"].is_monotonic_increasing and bars["date"].is_unique
    assert bars["date"].iloc[0] == pd.Timestamp("2020-08-31")
    assert bars["date"].iloc[-1] == pd.Timestamp("2020-11-06")
    # AND the values are the recorded ones (split-adjusted close, raw volume)
    first = bar_on(bars, "2020-08-31")
    assert first["open"] == pytest.approx(127.58000183105469)
    assert first["high"] == pytest.approx(131.0)
    assert first["low"] == pytest.approx(126.0)
    assert first["close"] == pytest.approx(129.0399932861328)
    assert first["volume"] == 225702700
    assert first["adj_close"] == pytest.approx(125.82673645019531)
    assert bar_on(bars, "2020-11-06")["close"] == pytest.approx(118.69000244140625)
    assert set(bars["symbol"]) == {"AAPL"}
    assert set(bars["provider"]) == {"yahoo"}
    assert set(bars["close_adjustment"]) == {"split"}
    # Yahoo has no adjusted open/high/low, dividends or split factors per bar.
    assert (
        bars[["adj_open", "adj_high", "adj_low", "adj_volume", "div_cash", "split_factor"]]
        .isna()
        .all()
        .all()
    )


def test_yahoo_session_open_timestamps_map_to_the_exchange_local_date() -> None:
    # GIVEN the recorded timestamps, which are the 09:30 New York session open in UTC seconds
    result = yahoo_document(YAHOO_AAPL)["chart"]["result"][0]
    assert result["meta"]["exchangeTimezoneName"] == "America/New_York"
    new_york = ZoneInfo("America/New_York")
    local = [datetime.fromtimestamp(ts, tz=UTC).astimezone(new_york) for ts in result["timestamp"]]
    assert {(t.hour, t.minute) for t in local} == {(9, 30)}
    # (the window spans the DST change: 13:30 UTC in September, 14:30 UTC in November)
    assert datetime.fromtimestamp(result["timestamp"][0], tz=UTC).hour == 13
    assert datetime.fromtimestamp(result["timestamp"][-1], tz=UTC).hour == 14

    # WHEN parsed
    bars = yahoo.parse_chart(yahoo_body(YAHOO_AAPL), "AAPL").bars

    # THEN each bar's date is the New York calendar date at midnight
    assert [d.date() for d in bars["date"]] == [t.date() for t in local]
    assert (bars["date"] == bars["date"].dt.normalize()).all()


def test_yahoo_aapl_split_and_dividend_events() -> None:
    actions = yahoo.parse_chart(yahoo_body(YAHOO_AAPL), "AAPL").actions

    assert_action_schema(actions)
    assert len(actions) == 2
    split, dividend = actions.iloc[0], actions.iloc[1]
    assert split["action_type"] == "split"
    assert split["ex_date"] == pd.Timestamp("2020-08-31")
    assert (split["split_numerator"], split["split_denominator"]) == (4.0, 1.0)
    assert pd.isna(split["dividend_amount"])
    assert dividend["action_type"] == "dividend"
    assert dividend["ex_date"] == pd.Timestamp("2020-11-06")
    assert dividend["dividend_amount"] == pytest.approx(0.205)
    assert pd.isna(dividend["split_numerator"])
    assert set(actions["symbol"]) == {"AAPL"}
    assert set(actions["provider"]) == {"yahoo"}


def test_yahoo_adjclose_steps_by_the_dividend_on_its_ex_date() -> None:
    # GIVEN AAPL bars around the 0.205 dividend that went ex on 2020-11-06
    bars = yahoo.parse_chart(yahoo_body(YAHOO_AAPL), "AAPL").bars
    ratio = bars["adj_close"] / bars["close"]
    before = ratio[bars["date"] == pd.Timestamp("2020-11-05")].iloc[0]
    on_ex_date = ratio[bars["date"] == pd.Timestamp("2020-11-06")].iloc[0]
    previous_close = bar_on(bars, "2020-11-05")["close"]

    # THEN adjclose/close is flat before the ex-date and drops by the dividend factor on it
    before_ex_date = ratio[bars["date"] < pd.Timestamp("2020-11-06")]
    assert before_ex_date.max() - before_ex_date.min() < 1e-6
    assert before / on_ex_date == pytest.approx(1 - 0.205 / previous_close, rel=1e-6)


def test_yahoo_qqq_close_is_not_dividend_adjusted_but_adj_close_is() -> None:
    bars = yahoo.parse_chart(yahoo_body(YAHOO_QQQ), "QQQ").bars

    assert len(bars) == 1
    bar = bar_on(bars, "2020-01-02")
    assert bar["close"] == pytest.approx(216.16000366210938)
    assert bar["adj_close"] == pytest.approx(209.6380615234375)
    assert bar["adj_close"] < bar["close"]


@pytest.mark.parametrize(
    ("name", "symbol", "day", "close"),
    [
        ("chart-AMZN-2020-01-01-to-2020-01-03.json", "AMZN", "2020-01-02", 94.90049743652344),
        ("chart-GOOG-2020-01-01-to-2020-01-03.json", "GOOG", "2020-01-02", 68.36849975585938),
    ],
)
def test_yahoo_new_years_day_has_no_equity_bar(name, symbol, day, close) -> None:
    bars = yahoo.parse_chart(yahoo_body(name), symbol).bars

    assert list(bars["date"]) == [pd.Timestamp(day)]
    assert bars["close"].iloc[0] == pytest.approx(close)


def test_yahoo_btc_bars_are_utc_days_and_include_a_holiday() -> None:
    # GIVEN the BTC-USD chart, whose exchange timezone is UTC and whose bars start at 00:00 UTC
    result = yahoo_document(YAHOO_BTC)["chart"]["result"][0]
    assert result["meta"]["exchangeTimezoneName"] == "UTC"
    assert all(ts % 86400 == 0 for ts in result["timestamp"])

    # WHEN parsed
    bars = yahoo.parse_chart(yahoo_body(YAHOO_BTC), "BTC-USD").bars

    # THEN the dates are the UTC days, including New Year's Day when NYSE is closed
    assert list(bars["date"]) == list(pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"]))
    assert not xnys().is_session(pd.Timestamp("2020-01-01"))
    assert bar_on(bars, "2020-01-01")["close"] == pytest.approx(7200.17431640625)
    assert bar_on(bars, "2020-01-03")["volume"] == 28111481032
    # crypto pays no dividends: adjclose equals close
    assert (bars["adj_close"] == bars["close"]).all()


@pytest.mark.parametrize("name", YAHOO_FILES)
def test_yahoo_frames_have_the_declared_dtypes(name) -> None:
    batch = yahoo.parse_chart(yahoo_body(name), "X")

    assert_price_schema(batch.bars)
    assert_action_schema(batch.actions)
    assert len(batch.bars) > 0
    assert batch.bars[["open", "high", "low", "close", "volume", "adj_close"]].notna().all().all()


def test_yahoo_parses_dict_str_and_bytes_alike() -> None:
    document = yahoo_document(YAHOO_QQQ)
    from_bytes = yahoo.parse_chart(json.dumps(document).encode(), "QQQ").bars
    from_str = yahoo.parse_chart(json.dumps(document), "QQQ").bars
    from_dict = yahoo.parse_chart(document, "QQQ").bars
    pd.testing.assert_frame_equal(from_bytes, from_str)
    pd.testing.assert_frame_equal(from_bytes, from_dict)


def test_yahoo_null_bars_are_dropped() -> None:
    # GIVEN the AAPL chart with the 2020-09-08 bar padded with nulls, as Yahoo does for halts
    document = yahoo_document(YAHOO_AAPL)
    result = document["chart"]["result"][0]
    index = 5
    assert datetime.fromtimestamp(result["timestamp"][index], tz=UTC).date() == date(2020, 9, 8)
    for series in result["indicators"]["quote"][0].values():
        series[index] = None
    result["indicators"]["adjclose"][0]["adjclose"][index] = None

    # WHEN parsed
    bars = yahoo.parse_chart(json.dumps(document).encode(), "AAPL").bars

    # THEN the null bar is gone and its neighbours are untouched
    assert len(bars) == 48
    assert pd.Timestamp("2020-09-08") not in set(bars["date"])
    assert bar_on(bars, "2020-09-04")["close"] == pytest.approx(120.95999908447266)
    assert bar_on(bars, "2020-09-09")["close"] == pytest.approx(117.31999969482422)
    assert bars[["open", "high", "low", "close"]].notna().all().all()
    assert_price_schema(bars)


def test_yahoo_error_payload_raises_with_its_description() -> None:
    # GIVEN the body Yahoo sends (with HTTP 404) for an unknown symbol
    body = json.dumps(
        {
            "chart": {
                "result": None,
                "error": {
                    "code": "Not Found",
                    "description": "No data found, symbol may be delisted",
                },
            }
        }
    )

    # WHEN / THEN the parser raises and names the symbol, the code and the description
    with pytest.raises(PriceParseError, match="No data found, symbol may be delisted") as raised:
        yahoo.parse_chart(body, "NOPE")
    assert "yahoo NOPE" in str(raised.value)
    assert "Not Found" in str(raised.value)


def test_yahoo_payload_without_chart_raises() -> None:
    # The quoteSummary 404 recorded for ADH is a real Yahoo body that is not a chart.
    wrapper = json.loads(
        (FIXTURES / "estimates" / "quoteSummary-assetProfile-ADH.json").read_text()
    )
    with pytest.raises(PriceParseError, match="no 'chart' object"):
        yahoo.parse_chart(json.dumps(wrapper["response"]["bodyJson"]), "ADH")


def test_yahoo_empty_range_returns_an_empty_frame() -> None:
    # GIVEN the QQQ chart as Yahoo returns it for a range without sessions: no timestamp key
    document = yahoo_document(YAHOO_QQQ)
    result = document["chart"]["result"][0]
    del result["timestamp"]
    result["indicators"] = {"quote": [{}], "adjclose": [{}]}

    # WHEN parsed
    batch = yahoo.parse_chart(json.dumps(document), "QQQ")

    # THEN both frames are empty with the declared columns and dtypes
    assert batch.bars.empty and batch.actions.empty
    assert_price_schema(batch.bars)
    assert_action_schema(batch.actions)


def test_yahoo_indicator_length_mismatch_raises() -> None:
    document = yahoo_document(YAHOO_BTC)
    document["chart"]["result"][0]["indicators"]["quote"][0]["close"].pop()
    with pytest.raises(PriceParseError, match="indicator 'close' is 2 values for 3 timestamps"):
        yahoo.parse_chart(json.dumps(document), "BTC-USD")


# ------------------------------------------------------------------------------------------
# Tiingo
# ------------------------------------------------------------------------------------------
def test_tiingo_daily_request_keeps_the_key_in_the_header() -> None:
    request = tiingo.build_daily_request(
        "https://api.tiingo.com/", "GOOGL", date(2015, 1, 1), date(2015, 1, 5), "SECRET-KEY-1"
    )

    assert request.url == "https://api.tiingo.com/tiingo/daily/googl/prices"
    assert request.params == {"startDate": "2015-01-01", "endDate": "2015-01-05", "format": "json"}
    assert request.headers == {"Authorization": "Token SECRET-KEY-1"}
    assert "SECRET-KEY-1" not in request.url + json.dumps(request.params)
    assert request.expect == "json"


def test_tiingo_crypto_request() -> None:
    request = tiingo.build_crypto_request(
        tiingo.DEFAULT_BASE_URL, "BTCUSD", date(2019, 5, 1), date(2019, 5, 2), "SECRET-KEY-1"
    )

    assert request.url == "https://api.tiingo.com/tiingo/crypto/prices"
    assert request.params == {
        "tickers": "btcusd",
        "startDate": "2019-05-01",
        "endDate": "2019-05-02",
        "resampleFreq": "1day",
    }
    assert request.headers == {"Authorization": "Token SECRET-KEY-1"}


def test_tiingo_daily_json_googl() -> None:
    # GIVEN the recorded GOOGL daily prices for 2015-01-01 .. 2015-01-05
    # WHEN parsed
    batch = tiingo.parse_daily_json(tiingo_body(TIINGO_DAILY_JSON), "GOOGL")
    bars = batch.bars

    # THEN there is one bar per NYSE session (New Year's Day and the weekend have none)
    assert_price_schema(bars)
    assert list(bars["date"]) == list(pd.to_datetime(["2015-01-02", "2015-01-05"]))
    assert {d.date() for d in bars["date"]} == nyse_sessions("2015-01-01", "2015-01-05")
    first = bar_on(bars, "2015-01-02")
    assert (first["open"], first["high"], first["low"], first["close"]) == (
        532.6,
        535.8,
        527.88,
        529.55,
    )
    assert first["volume"] == 1327870
    assert bar_on(bars, "2015-01-05")["close"] == 519.46
    assert bar_on(bars, "2015-01-05")["adj_high"] == 527.9899
    # raw and adjusted agree in this window (no split or dividend), and both are kept
    assert (bars["adj_close"] == bars["close"]).all()
    assert (bars["adj_volume"] == bars["volume"]).all()
    assert list(bars["div_cash"]) == [0.0, 0.0]
    assert list(bars["split_factor"]) == [1.0, 1.0]
    assert set(bars["close_adjustment"]) == {"none"}
    assert set(bars["provider"]) == {"tiingo"}
    # AND no corporate action is invented
    assert batch.actions.empty
    assert_action_schema(batch.actions)


def test_tiingo_daily_csv_equals_daily_json() -> None:
    from_csv = tiingo.parse_daily_csv(tiingo_body(TIINGO_DAILY_CSV), "GOOGL")
    from_json = tiingo.parse_daily_json(tiingo_body(TIINGO_DAILY_JSON), "GOOGL")

    pd.testing.assert_frame_equal(from_csv.bars, from_json.bars)
    pd.testing.assert_frame_equal(from_csv.actions, from_json.actions)


def test_tiingo_split_factor_and_div_cash_become_actions() -> None:
    # GIVEN the recorded GOOGL rows, edited to carry a 2:1 split and a 0.5 dividend
    rows = json.loads(tiingo_body(TIINGO_DAILY_JSON))
    rows[0]["splitFactor"] = 2.0
    rows[1]["divCash"] = 0.5

    # WHEN parsed
    actions = tiingo.parse_daily_json(rows, "GOOGL").actions

    # THEN one split and one dividend come out, on the rows' dates
    assert_action_schema(actions)
    split = actions[actions["action_type"] == "split"].iloc[0]
    dividend = actions[actions["action_type"] == "dividend"].iloc[0]
    assert len(actions) == 2
    assert split["ex_date"] == pd.Timestamp("2015-01-02")
    assert (split["split_numerator"], split["split_denominator"]) == (2.0, 1.0)
    assert dividend["ex_date"] == pd.Timestamp("2015-01-05")
    assert dividend["dividend_amount"] == 0.5


def test_tiingo_crypto_returns_only_the_requested_ticker() -> None:
    # GIVEN a crypto payload that holds two tickers
    document = json.loads(tiingo_body(TIINGO_CRYPTO))
    assert [item["ticker"] for item in document] == ["btcusd", "fldcbtc"]

    # WHEN btcusd is asked for
    batch = tiingo.parse_crypto_json(tiingo_body(TIINGO_CRYPTO), "BTC-USD", "btcusd")
    bars = batch.bars

    # THEN only its two UTC days come back, with its own values
    assert_price_schema(bars)
    assert list(bars["date"]) == list(pd.to_datetime(["2019-05-01", "2019-05-02"]))
    assert set(bars["symbol"]) == {"BTC-USD"}
    first = bar_on(bars, "2019-05-01")
    assert first["open"] == pytest.approx(5367.348827845256)
    assert first["close"] == pytest.approx(5420.0896708474575)
    assert first["volume"] == pytest.approx(27749.729226739997)
    assert bar_on(bars, "2019-05-02")["high"] == pytest.approx(5590.235084334595)
    assert (bars["close"] > 1000).all()  # no fldcbtc prices (~1.9e-07) leaked in
    assert (bars["adj_close"] == bars["close"]).all()
    assert set(bars["close_adjustment"]) == {"none"}
    assert batch.actions.empty
    assert_action_schema(batch.actions)


def test_tiingo_crypto_ticker_match_ignores_case_and_picks_the_other_ticker() -> None:
    bars = tiingo.parse_crypto_json(tiingo_body(TIINGO_CRYPTO), "FLDC-BTC", "FLDCBTC").bars

    assert list(bars["close"]) == [1.9e-07, 1.8e-07]


def test_tiingo_crypto_absent_ticker_is_an_empty_frame() -> None:
    batch = tiingo.parse_crypto_json(tiingo_body(TIINGO_CRYPTO), "ETH-USD", "ethusd")

    assert batch.bars.empty
    assert_price_schema(batch.bars)


def test_tiingo_error_object_raises() -> None:
    with pytest.raises(PriceParseError, match="expected a JSON list of daily rows, got dict"):
        tiingo.parse_daily_json(b'{"detail": "Error: Ticker \'NOPE\' not found"}', "NOPE")
    with pytest.raises(PriceParseError, match="expected a JSON list, got dict"):
        tiingo.parse_crypto_json(b'{"detail": "Not found."}', "BTC-USD", "btcusd")


def test_tiingo_empty_range_returns_an_empty_frame() -> None:
    header_only = tiingo_body(TIINGO_DAILY_CSV).decode().splitlines()[0] + "\n"
    for batch in (
        tiingo.parse_daily_json(b"[]", "GOOGL"),
        tiingo.parse_daily_csv(header_only, "GOOGL"),
    ):
        assert batch.bars.empty and batch.actions.empty
        assert_price_schema(batch.bars)
        assert_action_schema(batch.actions)


def test_tiingo_csv_with_missing_columns_raises() -> None:
    # GIVEN the recorded CSV without its adjusted columns
    raw = pd.read_csv(PRICES / "tiingo" / TIINGO_DAILY_CSV)
    body = raw[["date", "open", "high", "low", "close", "volume"]].to_csv(index=False)

    with pytest.raises(PriceParseError, match=r"lack columns \['adjClose'"):
        tiingo.parse_daily_csv(body, "GOOGL")


def test_tiingo_csv_unknown_header_without_rows_raises() -> None:
    with pytest.raises(PriceParseError):
        tiingo.parse_daily_csv(b"Error: Ticker 'NOPE' not found\n", "NOPE")


# ------------------------------------------------------------------------------------------
# Stooq
# ------------------------------------------------------------------------------------------
def test_stooq_request() -> None:
    request = stooq.build_daily_request(
        "https://stooq.com/", "SPY.US", date(2020, 1, 2), date(2020, 1, 31), "SECRET-KEY-1"
    )

    assert request.url == "https://stooq.com/q/d/l/"
    assert request.params == {
        "s": "spy.us",
        "i": "d",
        "d1": "20200102",
        "d2": "20200131",
        "apikey": "SECRET-KEY-1",
    }
    assert request.expect == "csv"


def test_stooq_spy_bulk_file() -> None:
    # GIVEN the recorded SPY bulk file
    # WHEN parsed
    bars = stooq_bars("spy")

    # THEN it holds 5370 sessions from 2005-02-25 to 2026-07-02, in order and unique
    assert_price_schema(bars)
    assert len(bars) == 5370
    assert bars["date"].iloc[0] == pd.Timestamp("2005-02-25")
    assert bars["date"].iloc[-1] == pd.Timestamp("2026-07-02")
    assert bars["date"].is_monotonic_increasing and bars["date"].is_unique
    # AND the recorded values
    first = bar_on(bars, "2005-02-25")
    assert (first["open"], first["high"], first["low"], first["close"]) == (
        92.7949,
        93.8716,
        92.7097,
        93.6948,
    )
    assert first["volume"] == 79289004
    last = bar_on(bars, "2026-07-02")
    assert (last["open"], last["close"], last["volume"]) == (747.4, 744.78, 57395704)
    assert bar_on(bars, "2020-01-02")["close"] == 300.272
    assert set(bars["symbol"]) == {"SPY"}
    assert set(bars["provider"]) == {"stooq"}
    assert set(bars["close_adjustment"]) == {"split_dividend"}
    assert bars[["open", "high", "low", "close", "volume"]].notna().all().all()


@pytest.mark.parametrize(
    ("holiday", "before", "after"),
    [
        ("2025-12-25", "2025-12-24", "2025-12-26"),  # Christmas
        ("2024-07-04", "2024-07-03", "2024-07-05"),  # Independence Day
        ("2020-04-10", "2020-04-09", "2020-04-13"),  # Good Friday
        ("2012-10-30", "2012-10-26", "2012-10-31"),  # Hurricane Sandy closure (29th and 30th)
        ("2018-12-05", "2018-12-04", "2018-12-06"),  # National day of mourning (G. H. W. Bush)
    ],
)
def test_stooq_spy_has_no_bar_on_nyse_holidays(holiday, before, after) -> None:
    # GIVEN a weekday on which NYSE was closed
    assert pd.Timestamp(holiday).dayofweek < 5
    assert not xnys().is_session(pd.Timestamp(holiday))

    bars = stooq_bars("spy")

    # THEN Stooq has no bar on it, but has the sessions around it
    assert pd.Timestamp(holiday) not in set(bars["date"])
    bar_on(bars, before)
    bar_on(bars, after)


def test_stooq_spy_dates_are_nyse_sessions() -> None:
    dates = {d.date() for d in stooq_bars("spy")["date"]}
    sessions = nyse_sessions("2005-02-25", "2026-07-02")

    assert dates <= sessions
    # The only session the recorded file lacks is 2011-02-17 (a gap in Stooq's data).
    assert sessions - dates == {date(2011, 2, 17)}


@pytest.mark.parametrize(
    ("symbol", "rows", "first_date"),
    [
        ("spy", 5370, "2005-02-25"),
        ("qqq", 6870, "1999-03-10"),
        ("rsp", 5370, "2005-02-25"),
        ("xlk", 5370, "2005-02-25"),
        ("xlf", 5370, "2005-02-25"),
        ("xle", 5370, "2005-02-25"),
    ],
)
def test_stooq_bulk_files_parse(symbol, rows, first_date) -> None:
    bars = stooq_bars(symbol)

    assert_price_schema(bars)
    assert len(bars) == rows
    assert bars["date"].iloc[0] == pd.Timestamp(first_date)
    assert bars["date"].iloc[-1] == pd.Timestamp("2026-07-02")
    assert set(bars["symbol"]) == {symbol.upper()}


def test_qqq_close_vs_adj_close_differs_on_yahoo_but_not_on_stooq() -> None:
    # GIVEN QQQ on 2020-01-02 from both providers
    yahoo_bar = bar_on(yahoo.parse_chart(yahoo_body(YAHOO_QQQ), "QQQ").bars, "2020-01-02")
    stooq_qqq = stooq_bars("qqq")
    stooq_bar = bar_on(stooq_qqq, "2020-01-02")

    # THEN Yahoo's close is only split-adjusted, so its adj_close differs (dividends)
    assert yahoo_bar["close_adjustment"] == "split"
    assert yahoo_bar["close"] - yahoo_bar["adj_close"] == pytest.approx(6.5219, abs=1e-3)
    # AND Stooq's close is already fully back-adjusted, so adj_close is the close itself
    assert stooq_bar["close_adjustment"] == "split_dividend"
    assert stooq_bar["close"] == stooq_bar["adj_close"] == 209.119
    assert (stooq_qqq["close"] == stooq_qqq["adj_close"]).all()
    assert (stooq_qqq["open"] == stooq_qqq["adj_open"]).all()


def test_stooq_endpoint_format_parses_like_the_bulk_format() -> None:
    # GIVEN January 2020 of the recorded SPY file, re-served in the endpoint's ISO-date format
    bulk = stooq_bars("spy")
    january = bulk[bulk["date"].between(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-31"))]
    lines = ["Date,Open,High,Low,Close,Volume"] + [
        f"{r.date:%Y-%m-%d},{r.open!r},{r.high!r},{r.low!r},{r.close!r},{int(r.volume)}"
        for r in january.itertuples()
    ]

    # WHEN parsed
    bars = stooq.parse_daily_csv("\n".join(lines) + "\n", "SPY").bars

    # THEN it is the same frame
    assert len(bars) == len(nyse_sessions("2020-01-01", "2020-01-31")) == 21
    pd.testing.assert_frame_equal(bars, january.reset_index(drop=True))


def test_stooq_endpoint_without_volume_parses() -> None:
    bars = stooq.parse_daily_csv(
        b"Date,Open,High,Low,Close\n2020-01-02,3244.67,3258.14,3235.53,3257.85\n", "^SPX"
    ).bars

    assert_price_schema(bars)
    assert bars["close"].iloc[0] == 3257.85
    assert pd.isna(bars["volume"].iloc[0])


@pytest.mark.parametrize(
    "body",
    [
        STOOQ_HTML_PAGE,
        b"\xef\xbb\xbf" + STOOQ_HTML_PAGE,
        b"\r\n  <HTML><head><title>Stooq</title></head><body></body></HTML>",
    ],
)
def test_stooq_html_page_raises_a_clear_error(body) -> None:
    with pytest.raises(PriceParseError) as raised:
        stooq.parse_daily_csv(body, "SPY")
    message = str(raised.value)
    assert message.startswith("stooq SPY:")
    assert "HTML page instead of CSV" in message
    assert "API key" in message


@pytest.mark.parametrize(
    "body",
    [
        b"Symbol,Date,Price\nSPY,2020-01-02,300.27\n",
        b"Exceeded the daily hits limit",
        b"Data,Otwarcie,Najwyzszy,Najnizszy,Zamkniecie,Wolumen\n2020-01-02,1,2,0.5,1.5,100\n",
    ],
)
def test_stooq_unknown_header_raises(body) -> None:
    with pytest.raises(PriceParseError, match="stooq SPY: unknown CSV header"):
        stooq.parse_daily_csv(body, "SPY")


@pytest.mark.parametrize(
    "body",
    [
        b"Date,Open,High,Low,Close,Volume\n",
        b"<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n",
        b"No data",
    ],
)
def test_stooq_empty_range_returns_an_empty_frame(body) -> None:
    batch = stooq.parse_daily_csv(body, "SPY")

    assert isinstance(batch, PriceBatch)
    assert batch.bars.empty and batch.actions.empty
    assert_price_schema(batch.bars)
    assert_action_schema(batch.actions)


def test_stooq_unparseable_value_raises() -> None:
    body = b"Date,Open,High,Low,Close,Volume\n2020-01-02,299.03,300.29,298.10,N/D,64109741\n"
    with pytest.raises(PriceParseError, match="stooq SPY: unparseable value"):
        stooq.parse_daily_csv(body, "SPY")


def test_stooq_bars_are_an_arrow_table_of_the_declared_types() -> None:
    # GIVEN the recorded SPY bulk file
    batch = stooq.parse_daily_csv(stooq_body("spy"), "SPY")

    # WHEN its bars are taken as Arrow, the form in which they are concatenated and loaded
    table = batch.bars_table

    # THEN the columns have the declared types
    assert table.column_names == list(PRICE_COLUMNS)
    assert {f.name: str(f.type) for f in table.schema} == {
        **{name: "double" for name, dtype in PRICE_COLUMNS.items() if dtype == "float64"},
        "symbol": "string",
        "provider": "string",
        "close_adjustment": "string",
        "date": "timestamp[s]",
    }
    # AND they hold the recorded values: the close of 2020-01-02, volume as a double
    assert table.num_rows == 5370
    row = table.filter(pc.equal(table["date"], pa.scalar(datetime(2020, 1, 2), pa.timestamp("s"))))
    assert row["close"].to_pylist() == row["adj_close"].to_pylist() == [300.272]
    assert table["volume"][0].as_py() == 79289004.0
    assert table["div_cash"].null_count == table["split_factor"].null_count == 5370
    # AND the frame is the same rows
    pd.testing.assert_frame_equal(batch.bars, table.to_pandas().astype(PRICE_COLUMNS))


def test_stooq_rows_out_of_order_and_repeated_are_sorted_and_kept_once() -> None:
    body = (
        b"Date,Open,High,Low,Close,Volume\n"
        b"2020-01-03,297.15,300.58,296.50,297.43,77709700\n"
        b"2020-01-02,296.24,298.43,295.70,298.42,59151200\n"
        b"2020-01-03,297.15,300.58,296.50,297.43,77709700\n"
    )

    batch = stooq.parse_daily_csv(body, "SPY")

    assert list(batch.bars["date"]) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-03")]
    assert batch.bars_table["close"].to_pylist() == [298.42, 297.43]


def test_stooq_two_different_bars_for_one_date_raise() -> None:
    body = (
        b"Date,Open,High,Low,Close,Volume\n"
        b"2020-01-02,296.24,298.43,295.70,298.42,59151200\n"
        b"2020-01-02,296.24,298.43,295.70,299.00,59151200\n"
    )
    with pytest.raises(PriceParseError, match=r"stooq SPY: different bars for the same date"):
        stooq.parse_daily_csv(body, "SPY")


def test_stooq_a_value_that_is_not_a_number_names_its_column() -> None:
    body = b"Date,Open,High,Low,Close,Volume\n2020-01-02,299.03,abc,298.10,300.0,64109741\n"
    with pytest.raises(PriceParseError, match=r"stooq SPY: unparseable value .*column #2.*'abc'"):
        stooq.parse_daily_csv(body, "SPY")
