"""Tiingo end-of-day prices (JSON or CSV) and crypto prices (key required).

Wire facts: daily rows carry RAW open/high/low/close/volume plus split- and dividend-adjusted
``adj*`` columns, ``divCash`` on the ex-date and ``splitFactor`` (1.0 unless a split took
effect that day). Dates are exchange dates at midnight UTC. Crypto prices come as one object
per ticker with ``priceData`` in UTC days, weekends included. The key travels in the
``Authorization`` header, never in the URL.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import date

import pandas as pd

from orchestration.sources.prices import (
    ACTION_COLUMNS,
    PRICE_COLUMNS,
    PriceBatch,
    PriceParseError,
    PriceRequest,
    conform,
    drop_repeated_days,
    empty_frame,
)

log = logging.getLogger(__name__)

PROVIDER = "tiingo"
DEFAULT_BASE_URL = "https://api.tiingo.com"

_DAILY_FIELDS = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "adjOpen": "adj_open",
    "adjHigh": "adj_high",
    "adjLow": "adj_low",
    "adjClose": "adj_close",
    "adjVolume": "adj_volume",
    "divCash": "div_cash",
    "splitFactor": "split_factor",
}


def _auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Token {api_key}"}


def build_daily_request(
    base_url: str, ticker: str, start: date, end: date, api_key: str
) -> PriceRequest:
    return PriceRequest(
        provider=PROVIDER,
        url=f"{base_url.rstrip('/')}/tiingo/daily/{ticker.lower()}/prices",
        params={"startDate": start.isoformat(), "endDate": end.isoformat(), "format": "json"},
        headers=_auth(api_key),
        expect="json",
        archive_name=f"daily_{ticker}_{start}_{end}.json",
    )


def build_crypto_request(
    base_url: str, ticker: str, start: date, end: date, api_key: str
) -> PriceRequest:
    return PriceRequest(
        provider=PROVIDER,
        url=f"{base_url.rstrip('/')}/tiingo/crypto/prices",
        params={
            "tickers": ticker.lower(),
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "resampleFreq": "1day",
        },
        headers=_auth(api_key),
        expect="json",
        archive_name=f"crypto_{ticker}_{start}_{end}.json",
    )


def parse_daily_json(body: bytes | str | list, symbol: str) -> PriceBatch:
    rows = json.loads(body) if isinstance(body, bytes | str) else body
    if not isinstance(rows, list):
        raise PriceParseError(
            f"tiingo {symbol}: expected a JSON list of daily rows, got {type(rows).__name__}"
        )
    return _daily_frame(pd.DataFrame(rows), symbol)


def parse_daily_csv(body: bytes | str, symbol: str) -> PriceBatch:
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    return _daily_frame(pd.read_csv(io.StringIO(text)), symbol)


def _daily_frame(raw: pd.DataFrame, symbol: str) -> PriceBatch:
    missing = sorted({"date", *_DAILY_FIELDS} - set(raw.columns))
    # A JSON empty list has no columns at all and is a genuine empty range; anything else
    # must carry the documented columns even when it has no rows.
    if raw.empty and raw.columns.empty:
        return PriceBatch.empty()
    if missing:
        raise PriceParseError(f"tiingo {symbol}: daily rows lack columns {missing}")
    if raw.empty:
        return PriceBatch.empty()
    extra = sorted(set(raw.columns) - {"date", *_DAILY_FIELDS})
    if extra:
        # Deliberately not loaded (the raw table has the documented columns), but logged so
        # that a change of Tiingo's schema is noticed.
        log.warning("tiingo %s: ignoring unknown column(s) %s", symbol, extra)
    frame = raw.rename(columns=_DAILY_FIELDS)
    frame["date"] = _utc_dates(frame["date"], symbol)
    frame["symbol"] = symbol
    frame["provider"] = PROVIDER
    frame["close_adjustment"] = "none"
    frame = drop_repeated_days(frame.sort_values("date"), f"tiingo {symbol}")
    bars = conform(frame, PRICE_COLUMNS)

    dividends = frame[frame["div_cash"].fillna(0) > 0].assign(
        action_type="dividend", dividend_amount=lambda f: f["div_cash"]
    )
    splits = frame[frame["split_factor"].fillna(1.0) != 1.0].assign(
        action_type="split",
        split_numerator=lambda f: f["split_factor"],
        split_denominator=1.0,
    )
    actions = pd.concat([splits, dividends]).rename(columns={"date": "ex_date"})
    return PriceBatch(bars=bars, actions=conform(actions, ACTION_COLUMNS))


def parse_crypto_json(body: bytes | str | list, symbol: str, ticker: str) -> PriceBatch:
    """Bars of ``ticker`` (e.g. ``btcusd``) from a crypto payload, which may hold several tickers."""
    document = json.loads(body) if isinstance(body, bytes | str) else body
    if not isinstance(document, list):
        raise PriceParseError(
            f"tiingo crypto {symbol}: expected a JSON list, got {type(document).__name__}"
        )
    matches = [item for item in document if str(item.get("ticker", "")).lower() == ticker.lower()]
    if not matches:
        return PriceBatch.empty()
    if len(matches) > 1:
        raise PriceParseError(
            f"tiingo crypto {symbol}: ticker {ticker!r} appears {len(matches)} times"
        )
    prices = pd.DataFrame(matches[0].get("priceData") or [])
    if prices.empty:
        return PriceBatch.empty()
    missing = sorted({"date", "open", "high", "low", "close", "volume"} - set(prices.columns))
    if missing:
        raise PriceParseError(f"tiingo crypto {symbol}: priceData lacks {missing}")
    prices["date"] = _utc_dates(prices["date"], symbol)
    prices["adj_close"] = prices["close"]
    prices["symbol"] = symbol
    prices["provider"] = PROVIDER
    prices["close_adjustment"] = "none"
    prices = drop_repeated_days(prices, f"tiingo crypto {symbol}")
    return PriceBatch(
        bars=conform(prices.sort_values("date"), PRICE_COLUMNS), actions=empty_frame(ACTION_COLUMNS)
    )


def _utc_dates(values: pd.Series, symbol: str) -> pd.Series:
    try:
        stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise PriceParseError(f"tiingo {symbol}: unparseable date ({exc})") from None
    return stamps.dt.tz_localize(None).dt.normalize().astype("datetime64[s]")
