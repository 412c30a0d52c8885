"""Stooq daily CSV: the per-symbol download endpoint and the bulk ``.us.txt`` files.

Wire facts: prices are back-adjusted for splits and dividends, so ``close`` is already the
adjusted close. Two headers exist: the endpoint's ``Date,Open,High,Low,Close,Volume`` (ISO
dates) and the bulk files' ``<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,...`` (``YYYYMMDD``). Without a
valid key the endpoint answers 200 with an HTML page, which must never parse as "no data".
"""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from orchestration.sources.prices import (
    ACTION_COLUMNS,
    PRICE_COLUMNS,
    PriceBatch,
    PriceParseError,
    PriceRequest,
    drop_repeated_days,
    empty_frame,
    frame_of_table,
    typed_table,
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
# Dates are read as text and parsed with the header's own format (never inferred); prices are
# read as doubles straight away (inferring their types was half of reading a one-day payload).
_READ_OPTIONS = pa_csv.ReadOptions(use_threads=False)
_CONVERT_OPTIONS = pa_csv.ConvertOptions(
    column_types={
        header: pa.string() if name == "date" else pa.float64()
        for header, name in (*_ENDPOINT_COLUMNS.items(), *_BULK_COLUMNS.items())
    }
)


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
    try:
        # Arrow's CSV reader: one parser for a one-day payload and a 30-year file alike, with a
        # fixed cost a tenth of pandas' (a nightly parses one payload per symbol).
        raw = pa_csv.read_csv(
            # a last line without its newline is still a line (a header-only answer, say)
            pa.BufferReader(text.encode("utf-8") if text.endswith("\n") else f"{text}\n".encode()),
            read_options=_READ_OPTIONS,
            convert_options=_CONVERT_OPTIONS,
        )
    except pa.ArrowInvalid as exc:
        problem = "unparseable value" if "conversion error" in str(exc) else "malformed CSV"
        raise PriceParseError(f"stooq {symbol}: {problem} ({exc})") from None
    if set(_BULK_COLUMNS) <= set(raw.column_names):
        names, date_format = _BULK_COLUMNS, "%Y%m%d"
    elif set(_ENDPOINT_COLUMNS) - {"Volume"} <= set(raw.column_names):
        names, date_format = _ENDPOINT_COLUMNS, "%Y-%m-%d"
    else:
        raise PriceParseError(f"stooq {symbol}: unknown CSV header {raw.column_names}")
    extra = sorted(set(raw.column_names) - {*names, "<TICKER>", "<PER>", "<TIME>", "<OPENINT>"})
    if extra:
        # Deliberately not loaded, but logged so that a change of Stooq's CSV is noticed.
        log.warning("stooq %s: ignoring unknown column(s) %s", symbol, extra)
    if raw.num_rows == 0:
        return PriceBatch.empty()
    present = set(raw.column_names)
    columns = {name: raw.column(header) for header, name in names.items() if header in present}
    try:
        dates = pc.strptime(columns.pop("date"), format=date_format, unit="s", error_is_null=False)
        if dates.null_count:
            raise ValueError(f"{dates.null_count} empty date(s)")
    except (pa.ArrowInvalid, ValueError) as exc:
        raise PriceParseError(f"stooq {symbol}: unparseable value ({exc})") from None
    length = raw.num_rows

    def constant(value: str) -> pa.Array:
        return pa.repeat(pa.scalar(value, pa.string()), length)

    bars: pd.DataFrame | pa.Table = typed_table(
        {
            "symbol": constant(symbol),
            "date": dates,
            "provider": constant(PROVIDER),
            **columns,
            # Stooq back-adjusts everything, so the adjusted columns are the columns themselves.
            **{f"adj_{column}": values for column, values in columns.items()},
            "close_adjustment": constant("split_dividend"),
        },
        PRICE_COLUMNS,
        length,
    )
    days = pc.cast(dates, pa.int64()).to_numpy()
    if not (days[1:] > days[:-1]).all():  # the usual file is strictly ascending: nothing to do
        bars = drop_repeated_days(frame_of_table(bars), f"stooq {symbol}")
        if not bars["date"].is_monotonic_increasing:
            bars = bars.sort_values("date", ignore_index=True)
    return PriceBatch(bars=bars, actions=empty_frame(ACTION_COLUMNS))
