"""Daily price providers: one module per wire format, all producing the same typed frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd
import pyarrow as pa

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


class PriceBatch:
    """The bars (PRICE_COLUMNS) and corporate actions (ACTION_COLUMNS) of one payload.

    The bars are kept in the form the parser built them, a frame or an Arrow table, and
    converted on first use: the fetch filters, concatenates and loads them as Arrow
    (``bars_table``), and a nightly parses one payload per symbol, where a frame per payload
    cost more than reading the CSV."""

    def __init__(self, bars: pd.DataFrame | pa.Table, actions: pd.DataFrame) -> None:
        self._frame = bars if isinstance(bars, pd.DataFrame) else None
        self._table = bars if isinstance(bars, pa.Table) else None
        self.actions = actions

    @property
    def bars(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = frame_of_table(self._table)
        return self._frame

    @property
    def bars_table(self) -> pa.Table:
        if self._table is None:
            self._table = table_of_frame(self._frame, PRICE_COLUMNS)
        return self._table

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
    """Return ``frame`` with exactly ``columns`` (missing ones NULL) in their declared types."""
    present = {name: frame[name] for name in columns if name in frame.columns}
    return typed_frame(present, columns, len(frame))


def typed_frame(data: dict[str, Any], columns: dict[str, str], length: int) -> pd.DataFrame:
    """One frame of exactly ``columns`` in their declared types from ``data``'s columns (Series,
    arrays or lists of ``length`` values; missing ones NULL).

    Built whole: inserting and casting column by column cost about 5 ms per call, most of the
    parse time of a one-day payload (a nightly parses one per symbol)."""
    out = {}
    for name, dtype in columns.items():
        target = resolved_dtype(dtype)
        values = data.get(name)
        if values is None:
            out[name] = pd.array([None] * length, dtype=target)
        elif getattr(values, "dtype", None) == target:
            out[name] = values.array if isinstance(values, pd.Series) else values
        elif isinstance(values, pd.Series):
            out[name] = values.astype(target).array
        else:
            out[name] = pd.array(values, dtype=target)
    return pd.DataFrame(out)


# The Arrow type of each declared dtype.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "datetime64[s]": pa.timestamp("s"),
    "float64": pa.float64(),
}


def arrow_schema(columns: dict[str, str]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[dtype]) for name, dtype in columns.items()])


def typed_table(data: dict[str, pa.Array], columns: dict[str, str], length: int) -> pa.Table:
    """A table of exactly ``columns`` from Arrow arrays already of their types (missing ones
    NULL)."""
    return pa.table(
        {
            name: data[name] if name in data else pa.nulls(length, _ARROW_TYPES[dtype])
            for name, dtype in columns.items()
        },
        schema=arrow_schema(columns),
    )


def table_of_frame(frame: pd.DataFrame, columns: dict[str, str]) -> pa.Table:
    """``frame`` (already conformed to ``columns``) as a table of their Arrow types."""
    return pa.Table.from_pandas(
        frame[list(columns)], schema=arrow_schema(columns), preserve_index=False
    ).replace_schema_metadata(None)


def frame_of_table(table: pa.Table) -> pd.DataFrame:
    """A table as a frame in the declared dtypes: strings as ``string``, timestamps at their
    unit."""
    return table.to_pandas(types_mapper=_pandas_type_of_arrow)


def _pandas_type_of_arrow(arrow_type: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return resolved_dtype("string") if arrow_type == pa.string() else None
