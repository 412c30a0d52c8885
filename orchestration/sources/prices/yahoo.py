"""Yahoo Finance chart API v8 (no key; best effort).

Wire facts: daily timestamps are the session OPEN in UTC seconds, so the trading date is the
timestamp converted to ``meta.exchangeTimezoneName`` (crypto uses UTC and trades weekends).
``close`` is split-adjusted, ``adjclose`` split- and dividend-adjusted. Splits and dividends
arrive in ``events`` keyed by the ex-date's timestamp. Unknown symbols answer 404 with
``chart.error``; a range without bars has no ``timestamp`` key.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote

import pandas as pd

from orchestration.sources.prices import (
    ACTION_COLUMNS,
    PRICE_COLUMNS,
    PriceBatch,
    PriceParseError,
    PriceRequest,
    conform,
)

PROVIDER = "yahoo"
DEFAULT_BASE_URL = "https://query2.finance.yahoo.com"


def build_chart_request(base_url: str, yahoo_symbol: str, start: date, end: date) -> PriceRequest:
    """Daily bars for ``start``..``end`` inclusive (period2 is exclusive, so end + 1 day)."""
    period1 = int(datetime.combine(start, time(0), tzinfo=UTC).timestamp())
    period2 = int(datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC).timestamp())
    return PriceRequest(
        provider=PROVIDER,
        url=f"{base_url.rstrip('/')}/v8/finance/chart/{quote(yahoo_symbol, safe='')}",
        params={
            "period1": str(period1),
            "period2": str(period2),
            "interval": "1d",
            "events": "div|split",
            "includePrePost": "false",
        },
        expect="json",
        archive_name=f"chart_{yahoo_symbol}_{start}_{end}.json",
    )


def parse_chart(body: bytes | str | dict, symbol: str) -> PriceBatch:
    """Parse a chart v8 body into daily bars and corporate actions for ``symbol``."""
    document = json.loads(body) if isinstance(body, bytes | str) else body
    try:
        chart = document["chart"]
    except (KeyError, TypeError):
        raise PriceParseError(f"yahoo {symbol}: no 'chart' object in payload") from None
    if chart.get("error"):
        error = chart["error"]
        raise PriceParseError(f"yahoo {symbol}: {error.get('code')}: {error.get('description')}")
    results = chart.get("result") or []
    if len(results) != 1:
        raise PriceParseError(f"yahoo {symbol}: expected one chart result, got {len(results)}")
    result = results[0]
    meta = result.get("meta") or {}
    timezone = meta.get("exchangeTimezoneName")
    if not timezone:
        raise PriceParseError(f"yahoo {symbol}: meta.exchangeTimezoneName missing")
    timestamps = result.get("timestamp") or []
    if not timestamps:
        return PriceBatch.empty()

    quotes = (result.get("indicators") or {}).get("quote") or [{}]
    quote_block = quotes[0]
    adjclose_blocks = (result.get("indicators") or {}).get("adjclose") or [{}]
    columns = {
        "open": quote_block.get("open"),
        "high": quote_block.get("high"),
        "low": quote_block.get("low"),
        "close": quote_block.get("close"),
        "volume": quote_block.get("volume"),
        "adj_close": adjclose_blocks[0].get("adjclose", quote_block.get("close")),
    }
    for name, values in columns.items():
        if values is None or len(values) != len(timestamps):
            got = "missing" if values is None else f"{len(values)} values"
            raise PriceParseError(
                f"yahoo {symbol}: indicator '{name}' is {got} for {len(timestamps)} timestamps"
            )

    frame = pd.DataFrame(columns, dtype="float64")
    frame["date"] = _trading_dates(timestamps, timezone)
    # Yahoo pads gaps (halts, the still-open day) with null bars: they carry no price.
    frame = frame[frame["close"].notna()]
    # An intraday "today" bar can share a date with the final session bar; keep the last.
    frame = frame.drop_duplicates(subset="date", keep="last")
    frame["symbol"] = symbol
    frame["provider"] = PROVIDER
    frame["close_adjustment"] = "split"
    return PriceBatch(
        bars=conform(frame, PRICE_COLUMNS),
        actions=_parse_events(result.get("events") or {}, symbol, timezone),
    )


def _trading_dates(timestamps: list[int], timezone: str) -> pd.Series:
    local = pd.to_datetime(pd.Series(timestamps, dtype="int64"), unit="s", utc=True)
    return local.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize().astype("datetime64[s]")


def _parse_events(events: dict, symbol: str, timezone: str) -> pd.DataFrame:
    rows = []
    for item in (events.get("splits") or {}).values():
        numerator, denominator = item.get("numerator"), item.get("denominator")
        if not numerator or not denominator:
            raise PriceParseError(f"yahoo {symbol}: split event without ratio: {item}")
        rows.append(
            {
                "ts": item["date"],
                "action_type": "split",
                "split_numerator": float(numerator),
                "split_denominator": float(denominator),
            }
        )
    for item in (events.get("dividends") or {}).values():
        rows.append(
            {"ts": item["date"], "action_type": "dividend", "dividend_amount": item["amount"]}
        )
    if not rows:
        return conform(pd.DataFrame(), ACTION_COLUMNS)
    frame = pd.DataFrame(rows)
    frame["ex_date"] = _trading_dates(frame["ts"].tolist(), timezone).to_numpy()
    frame["symbol"] = symbol
    frame["provider"] = PROVIDER
    return conform(frame.sort_values(["ex_date", "action_type"]), ACTION_COLUMNS)
