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
    symbols: Iterable[str],
    sessions: list[date],
    listed_on: dict[str, date],
) -> pd.DataFrame:
    """One row per (symbol, expected session) in the loaded range, flagging presence; the
    sessions are its calendar's (NYSE sessions, or every day for crypto)."""
    expected = pd.DataFrame(
        [
            (symbol, pd.Timestamp(session))
            for symbol in symbols
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
    crypto_symbols: Iterable[str] = (),
    days: list[date] = (),
) -> ValidationOutcome:
    """All expectations on newly loaded bars; ``sessions`` are the NYSE sessions loaded and
    ``days`` every calendar day loaded (crypto trades every day, weekends and holidays too)."""
    outcome = validate_frame(
        bars, "raw.prices_daily", bars_expectations(), label="raw.prices_daily", id_columns=BAR_ID
    )
    coverage = pd.concat(
        [
            session_coverage(bars, nyse_symbols, sessions, listed_on),
            session_coverage(bars, crypto_symbols, list(days), listed_on),
        ],
        ignore_index=True,
    )
    if not coverage.empty:
        outcome.merge(
            validate_frame(
                coverage,
                "raw.prices_daily.session_coverage",
                coverage_expectations(),
                label="session_coverage",
                id_columns=["symbol", "date"],
            )
        )
    if not bars.empty:
        outcome.merge(
            validate_frame(
                identical_runs(bars),
                "raw.prices_daily.stale_bars",
                stale_expectations(),
                label="identical_ohlc_runs",
                id_columns=BAR_ID,
            )
        )
    return outcome


ACTION_ID = ["symbol", "ex_date", "action_type", "provider"]


def corporate_action_expectations() -> list:
    e = gx.expectations
    return [
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in ACTION_ID),
        e.ExpectCompoundColumnsToBeUnique(column_list=ACTION_ID),
        e.ExpectColumnValuesToBeInSet(column="action_type", value_set=["split", "dividend"]),
        e.ExpectColumnValuesToBeBetween(column="dividend_amount", min_value=0, strict_min=True),
        e.ExpectColumnValuesToBeBetween(column="split_numerator", min_value=0, strict_min=True),
        e.ExpectColumnValuesToBeBetween(column="split_denominator", min_value=0, strict_min=True),
        # A split row carries its ratio, a dividend row its amount.
        e.ExpectColumnValuesToBeInSet(column="has_its_amount", value_set=[True]),
    ]


def validate_corporate_actions(actions: pd.DataFrame) -> ValidationOutcome:
    """Expectations on the splits and dividends a load just wrote."""
    is_split = actions["action_type"] == "split"
    has_ratio = actions["split_numerator"].notna() & actions["split_denominator"].notna()
    checked = actions.assign(
        has_its_amount=(is_split & has_ratio) | (~is_split & actions["dividend_amount"].notna())
    )
    return validate_frame(
        checked,
        "raw.corporate_actions",
        corporate_action_expectations(),
        label="raw.corporate_actions",
        id_columns=ACTION_ID,
    )
