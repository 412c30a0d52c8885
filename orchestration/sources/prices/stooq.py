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
    PRICE_COLUMNS,
    PriceBatch,
    PriceParseError,
    PriceRequest,
    conform,
    drop_repeated_days,
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
        frame = raw.rename(columns=_BULK_COLUMNS)
        date_format = "%Y%m%d"
    elif set(_ENDPOINT_COLUMNS) - {"Volume"} <= set(raw.columns):
        frame = raw.rename(columns=_ENDPOINT_COLUMNS)
        date_format = "%Y-%m-%d"
    else:
        raise PriceParseError(f"stooq {symbol}: unknown CSV header {list(raw.columns)}")
    extra = sorted(
        set(frame.columns) - {*_BULK_COLUMNS.values(), "<TICKER>", "<PER>", "<TIME>", "<OPENINT>"}
    )
    if extra:
        # Deliberately not loaded, but logged so that a change of Stooq's CSV is noticed.
        log.warning("stooq %s: ignoring unknown column(s) %s", symbol, extra)
    if frame.empty:
        return PriceBatch.empty()
    try:
        frame["date"] = pd.to_datetime(frame["date"], format=date_format).astype("datetime64[s]")
        for column in ("open", "high", "low", "close", "volume"):
            if column in frame:
                frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
    except (ValueError, TypeError) as exc:
        raise PriceParseError(f"stooq {symbol}: unparseable value ({exc})") from None
    # Stooq back-adjusts everything, so the adjusted columns are the columns themselves.
    for column in ("open", "high", "low", "close", "volume"):
        if column in frame:
            frame[f"adj_{column}"] = frame[column]
    frame["symbol"] = symbol
    frame["provider"] = PROVIDER
    frame["close_adjustment"] = "split_dividend"
    frame = drop_repeated_days(frame, f"stooq {symbol}")
    return PriceBatch(
        bars=conform(frame.sort_values("date"), PRICE_COLUMNS), actions=PriceBatch.empty().actions
    )
