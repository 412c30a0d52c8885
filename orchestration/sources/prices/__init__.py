"""Daily price providers: one module per wire format, all producing the same typed frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pandas as pd

# Columns every price parser returns, in order; the raw table adds the load metadata.
PRICE_COLUMNS: dict[str, str] = {
    "symbol": "string",
    "date": "datetime64[s]",
    "provider": "string",
    "open": "float64",
    "high": "float64",
    "low": "float64",
    "close": "float64",
    "volume": "float64",
    "adj_open": "float64",
    "adj_high": "float64",
    "adj_low": "float64",
    "adj_close": "float64",
    "adj_volume": "float64",
    "div_cash": "float64",
    "split_factor": "float64",
    # What the provider's `close` already includes: 'none' (raw traded price), 'split'
    # (split-adjusted, Yahoo) or 'split_dividend' (fully back-adjusted, Stooq).
    "close_adjustment": "string",
}

ACTION_COLUMNS: dict[str, str] = {
    "symbol": "string",
    "ex_date": "datetime64[s]",
    "provider": "string",
    "action_type": "string",  # 'split' | 'dividend'
    "split_numerator": "float64",
    "split_denominator": "float64",
    "dividend_amount": "float64",
}


class PriceParseError(ValueError):
    """A price payload that does not have the shape its provider documents."""


@dataclass(frozen=True)
class PriceRequest:
    """Everything the HTTP client needs for one provider request."""

    provider: str
    url: str
    params: dict[str, str]
    expect: str
    archive_name: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PriceBatch:
    bars: pd.DataFrame
    actions: pd.DataFrame

    @classmethod
    def empty(cls) -> PriceBatch:
        return cls(empty_frame(PRICE_COLUMNS), empty_frame(ACTION_COLUMNS))


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """A new empty frame of ``columns`` (a copy of one built once: parsers return one per call)."""
    return _empty_frame(tuple(columns.items())).copy()


@cache
def _empty_frame(columns: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    return conform(pd.DataFrame(), dict(columns))


def drop_repeated_days(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """One bar per date: a row repeated verbatim is kept once; two different bars for one date
    are a :class:`PriceParseError` (which one is right cannot be told from the payload)."""
    repeated = frame.duplicated(subset="date", keep=False)
    if not repeated.any():
        return frame
    distinct = frame[repeated].drop_duplicates()
    conflicting = distinct[distinct.duplicated(subset="date", keep=False)]
    if len(conflicting):
        days = sorted({f"{d:%Y-%m-%d}" for d in conflicting["date"]})
        raise PriceParseError(f"{where}: different bars for the same date {days[:5]}")
    return frame.drop_duplicates()


resolved_dtype = cache(pd.api.types.pandas_dtype)


def conform(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Return ``frame`` with exactly ``columns`` (missing ones NULL) in their declared types.

    Built as one frame from whole columns: inserting and casting column by column cost about
    5 ms per call, which was most of the parse time of a one-day payload (a nightly parses one
    per symbol)."""
    length = len(frame)
    data = {}
    for name, dtype in columns.items():
        target = resolved_dtype(dtype)
        if name not in frame.columns:
            data[name] = pd.array([None] * length, dtype=target)
        elif frame[name].dtype == target:
            data[name] = frame[name].array
        else:
            data[name] = frame[name].astype(target).array
    return pd.DataFrame(data)
