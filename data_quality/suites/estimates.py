"""Expectations for ``raw.earnings_estimates``: the snapshot rows a load just wrote."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import great_expectations as gx
import pandas as pd

from data_quality.runner import ValidationOutcome, validate_frame

ESTIMATE_ID = ["as_of_date", "entity_id", "fiscal_period", "metric", "source"]


def estimate_expectations(known_entities: Iterable[str]) -> list:
    e = gx.expectations
    expectations = [
        e.ExpectColumnValuesToNotBeNull(column=c)
        for c in ("as_of_date", "entity_type", "entity_id", "fiscal_period", "metric", "source")
    ]
    expectations += [
        e.ExpectCompoundColumnsToBeUnique(column_list=ESTIMATE_ID),
        e.ExpectColumnValuesToBeInSet(
            column="entity_type", value_set=["index", "sector", "company"]
        ),
        e.ExpectColumnValuesToBeInSet(column="metric", value_set=["eps", "revenue"]),
        e.ExpectColumnValuesToBeInSet(column="entity_id", value_set=sorted(set(known_entities))),
        # low <= mean <= high, and low <= median <= high, wherever both values are given.
        *(
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=greater,
                column_B=lesser,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
            for greater, lesser in (
                ("estimate_high", "estimate_low"),
                ("estimate_high", "estimate_mean"),
                ("estimate_mean", "estimate_low"),
                ("estimate_high", "estimate_median"),
                ("estimate_median", "estimate_low"),
            )
        ),
        e.ExpectColumnValuesToBeBetween(column="n_estimates", min_value=1),
        # A snapshot cannot be dated after the day it was loaded.
        e.ExpectColumnValuesToBeBetween(column="days_in_future", max_value=0),
    ]
    return expectations


def validate_earnings_estimates(
    loaded: pd.DataFrame, *, known_entities: Iterable[str], today: date
) -> ValidationOutcome:
    as_of = pd.to_datetime(loaded["as_of_date"])
    checked = loaded.assign(days_in_future=(as_of - pd.Timestamp(today)).dt.days)
    return validate_frame(
        checked,
        "raw.earnings_estimates",
        estimate_expectations(known_entities),
        label="earnings_estimates",
        id_columns=ESTIMATE_ID,
    )
