"""Replay real recorded price payloads through the real HttpClient and fetch_prices.

The ``responses`` library answers the URLs the request builders produce with the recorded
bodies from ``../shared/fixtures/prices``, so everything from request building through the HTTP
client's content checks, the landing archive, the parsers and the provider fallback runs for real.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from datetime import date
from pathlib import Path

import exchange_calendars as xcals
import pandas as pd
import pytest
import responses
from responses import matchers

from orchestration.http import HttpClient, LandingArchive
from orchestration.sources.prices import PRICE_COLUMNS, PriceRequest, stooq, tiingo, yahoo
from orchestration.sources.prices.fetch import PriceFetchResult, PriceProviderSettings, fetch_prices
from orchestration.sources.universe import Instrument

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
PRICES = FIXTURES / "prices"

CANARY = "CANARY-KEY-123456"
TIINGO_KEY = "FAKE-TIINGO-KEY-0001"
SKIPPED = "skipped (no key or no symbol)"
STOOQ_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Stooq</title></head>"
    b"<body><p>Access to historical data requires an API key. Get your apikey here.</p>"
    b"</body></html>"
)
YAHOO_NOT_FOUND = json.dumps(
    {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }
).encode()


# ------------------------------------------------------------------------------------------
# Recorded bodies
# ------------------------------------------------------------------------------------------
def yahoo_body(name: str) -> bytes:
    wrapper = json.loads((PRICES / "yahoo" / name).read_text(encoding="utf-8"))
    return json.dumps(wrapper["response"]["bodyJson"]).encode("utf-8")


def tiingo_body(name: str) -> bytes:
    return (PRICES / "tiingo" / name).read_bytes()


def stooq_body(symbol: str) -> bytes:
    return gzip.decompress((PRICES / "stooq" / f"{symbol}.us.txt.gz").read_bytes())


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------
def equity(symbol: str, order: str, *, stooq_symbol: str | None = None) -> Instrument:
    symbols = {"yahoo": symbol, "tiingo": symbol, "stooq": stooq_symbol or f"{symbol.lower()}.us"}
    return Instrument(
        symbol=symbol,
        name=symbol,
        asset_class="etf",
        role="benchmark",
        sector=None,
        theme=None,
        calendar="XNYS",
        listed_on=date(1999, 3, 10),
        provider_symbols=symbols,
        provider_order=tuple(order.split("|")),
    )


def bitcoin(order: str = "tiingo|yahoo") -> Instrument:
    return Instrument(
        symbol="BTC-USD",
        name="Bitcoin (USD)",
        asset_class="crypto",
        role="crypto",
        sector=None,
        theme=None,
        calendar="24x7",
        listed_on=date(2014, 9, 17),
        provider_symbols={"yahoo": "BTC-USD", "tiingo": "btcusd"},
        provider_order=tuple(order.split("|")),
    )


def settings(
    *, tiingo_key: str | None = TIINGO_KEY, stooq_key: str | None = CANARY
) -> PriceProviderSettings:
    return PriceProviderSettings(tiingo_api_key=tiingo_key, stooq_api_key=stooq_key)


def register(
    mock: responses.RequestsMock,
    request: PriceRequest,
    body: bytes,
    *,
    status: int = 200,
    content_type: str = "application/json",
) -> None:
    """Answer exactly the URL, query and headers the request builder produced."""
    match = [matchers.query_param_matcher(request.params)]
    if request.headers:
        match.append(matchers.header_matcher(request.headers))
    mock.add(
        responses.GET, request.url, body=body, status=status, content_type=content_type, match=match
    )


def nyse_sessions(start: str, end: str) -> list[pd.Timestamp]:
    return list(xcals.get_calendar("XNYS").sessions_in_range(start, end))


def every_text(result: PriceFetchResult) -> str:
    return "\n".join(error for outcome in result.outcomes for error in outcome.errors)


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def archive(tmp_path: Path) -> LandingArchive:
    return LandingArchive(tmp_path / "landing")


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(archive: LandingArchive, sleeps: list[float]) -> HttpClient:
    return HttpClient(
        user_agent="test", archive=archive, rate_limits_enabled=False, sleep=sleeps.append
    )


def assert_archived(
    archive: LandingArchive, result: PriceFetchResult, body: bytes, source: str
) -> str:
    """Every row carries the same payload_ref, and it names a gzip of exactly ``body``."""
    (outcome,) = result.outcomes
    ref = outcome.payload_ref
    assert ref is not None
    assert ref.startswith(f"{source}/") and ref.endswith(".gz")
    assert result.bars["payload_ref"].notna().all()
    assert set(result.bars["payload_ref"]) == {ref}
    stored = (archive.root / ref).read_bytes()
    assert stored[:2] == b"\x1f\x8b"  # gzip magic
    assert gzip.decompress(stored) == body
    assert archive.read(ref) == body
    return ref


def assert_bar_schema(bars: pd.DataFrame) -> None:
    assert list(bars.columns) == [*PRICE_COLUMNS, "payload_ref"]
    dtypes = {name: str(dtype) for name, dtype in bars.dtypes.items()}
    assert dtypes == {**PRICE_COLUMNS, "payload_ref": "string"}


# ------------------------------------------------------------------------------------------
# Preferred provider answers
# ------------------------------------------------------------------------------------------
def test_preferred_stooq_rows_are_loaded_and_archived(mock, client, archive) -> None:
    # GIVEN SPY prefers Stooq and Stooq answers with the recorded SPY file (2005 - 2026)
    spy = equity("SPY", "stooq|tiingo|yahoo")
    start, end = date(2020, 1, 2), date(2020, 1, 31)
    request = stooq.build_daily_request(stooq.DEFAULT_BASE_URL, "spy.us", start, end, CANARY)
    body = stooq_body("spy")
    register(mock, request, body, content_type="text/csv")

    # WHEN January 2020 is fetched
    result = fetch_prices(client, [spy], start, end, settings())

    # THEN the rows come from Stooq, only for the sessions of the requested range
    (outcome,) = result.outcomes
    assert outcome.provider == "stooq" and not outcome.failed
    assert outcome.errors == []
    assert outcome.rows == len(result.bars) == 21
    assert list(result.bars["date"]) == nyse_sessions("2020-01-02", "2020-01-31")
    assert set(result.bars["provider"]) == {"stooq"}
    assert set(result.bars["symbol"]) == {"SPY"}
    first = result.bars.iloc[0]
    assert (first["open"], first["close"], first["volume"]) == (299.028, 300.272, 64109741)
    assert_bar_schema(result.bars)
    assert result.actions.empty
    # AND only Stooq was asked, with the key in the query string
    assert len(mock.calls) == 1
    assert f"apikey={CANARY}" in mock.calls[0].request.url
    # AND the payload is archived (gzip) and referenced by every row
    ref = assert_archived(archive, result, body, "prices_stooq")
    assert ref.endswith("/daily_spy.us_2020-01-02_2020-01-31.csv.gz")
    # AND the archive index records the URL without the key
    (index_file,) = (archive.root / "prices_stooq").glob("*/index.jsonl")
    index = index_file.read_text()
    assert CANARY not in index
    assert "apikey=***" in json.loads(index.splitlines()[0])["url"]


def test_preferred_tiingo_daily_rows_are_loaded(mock, client, archive) -> None:
    # GIVEN GOOGL prefers Tiingo, which answers with the recorded daily JSON
    googl = equity("GOOGL", "tiingo|yahoo|stooq")
    start, end = date(2015, 1, 1), date(2015, 1, 5)
    request = tiingo.build_daily_request(tiingo.DEFAULT_BASE_URL, "GOOGL", start, end, TIINGO_KEY)
    body = tiingo_body("tiingo_daily_GOOGL_prices_2015-01-01_2015-01-05.json")
    register(mock, request, body)

    # WHEN fetched
    result = fetch_prices(client, [googl], start, end, settings())

    # THEN both sessions load from Tiingo with raw and adjusted prices
    (outcome,) = result.outcomes
    assert outcome.provider == "tiingo" and outcome.rows == 2
    assert list(result.bars["date"]) == list(pd.to_datetime(["2015-01-02", "2015-01-05"]))
    assert list(result.bars["close"]) == [529.55, 519.46]
    assert set(result.bars["provider"]) == {"tiingo"}
    assert_bar_schema(result.bars)
    # AND the key went in the Authorization header, never in the URL
    assert mock.calls[0].request.headers["Authorization"] == f"Token {TIINGO_KEY}"
    assert TIINGO_KEY not in mock.calls[0].request.url
    assert_archived(archive, result, body, "prices_tiingo")


def test_tiingo_crypto_loads_only_the_requested_ticker(mock, client, archive) -> None:
    # GIVEN BTC-USD prefers Tiingo, whose crypto payload holds btcusd and fldcbtc
    start, end = date(2019, 5, 1), date(2019, 5, 2)
    request = tiingo.build_crypto_request(tiingo.DEFAULT_BASE_URL, "btcusd", start, end, TIINGO_KEY)
    body = tiingo_body("tiingo_crypto_prices_btcusd_2019-05-01_2019-05-02.json")
    register(mock, request, body)

    # WHEN fetched
    result = fetch_prices(client, [bitcoin()], start, end, settings())

    # THEN only the two btcusd bars load
    (outcome,) = result.outcomes
    assert outcome.provider == "tiingo" and outcome.rows == 2
    assert list(result.bars["close"]) == pytest.approx([5420.0896708474575, 5545.697488248552])
    assert set(result.bars["symbol"]) == {"BTC-USD"}
    assert_archived(archive, result, body, "prices_tiingo")


def test_yahoo_actions_and_bars_outside_the_range_are_dropped(mock, client, archive) -> None:
    # GIVEN AAPL from Yahoo, answered with the recorded chart 2020-08-31 .. 2020-11-06
    aapl = equity("AAPL", "yahoo")
    body = yahoo_body("chart-AAPL-2020-08-31-to-2020-11-07.json")

    # WHEN the whole window is fetched
    full = yahoo.build_chart_request(
        yahoo.DEFAULT_BASE_URL, "AAPL", date(2020, 8, 31), date(2020, 11, 6)
    )
    register(mock, full, body)
    result = fetch_prices(client, [aapl], date(2020, 8, 31), date(2020, 11, 6), settings())

    # THEN the 4:1 split and the 0.205 dividend load with the bars, all on the same payload
    assert result.outcomes[0].rows == 49
    actions = result.actions
    assert list(actions["action_type"]) == ["split", "dividend"]
    assert list(actions["ex_date"]) == list(pd.to_datetime(["2020-08-31", "2020-11-06"]))
    assert actions["split_numerator"].iloc[0] == 4.0
    assert actions["dividend_amount"].iloc[1] == pytest.approx(0.205)
    ref = assert_archived(archive, result, body, "prices_yahoo")
    assert set(actions["payload_ref"]) == {ref}

    # WHEN a narrower range is fetched but Yahoo returns the same wider payload
    narrow = yahoo.build_chart_request(
        yahoo.DEFAULT_BASE_URL, "AAPL", date(2020, 9, 1), date(2020, 11, 5)
    )
    register(mock, narrow, body)
    result = fetch_prices(client, [aapl], date(2020, 9, 1), date(2020, 11, 5), settings())

    # THEN the bars and actions outside [start, end] are dropped
    assert result.outcomes[0].rows == len(result.bars) == 47
    assert result.bars["date"].min() == pd.Timestamp("2020-09-01")
    assert result.bars["date"].max() == pd.Timestamp("2020-11-05")
    assert result.actions.empty


def test_crypto_is_fetched_on_an_nyse_holiday_and_equities_are_not(mock, client) -> None:
    # GIVEN New Year's Day 2020 (no NYSE session), an equity and BTC-USD without a Tiingo key
    new_year = date(2020, 1, 1)
    request = yahoo.build_chart_request(yahoo.DEFAULT_BASE_URL, "BTC-USD", new_year, new_year)
    register(mock, request, yahoo_body("chart-BTC-USD-2020-01-01-to-2020-01-03.json"))
    qqq = equity("QQQ", "yahoo")

    # WHEN that day is fetched
    result = fetch_prices(client, [qqq, bitcoin()], new_year, new_year, settings(tiingo_key=None))

    # THEN only BTC-USD is attempted: Tiingo is skipped, Yahoo's UTC bar for the day loads
    (outcome,) = result.outcomes
    assert outcome.symbol == "BTC-USD"
    assert outcome.provider == "yahoo"
    assert outcome.errors == [f"tiingo: {SKIPPED}"]
    assert list(result.bars["date"]) == [pd.Timestamp("2020-01-01")]
    assert result.bars["close"].iloc[0] == pytest.approx(7200.17431640625)
    assert len(mock.calls) == 1


# ------------------------------------------------------------------------------------------
# Fallback and failure
# ------------------------------------------------------------------------------------------
def test_stooq_html_page_falls_back_and_the_error_hides_the_key(
    mock, client, archive, caplog
) -> None:
    # GIVEN QQQ prefers Stooq, which answers its no-key HTML page; Tiingo has no key; Yahoo works
    qqq = equity("QQQ", "stooq|tiingo|yahoo")
    start, end = date(2020, 1, 1), date(2020, 1, 2)
    stooq_request = stooq.build_daily_request(stooq.DEFAULT_BASE_URL, "qqq.us", start, end, CANARY)
    register(mock, stooq_request, STOOQ_HTML_PAGE, content_type="text/html; charset=utf-8")
    yahoo_request = yahoo.build_chart_request(yahoo.DEFAULT_BASE_URL, "QQQ", start, end)
    body = yahoo_body("chart-QQQ-2020-01-01-to-2020-01-03.json")
    register(mock, yahoo_request, body)

    # WHEN fetched
    with caplog.at_level(logging.DEBUG):
        result = fetch_prices(client, [qqq], start, end, settings(tiingo_key=None))

    # THEN the rows come from Yahoo
    (outcome,) = result.outcomes
    assert outcome.provider == "yahoo" and not outcome.failed and not outcome.transient
    assert outcome.rows == 1
    assert set(result.bars["provider"]) == {"yahoo"}
    assert result.bars["close"].iloc[0] == pytest.approx(216.16000366210938)
    assert result.bars["adj_close"].iloc[0] == pytest.approx(209.6380615234375)
    # AND the Stooq error says what arrived and names the URL with the key redacted
    stooq_error, tiingo_error = outcome.errors
    assert stooq_error.startswith("stooq: ")
    assert "HTML page" in stooq_error and "'Stooq'" in stooq_error
    url = re.search(r"\(url: (\S+)\)$", stooq_error).group(1)
    assert url.startswith("https://stooq.com/q/d/l/?s=qqq.us&i=d&d1=20200101&d2=20200102")
    assert url.endswith("apikey=***")
    assert tiingo_error == f"tiingo: {SKIPPED}"
    # AND the key (which was sent to Stooq) appears in no error, log line or archive
    assert f"apikey={CANARY}" in mock.calls[0].request.url
    assert CANARY not in every_text(result)
    assert CANARY not in caplog.text
    assert all(CANARY not in path.read_text() for path in archive.root.rglob("index.jsonl"))
    # AND only the Yahoo payload was archived
    assert not (archive.root / "prices_stooq").exists()
    assert_archived(archive, result, body, "prices_yahoo")
    assert len(mock.calls) == 2


def test_every_provider_failing_marks_the_symbol_failed(mock, client, archive) -> None:
    # GIVEN Stooq answers its HTML page and Yahoo a 404 for an unknown symbol
    gone = equity("GONE", "stooq|yahoo")
    start, end = date(2020, 1, 2), date(2020, 1, 3)
    register(
        mock,
        stooq.build_daily_request(stooq.DEFAULT_BASE_URL, "gone.us", start, end, CANARY),
        STOOQ_HTML_PAGE,
        content_type="text/html",
    )
    register(
        mock,
        yahoo.build_chart_request(yahoo.DEFAULT_BASE_URL, "GONE", start, end),
        YAHOO_NOT_FOUND,
        status=404,
    )

    # WHEN fetched
    result = fetch_prices(client, [gone], start, end, settings())

    # THEN the outcome is failed, with one error per provider and nothing loaded
    (outcome,) = result.outcomes
    assert outcome.failed and outcome.provider is None
    assert outcome.rows == 0 and outcome.payload_ref is None
    assert result.failures == [outcome]
    assert not outcome.transient
    stooq_error, yahoo_error = outcome.errors
    assert stooq_error.startswith("stooq: ") and "HTML page" in stooq_error
    assert yahoo_error.startswith("yahoo: ")
    assert "HTTP 404" in yahoo_error and "No data found, symbol may be delisted" in yahoo_error
    assert "https://query2.finance.yahoo.com/v8/finance/chart/GONE?" in yahoo_error
    assert CANARY not in every_text(result)
    assert result.bars.empty and result.actions.empty
    assert_bar_schema(result.bars)
    assert not archive.root.exists() or not any(archive.root.rglob("*.gz"))


def test_retryable_failures_mark_the_outcome_transient(mock, client, sleeps) -> None:
    # GIVEN Stooq keeps answering 503 and Yahoo answers 404
    gone = equity("GONE", "stooq|yahoo")
    start, end = date(2020, 1, 2), date(2020, 1, 3)
    register(
        mock,
        stooq.build_daily_request(stooq.DEFAULT_BASE_URL, "gone.us", start, end, CANARY),
        b"Service Unavailable",
        status=503,
        content_type="text/plain",
    )
    register(
        mock,
        yahoo.build_chart_request(yahoo.DEFAULT_BASE_URL, "GONE", start, end),
        YAHOO_NOT_FOUND,
        status=404,
    )

    # WHEN fetched (the client's sleep is a recorder, so no time passes)
    result = fetch_prices(client, [gone], start, end, settings())

    # THEN Stooq was retried, then abandoned; the failure is flagged as possibly passing
    (outcome,) = result.outcomes
    assert outcome.failed and outcome.transient
    assert "gave up after 5 attempts; last failure: HTTP 503" in outcome.errors[0]
    assert len(sleeps) == 4
    assert len(mock.calls) == 6  # 5 Stooq attempts + 1 Yahoo
    assert CANARY not in every_text(result)


def test_providers_without_a_key_are_skipped(mock, client, archive) -> None:
    # GIVEN no Stooq or Tiingo key, and QQQ preferring them over Yahoo
    qqq = equity("QQQ", "stooq|tiingo|yahoo")
    start, end = date(2020, 1, 1), date(2020, 1, 2)
    body = yahoo_body("chart-QQQ-2020-01-01-to-2020-01-03.json")
    register(mock, yahoo.build_chart_request(yahoo.DEFAULT_BASE_URL, "QQQ", start, end), body)

    # WHEN fetched
    result = fetch_prices(client, [qqq], start, end, settings(tiingo_key=None, stooq_key=None))

    # THEN neither keyed provider is asked at all, and Yahoo's row loads
    (outcome,) = result.outcomes
    assert outcome.errors == [f"stooq: {SKIPPED}", f"tiingo: {SKIPPED}"]
    assert outcome.provider == "yahoo" and outcome.rows == 1
    assert [call.request.url.split("?")[0] for call in mock.calls] == [
        "https://query2.finance.yahoo.com/v8/finance/chart/QQQ"
    ]
    assert_archived(archive, result, body, "prices_yahoo")


def test_a_provider_without_a_symbol_is_skipped(mock, client) -> None:
    # GIVEN an index with no Stooq symbol listed first
    spx = Instrument(
        symbol="^GSPC",
        name="S&P 500 Index",
        asset_class="index",
        role="index",
        sector=None,
        theme=None,
        calendar="XNYS",
        listed_on=date(1927, 12, 30),
        provider_symbols={"yahoo": "^GSPC"},
        provider_order=("stooq", "yahoo"),
    )
    start, end = date(2020, 1, 1), date(2020, 1, 2)
    # (the recorded QQQ body stands in for the chart; only the routing is under test here)
    register(
        mock,
        yahoo.build_chart_request(yahoo.DEFAULT_BASE_URL, "^GSPC", start, end),
        yahoo_body("chart-QQQ-2020-01-01-to-2020-01-03.json"),
    )

    result = fetch_prices(client, [spx], start, end, settings())

    (outcome,) = result.outcomes
    assert outcome.errors == [f"stooq: {SKIPPED}"]
    assert outcome.provider == "yahoo"
    assert mock.calls[0].request.url.startswith(
        "https://query2.finance.yahoo.com/v8/finance/chart/%5EGSPC?"
    )
    assert set(result.bars["symbol"]) == {"^GSPC"}
