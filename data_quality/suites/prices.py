"""Expectations for ``raw.prices_daily``: run on the rows a load just wrote.

Three frames are validated: the bars themselves, their coverage of expected NYSE sessions,
and runs of identical OHLC (a stuck feed repeats yesterday's bar).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import great_expectations as gx
import pandas as pd

from data_quality.runner import ValidationOutcome, validate_frame

# A bar repeated this many sessions in a row is a stuck feed, not a quiet market.
STALE_RUN_LENGTH = 3
BAR_ID = ["symbol", "date", "provider"]


def bars_expectations() -> list:
    e = gx.expectations
    expectations = [
        e.ExpectColumnValuesToNotBeNull(column=c) for c in ("symbol", "date", "provider", "close")
    ]
    expectations.append(e.ExpectCompoundColumnsToBeUnique(column_list=BAR_ID))
    expectations += [
        e.ExpectColumnValuesToBeBetween(column=c, min_value=0, strict_min=True)
        for c in ("open", "high", "low", "close", "adj_close")
    ]
    expectations.append(e.ExpectColumnValuesToBeBetween(column="volume", min_value=0))
    # low <= open, close <= high (a missing value, e.g. an index's open, is not a failure).
    expectations += [
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=greater,
            column_B=lesser,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
        for greater, lesser in (
            ("high", "low"),
            ("high", "open"),
            ("high", "close"),
            ("open", "low"),
            ("close", "low"),
        )
    ]
    expectations.append(
        e.ExpectColumnValuesToBeInSet(
            column="close_adjustment", value_set=["none", "split", "split_dividend"]
        )
    )
    return expectations


def coverage_expectations() -> list:
    return [gx.expectations.ExpectColumnValuesToBeInSet(column="is_present", value_set=[True])]


def stale_expectations() -> list:
    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="identical_run_length", max_value=STALE_RUN_LENGTH - 1
        )
    ]


def session_coverage(
    bars: pd.DataFrame,
    nyse_symbols: Iterable[str],
    sessions: list[date],
    listed_on: dict[str, date],
) -> pd.DataFrame:
    """One row per (NYSE-traded symbol, expected session) in the loaded range, flagging presence."""
    expected = pd.DataFrame(
        [
            (symbol, pd.Timestamp(session))
            for symbol in nyse_symbols
            for session in sessions
            if session >= listed_on.get(symbol, date.min)
        ],
        columns=["symbol", "date"],
    )
    # Typed even when empty (a day with nothing settled yet), so the merge keys agree.
    expected["date"] = pd.to_datetime(expected["date"])
    present = bars[["symbol", "date"]].drop_duplicates().assign(is_present=True)
    present["date"] = pd.to_datetime(present["date"])
    coverage = expected.merge(present, on=["symbol", "date"], how="left")
    coverage["is_present"] = coverage["is_present"].astype("boolean").fillna(False).astype(bool)
    return coverage


def identical_runs(bars: pd.DataFrame) -> pd.DataFrame:
    """Length of the run of identical OHLC each bar ends, per symbol and provider."""
    ordered = bars.sort_values(["symbol", "provider", "date"]).reset_index(drop=True)
    ohlc = ordered[["open", "high", "low", "close"]]
    same_group = (ordered[["symbol", "provider"]] == ordered[["symbol", "provider"]].shift()).all(
        axis=1
    )
    repeat = same_group & (ohlc == ohlc.shift()).all(axis=1)
    run_id = (~repeat).cumsum()
    ordered["identical_run_length"] = repeat.groupby(run_id).cumsum() + 1
    return ordered[["symbol", "provider", "date", "identical_run_length"]]


def validate_prices_daily(
    bars: pd.DataFrame,
    *,
    nyse_symbols: Iterable[str],
    sessions: list[date],
    listed_on: dict[str, date],
) -> ValidationOutcome:
    """All expectations on newly loaded bars; ``sessions`` are the NYSE sessions loaded."""
    outcome = validate_frame(
        bars, "raw_prices_daily", bars_expectations(), label="raw.prices_daily", id_columns=BAR_ID
    )
    coverage = session_coverage(bars, nyse_symbols, sessions, listed_on)
    if not coverage.empty:
        outcome.merge(
            validate_frame(
                coverage,
                "raw_prices_daily_session_coverage",
                coverage_expectations(),
                label="session_coverage",
                id_columns=["symbol", "date"],
            )
        )
    if not bars.empty:
        outcome.merge(
            validate_frame(
                identical_runs(bars),
                "raw_prices_daily_stale_bars",
                stale_expectations(),
                label="identical_ohlc_runs",
                id_columns=BAR_ID,
            )
        )
    return outcome
