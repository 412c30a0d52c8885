"""Expectations for ``raw.index_membership`` and ``raw.index_holdings``.

Two outcomes: the structure of the spells and snapshots (blocking: a broken membership would
miscount every breadth figure), and the S&P 500 member count on every session (a warning: the
public history files lag the constituents list, and an honest undercount while they catch up
should not stop the nightly prices).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import great_expectations as gx
import pandas as pd

from data_quality.runner import ValidationOutcome, validate_frame
from orchestration.sources.identifiers import GICS_SECTORS

SPELL_ID = ["index_id", "symbol", "start_date"]
HOLDING_ID = ["as_of_date", "fund", "symbol"]
SP500_MIN_MEMBERS = 495
SP500_MAX_MEMBERS = 510


def spell_expectations() -> list:
    e = gx.expectations
    return [
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in ("index_id", "symbol", "start_date")),
        e.ExpectCompoundColumnsToBeUnique(column_list=SPELL_ID),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="end_date", column_B="start_date", ignore_row_if="either_value_is_missing"
        ),
        e.ExpectColumnValuesToBeInSet(column="gics_sector", value_set=list(GICS_SECTORS)),
        e.ExpectColumnValuesToBeInSet(column="overlaps_next", value_set=[False]),
    ]


def holding_expectations() -> list:
    e = gx.expectations
    return [
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in (*HOLDING_ID, "weight_pct")),
        e.ExpectCompoundColumnsToBeUnique(column_list=HOLDING_ID),
        e.ExpectColumnValuesToBeBetween(column="weight_pct", min_value=0, max_value=100),
        e.ExpectColumnValuesToBeBetween(column="market_value", min_value=0),
        e.ExpectColumnValuesToBeInSet(column="asset_class", value_set=["Equity"]),
    ]


def count_expectations() -> list:
    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="members", min_value=SP500_MIN_MEMBERS, max_value=SP500_MAX_MEMBERS
        )
    ]


def overlapping_spells(spells: pd.DataFrame) -> pd.DataFrame:
    """Flag a spell when the next spell of the same (index, symbol) starts before it ends.

    Spells are [start_date, end_date): one that ends the day the next starts is continuous.
    """
    ordered = spells.sort_values(SPELL_ID, ignore_index=True)
    same = (ordered["index_id"] == ordered["index_id"].shift(-1)) & (
        ordered["symbol"] == ordered["symbol"].shift(-1)
    )
    next_start = pd.to_datetime(ordered["start_date"].shift(-1))
    end = pd.to_datetime(ordered["end_date"])
    open_ended = end.isna()
    overlaps = same & (open_ended | (next_start < end))
    return ordered.assign(overlaps_next=overlaps.astype(bool))


def member_counts(spells: pd.DataFrame, index_id: str, sessions: Iterable[date]) -> pd.DataFrame:
    """Members of ``index_id`` on each session: start_date <= day < end_date."""
    rows = spells[spells["index_id"] == index_id]
    starts = pd.to_datetime(rows["start_date"]).to_numpy()
    ends = pd.to_datetime(rows["end_date"]).fillna(pd.Timestamp.max).to_numpy()
    days = pd.to_datetime(pd.Series(list(sessions), dtype="object"))
    counts = [int(((starts <= day) & (ends > day)).sum()) for day in days.to_numpy()]
    return pd.DataFrame({"index_id": index_id, "trade_date": days, "members": counts})


def validate_membership(spells: pd.DataFrame, holdings: pd.DataFrame) -> ValidationOutcome:
    outcome = validate_frame(
        overlapping_spells(spells),
        "raw.index_membership",
        spell_expectations(),
        label="index_membership",
        id_columns=SPELL_ID,
    )
    if len(holdings):
        outcome.merge(
            validate_frame(
                holdings,
                "raw.index_holdings",
                holding_expectations(),
                label="index_holdings",
                id_columns=HOLDING_ID,
            )
        )
    return outcome


def validate_sp500_counts(spells: pd.DataFrame, sessions: Iterable[date]) -> ValidationOutcome:
    counts = member_counts(spells, "SP500", sessions)
    return validate_frame(
        counts,
        "raw.index_membership.sp500_member_count",
        count_expectations(),
        label="sp500_member_count",
        id_columns=["trade_date"],
    )
