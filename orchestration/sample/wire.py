"""Render the SYNTHETIC sample market in the providers' real wire formats.

Pure functions: (provider symbol, date range, market, as-of date) -> status, body, content type.
The shapes follow the recorded payloads in the shared fixtures (Yahoo chart v8, Tiingo daily and
crypto JSON, Stooq's per-symbol CSV) so the project's real parsers run on them unchanged.

Independence rule: this module writes the formats from scratch and never imports the project's
parsers (``orchestration.sources``); a parser bug must not be able to hide behind a matching
serializer bug.

``as_of`` is the day the provider is asked. A provider adjusts history only for the splits and
dividends it already knows about, so adjusted columns are relative to ``as_of``, and no bar
after it is ever rendered. It defaults to ``end``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from fractions import Fraction
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from orchestration.sample.market import Instrument, SampleMarket

NEW_YORK = ZoneInfo("America/New_York")

YAHOO_JSON = "application/json;charset=utf-8"
TIINGO_JSON = "application/json"
STOOQ_CSV = "text/csv"
HTML = "text/html; charset=UTF-8"
TEXT = "text/plain; charset=utf-8"

_STOOQ_HEADER = "Date,Open,High,Low,Close,Volume"
# Stooq serves CSV with CRLF line ends, like its bulk files.
_CRLF = "\r\n"


class WireResponse(NamedTuple):
    status: int
    body: bytes
    content_type: str


def _json(status: int, document: object, content_type: str) -> WireResponse:
    # Compact separators: the real APIs send no whitespace.
    return WireResponse(status, json.dumps(document, separators=(",", ":")).encode(), content_type)


# --------------------------------------------------------------------------------------------
# Yahoo chart v8
# --------------------------------------------------------------------------------------------

_YAHOO_NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}
_YAHOO_VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]
_INSTRUMENT_TYPES = {
    "etf": "ETF",
    "equity": "EQUITY",
    "index": "INDEX",
    "crypto": "CRYPTOCURRENCY",
}
# Yahoo's exchange codes: (exchangeName, fullExchangeName).
_NASDAQ = ("NMS", "NasdaqGS")
_EXCHANGES: dict[str, tuple[str, str]] = {
    "QQQ": ("NGM", "NasdaqGM"),
    "^GSPC": ("SNP", "SNP"),
    "^DJI": ("DJI", "DJI"),
    "^IXIC": ("NIM", "Nasdaq GIDS"),
    "^RUT": ("WCB", "Chicago Options"),
    **{s: _NASDAQ for s in ("MSFT", "AMZN", "GOOGL", "META", "NVDA", "AVGO", "CRWV", "ZS", "CEG")},
}
_DEFAULT_EXCHANGES = {
    "etf": ("PCX", "NYSEArca"),
    "equity": ("NYQ", "NYSE"),
    "index": ("SNP", "SNP"),
    "crypto": ("CCC", "CCC"),
}


def yahoo_error(status: int, code: str, description: str) -> WireResponse:
    return _json(
        status,
        {"chart": {"result": None, "error": {"code": code, "description": description}}},
        YAHOO_JSON,
    )


def _f32(values) -> list[float]:
    """Yahoo stores quotes as float32, so its JSON carries e.g. 216.16000366210938."""
    return np.asarray(values, dtype=np.float32).astype(np.float64).tolist()


def _midnight_epochs(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[D]").astype(np.int64) * 86_400


def yahoo_timestamps(inst: Instrument, dates: np.ndarray, market: SampleMarket) -> np.ndarray:
    """Yahoo's daily timestamps: the session open in UTC (crypto: 00:00 UTC of the day)."""
    days = np.asarray(dates, dtype="datetime64[D]")
    if inst.is_crypto:
        return _midnight_epochs(days)
    return market.open_epochs(days)


def _trading_period(inst: Instrument, day: date, market: SampleMarket) -> dict:
    if inst.is_crypto:
        start = int(_midnight_epochs(np.array([day], dtype="datetime64[D]"))[0])
        zone = {"timezone": "UTC", "gmtoffset": 0}
        return {
            "pre": {**zone, "start": start, "end": start},
            "regular": {**zone, "start": start, "end": start + 86_340},
            "post": {**zone, "start": start + 86_340, "end": start + 86_340},
        }
    days = np.array([day], dtype="datetime64[D]")
    opens, closes = int(market.open_epochs(days)[0]), int(market.close_epochs(days)[0])
    local = datetime.fromtimestamp(opens, NEW_YORK)
    zone = {"timezone": local.tzname(), "gmtoffset": int(local.utcoffset().total_seconds())}
    return {
        "pre": {**zone, "start": opens - 19_800, "end": opens},
        "regular": {**zone, "start": opens, "end": closes},
        "post": {**zone, "start": closes, "end": closes + 14_400},
    }


def _yahoo_meta(
    inst: Instrument, known: pd.DataFrame, previous_close: float | None, market: SampleMarket
) -> dict:
    """The chart meta block as Yahoo sends it, describing the instrument as of the last bar."""
    exchange, full_exchange = _EXCHANGES.get(
        inst.symbol, _DEFAULT_EXCHANGES.get(inst.asset_class, ("NYQ", "NYSE"))
    )
    if inst.is_crypto:
        zone_name, tz_abbrev, gmtoffset = "UTC", "UTC", 0
        first_trade = int(datetime.combine(inst.listed_on, time(0), UTC).timestamp())
    else:
        zone_name = "America/New_York"
        listing_open = datetime.combine(inst.listed_on, time(9, 30), NEW_YORK)
        first_trade = int(listing_open.timestamp())
    meta: dict = {
        "currency": "USD",
        "symbol": inst.yahoo_symbol,
        "exchangeName": exchange,
        "fullExchangeName": full_exchange,
        "instrumentType": _INSTRUMENT_TYPES.get(inst.asset_class, "EQUITY"),
        "firstTradeDate": first_trade,
    }
    last = known.iloc[-1]
    last_day = last["date"].date()
    if not inst.is_crypto:
        close_epoch = int(market.close_epochs(np.array([last_day], dtype="datetime64[D]"))[0])
        local = datetime.fromtimestamp(close_epoch, NEW_YORK)
        tz_abbrev, gmtoffset = local.tzname(), int(local.utcoffset().total_seconds())
        market_time = close_epoch
    else:
        market_time = int(_midnight_epochs(np.array([last_day], dtype="datetime64[D]"))[0]) + 86_340
    year = known.iloc[-252:]
    split = year["split_adj"]
    meta |= {
        "regularMarketTime": market_time,
        "hasPrePostMarketData": inst.asset_class in ("etf", "equity"),
        "gmtoffset": gmtoffset,
        "timezone": tz_abbrev,
        "exchangeTimezoneName": zone_name,
        "regularMarketPrice": round(float(last["close"] * last["split_adj"]), 3),
        "fiftyTwoWeekHigh": round(float((year["high"] * split).max()), 3),
        "fiftyTwoWeekLow": round(float((year["low"] * split).min()), 3),
        "regularMarketDayHigh": round(float(last["high"] * last["split_adj"]), 3),
        "regularMarketDayLow": round(float(last["low"] * last["split_adj"]), 3),
        "regularMarketVolume": int(
            last["volume"] * last["close"] if inst.is_crypto else last["volume"] / last["split_adj"]
        ),
        "longName": inst.name,
        "shortName": inst.name,
    }
    if previous_close is not None:
        meta["chartPreviousClose"] = round(previous_close, 3)
    meta |= {
        "priceHint": 2,
        "currentTradingPeriod": _trading_period(inst, last_day, market),
        "dataGranularity": "1d",
        "range": "",
        "validRanges": _YAHOO_VALID_RANGES,
    }
    return meta


def yahoo_chart(
    yahoo_symbol: str,
    start: date,
    end: date,
    market: SampleMarket,
    *,
    as_of: date | None = None,
    events: tuple[str, ...] = ("div", "split"),
) -> WireResponse:
    """``/v8/finance/chart/{symbol}`` with daily bars dated start..end inclusive."""
    as_of = end if as_of is None else as_of
    symbol = market.symbol_for("yahoo", yahoo_symbol)
    if symbol is None:
        return _json(404, _YAHOO_NOT_FOUND, YAHOO_JSON)
    known = market.history(symbol, None, as_of, as_of)
    if known.empty:  # not listed yet on the day asked
        return _json(404, _YAHOO_NOT_FOUND, YAHOO_JSON)
    inst = market.instruments[symbol]
    dates = known["date"].to_numpy()
    lo = int(np.searchsorted(dates, np.datetime64(start), side="left"))
    hi = int(np.searchsorted(dates, np.datetime64(min(end, as_of)), side="right"))
    bars = known.iloc[lo:hi]
    previous = known.iloc[lo - 1] if lo > 0 else (bars.iloc[0] if len(bars) else None)
    previous_close = None if previous is None else float(previous["close"] * previous["split_adj"])

    result: dict = {"meta": _yahoo_meta(inst, known, previous_close, market)}
    if bars.empty:
        # What Yahoo sends for a range without bars: no timestamps, one empty quote.
        result["indicators"] = {"quote": [{}]}
        return _json(200, {"chart": {"result": [result], "error": None}}, YAHOO_JSON)

    stamps = yahoo_timestamps(inst, bars["date"].to_numpy(), market)
    split = bars["split_adj"].to_numpy()
    total = bars["total_adj"].to_numpy()
    raw_volume = bars["volume"].to_numpy()
    close = bars["close"].to_numpy()
    if inst.is_crypto:
        # Yahoo's crypto volume is the USD value traded, not coins.
        volume = np.rint(raw_volume * close).astype(np.int64).tolist()
    else:
        volume = np.rint(raw_volume / split).astype(np.int64).tolist()

    result["timestamp"] = stamps.tolist()
    event_block = _yahoo_events(bars, stamps, events)
    if event_block:
        result["events"] = event_block
    result["indicators"] = {
        "quote": [
            {
                "open": _f32(bars["open"].to_numpy() * split),
                "high": _f32(bars["high"].to_numpy() * split),
                "low": _f32(bars["low"].to_numpy() * split),
                "close": _f32(close * split),
                "volume": volume,
            }
        ],
        "adjclose": [{"adjclose": _f32(close * total)}],
    }
    return _json(200, {"chart": {"result": [result], "error": None}}, YAHOO_JSON)


def _yahoo_events(bars: pd.DataFrame, stamps: np.ndarray, events: tuple[str, ...]) -> dict:
    block: dict = {}
    if "div" in events:
        rows = np.flatnonzero(bars["dividend"].to_numpy() > 0)
        if len(rows):
            amounts = bars["dividend"].to_numpy()[rows] * bars["split_adj"].to_numpy()[rows]
            block["dividends"] = {
                str(int(stamps[i])): {"amount": round(float(a), 6), "date": int(stamps[i])}
                for i, a in zip(rows, amounts, strict=True)
            }
    if "split" in events:
        rows = np.flatnonzero(bars["split_ratio"].to_numpy() != 1.0)
        if len(rows):
            block["splits"] = {}
            for i in rows:
                ratio = Fraction(float(bars["split_ratio"].iat[i])).limit_denominator(1000)
                block["splits"][str(int(stamps[i]))] = {
                    "date": int(stamps[i]),
                    "numerator": ratio.numerator,
                    "denominator": ratio.denominator,
                    "splitRatio": f"{ratio.numerator}:{ratio.denominator}",
                }
    return block


def yahoo_chart_for_period(
    yahoo_symbol: str,
    period1: int,
    period2: int,
    market: SampleMarket,
    *,
    as_of: date,
    events: tuple[str, ...] = ("div", "split"),
) -> WireResponse:
    """The chart for bars whose timestamp t satisfies period1 <= t < period2 (epoch seconds)."""
    symbol = market.symbol_for("yahoo", yahoo_symbol)
    if symbol is None:
        return _json(404, _YAHOO_NOT_FOUND, YAHOO_JSON)
    inst = market.instruments[symbol]
    dates = market.frame(symbol)["date"].to_numpy().astype("datetime64[D]")
    stamps = yahoo_timestamps(inst, dates, market)
    lo = int(np.searchsorted(stamps, period1, side="left"))
    hi = int(np.searchsorted(stamps, period2, side="left"))
    if lo < hi:
        start, end = dates[lo].item(), dates[hi - 1].item()
    else:
        # No bar in the window: an empty range still answers with the meta block.
        start, end = date.max, date.min
    return yahoo_chart(yahoo_symbol, start, end, market, as_of=as_of, events=events)


# --------------------------------------------------------------------------------------------
# Tiingo
# --------------------------------------------------------------------------------------------


def tiingo_error(status: int, detail: str) -> WireResponse:
    return _json(status, {"detail": detail}, TIINGO_JSON)


def tiingo_unauthorized() -> WireResponse:
    return tiingo_error(401, "Please supply a token")


def tiingo_daily(
    ticker: str,
    start: date | None,
    end: date,
    market: SampleMarket,
    *,
    as_of: date | None = None,
) -> WireResponse:
    """``/tiingo/daily/{ticker}/prices``: raw OHLCV plus split- and dividend-adjusted columns.

    ``start=None`` is Tiingo's behaviour without ``startDate``: only the latest bar.
    """
    as_of = end if as_of is None else as_of
    symbol = market.symbol_for("tiingo", ticker)
    if symbol is None or market.instruments[symbol].is_crypto:
        return tiingo_error(404, f"Error: Ticker '{ticker}' not found")
    known = market.history(symbol, None, as_of, as_of)
    if known.empty:
        return tiingo_error(404, f"Error: Ticker '{ticker}' not found")
    bars = known.iloc[-1:] if start is None else market.history(symbol, start, end, as_of)
    split = bars["split_adj"].to_numpy()
    total = bars["total_adj"].to_numpy()
    rows = []
    for i, (day, o, h, low, c, v, div, ratio) in enumerate(
        bars[
            ["date", "open", "high", "low", "close", "volume", "dividend", "split_ratio"]
        ].itertuples(index=False, name=None)
    ):
        f = total[i]
        rows.append(
            {
                "date": f"{day:%Y-%m-%d}T00:00:00.000Z",
                "close": float(c),
                "high": float(h),
                "low": float(low),
                "open": float(o),
                "volume": int(v),
                "adjClose": round(float(c * f), 6),
                "adjHigh": round(float(h * f), 6),
                "adjLow": round(float(low * f), 6),
                "adjOpen": round(float(o * f), 6),
                "adjVolume": int(round(v / split[i])),
                "divCash": float(div),
                "splitFactor": float(ratio),
            }
        )
    return _json(200, rows, TIINGO_JSON)


def tiingo_crypto(
    tickers: list[str],
    start: date | None,
    end: date,
    market: SampleMarket,
    *,
    as_of: date | None = None,
) -> WireResponse:
    """``/tiingo/crypto/prices``: one object per known ticker with UTC daily ``priceData``.

    Unknown tickers are left out (Tiingo answers ``[]`` rather than an error for them).
    """
    as_of = end if as_of is None else as_of
    document = []
    for ticker in tickers:
        symbol = market.symbol_for("tiingo", ticker)
        if symbol is None or not market.instruments[symbol].is_crypto:
            continue
        bars = market.history(symbol, start, end, as_of)
        if start is None:
            bars = bars.iloc[-1:]
        price_data = []
        for day, o, h, low, c, v in bars[
            ["date", "open", "high", "low", "close", "volume"]
        ].itertuples(index=False, name=None):
            notional = float(v * c)
            # Key order as Tiingo sends it.
            price_data.append(
                {
                    "volume": float(v),
                    "date": f"{day:%Y-%m-%d}T00:00:00+00:00",
                    "volumeNotional": notional,
                    "close": float(c),
                    "open": float(o),
                    "low": float(low),
                    # About 700 USD per trade, the order of magnitude of the real feed.
                    "tradesDone": int(round(notional / 700.0)),
                    "high": float(h),
                }
            )
        code = ticker.lower()
        document.append(
            {
                "ticker": code,
                "baseCurrency": code[:-3],
                "quoteCurrency": code[-3:],
                "priceData": price_data,
            }
        )
    return _json(200, document, TIINGO_JSON)


# --------------------------------------------------------------------------------------------
# Stooq
# --------------------------------------------------------------------------------------------

_STOOQ_KEY_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Stooq - API key required</title></head><body>
<h1>Stooq</h1>
<p>Historical data downloads require an API key. Add <code>&amp;apikey=YOUR_KEY</code> to the
request; keys are issued on the website after signing in.</p>
</body></html>
"""


def stooq_key_page() -> WireResponse:
    """What the live endpoint answers without a valid key: HTTP 200 and an HTML page."""
    return WireResponse(200, _STOOQ_KEY_PAGE.encode(), HTML)


def _six_significant(value: float) -> str:
    # Stooq prints six significant digits and no trailing zeros: 745, 749.435, 8.14276.
    return np.format_float_positional(value, precision=6, unique=False, fractional=False, trim="-")


def stooq_csv(
    stooq_symbol: str,
    start: date | None,
    end: date,
    market: SampleMarket,
    *,
    as_of: date | None = None,
) -> WireResponse:
    """``/q/d/l/?s=...&i=d``: back-adjusted (splits and dividends) daily bars as CSV."""
    as_of = end if as_of is None else as_of
    symbol = market.symbol_for("stooq", stooq_symbol)
    if symbol is None or market.history(symbol, None, as_of, as_of).empty:
        return WireResponse(200, b"No data", TEXT)
    bars = market.history(symbol, start, end, as_of)
    total = bars["total_adj"].to_numpy()
    volume = np.rint(bars["volume"].to_numpy() / bars["split_adj"].to_numpy()).astype(np.int64)
    prices = {c: bars[c].to_numpy() * total for c in ("open", "high", "low", "close")}
    lines = [_STOOQ_HEADER]
    for i, day in enumerate(bars["date"]):
        fields = [_six_significant(prices[c][i]) for c in ("open", "high", "low", "close")]
        lines.append(f"{day:%Y-%m-%d},{','.join(fields)},{volume[i]}")
    return WireResponse(200, (_CRLF.join(lines) + _CRLF).encode(), STOOQ_CSV)
