"""Stooq daily CSV: the per-symbol download endpoint and the bulk ``.us.txt`` files.

Wire facts: prices are back-adjusted for splits and dividends, so ``close`` is already the
adjusted close. Two headers exist: the endpoint's ``Date,Open,High,Low,Close,Volume`` (ISO
dates) and the bulk files' ``<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,...`` (``YYYYMMDD``). Without a
valid key the endpoint answers 200 with an HTML page, which must never parse as "no data".
"""

from __future__ import annotations

import io
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

PROVIDER = "stooq"
DEFAULT_BASE_URL = "https://stooq.com"

_ENDPOINT_COLUMNS = {
    "Date": "date",
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Volume": "volume",
}
_BULK_COLUMNS = {
    "<DATE>": "date",
    "<OPEN>": "open",
    "<HIGH>": "high",
    "<LOW>": "low",
    "<CLOSE>": "close",
    "<VOL>": "volume",
}


def build_daily_request(
    base_url: str, stooq_symbol: str, start: date, end: date, api_key: str
) -> PriceRequest:
    return PriceRequest(
        provider=PROVIDER,
        url=f"{base_url.rstrip('/')}/q/d/l/",
        params={
            "s": stooq_symbol.lower(),
            "i": "d",
            "d1": start.strftime("%Y%m%d"),
            "d2": end.strftime("%Y%m%d"),
            "apikey": api_key,
        },
        expect="csv",
        archive_name=f"daily_{stooq_symbol}_{start}_{end}.csv",
    )


def parse_daily_csv(body: bytes | str, symbol: str) -> PriceBatch:
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    head = text.lstrip()[:200].lower()
    if head.startswith("<!doctype") or head.startswith("<html"):
        raise PriceParseError(
            f"stooq {symbol}: received an HTML page instead of CSV (missing or invalid API key?)"
        )
    if not head or head.startswith("no data"):
        return PriceBatch.empty()
    raw = pd.read_csv(io.StringIO(text), dtype={"<DATE>": str, "Date": str})
    if set(_BULK_COLUMNS) <= set(raw.columns):
        names, date_format = _BULK_COLUMNS, "%Y%m%d"
    elif set(_ENDPOINT_COLUMNS) - {"Volume"} <= set(raw.columns):
        names, date_format = _ENDPOINT_COLUMNS, "%Y-%m-%d"
    else:
        raise PriceParseError(f"stooq {symbol}: unknown CSV header {list(raw.columns)}")
    extra = sorted(set(raw.columns) - {*names, "<TICKER>", "<PER>", "<TIME>", "<OPENINT>"})
    if extra:
        # Deliberately not loaded, but logged so that a change of Stooq's CSV is noticed.
        log.warning("stooq %s: ignoring unknown column(s) %s", symbol, extra)
    if raw.empty:
        return PriceBatch.empty()
    columns = {name: raw[header] for header, name in names.items() if header in raw}
    try:
        dates = pd.to_datetime(columns.pop("date"), format=date_format).astype("datetime64[s]")
        prices = {
            column: pd.to_numeric(values, errors="raise").astype("float64")
            for column, values in columns.items()
        }
    except (ValueError, TypeError) as exc:
        raise PriceParseError(f"stooq {symbol}: unparseable value ({exc})") from None
    bars = pd.DataFrame(
        {
            "symbol": symbol,
            "date": dates,
            "provider": PROVIDER,
            **prices,
            # Stooq back-adjusts everything, so the adjusted columns are the columns themselves.
            **{f"adj_{column}": values for column, values in prices.items()},
            "close_adjustment": "split_dividend",
        }
    )
    bars = drop_repeated_days(bars, f"stooq {symbol}")
    if not bars["date"].is_monotonic_increasing:
        bars = bars.sort_values("date")
    return PriceBatch(bars=conform(bars, PRICE_COLUMNS), actions=empty_frame(ACTION_COLUMNS))
