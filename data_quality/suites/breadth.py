"""Expectations for the breadth mart: coverage, percentages, and counts that add up."""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from data_quality.runner import ValidationOutcome, validate_frame

BREADTH_ID = ["trade_date", "universe"]
MIN_COVERAGE_PCT = 95.0


def breadth_expectations() -> list:
    """The breadth rules, over the mart with the columns ``with_breadth_checks`` adds."""
    e = gx.expectations
    return [
        *(
            e.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=100)
            for c in ("coverage_pct", "pct_above_50d", "pct_above_200d")
        ),
        # Every member with data either advanced, declined or was unchanged.
        e.ExpectColumnPairValuesToBeEqual(column_A="counted", column_B="members_with_data"),
        # A day below 95% coverage must carry the flag, so no one reads it as complete.
        e.ExpectColumnValuesToBeInSet(column="coverage_flag_ok", value_set=[True]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="members_expected", column_B="members_with_data", or_equal=True
        ),
    ]


def with_breadth_checks(mart: pd.DataFrame) -> pd.DataFrame:
    return mart.assign(
        counted=mart["advancers"] + mart["decliners"] + mart["unchanged"],
        coverage_flag_ok=(mart["coverage_pct"] >= MIN_COVERAGE_PCT) | mart["is_low_coverage"],
    )


def validate_breadth(mart: pd.DataFrame) -> ValidationOutcome:
    e = gx.expectations
    return validate_frame(
        with_breadth_checks(mart),
        "marts.fct_market_breadth_daily",
        [
            *(e.ExpectColumnValuesToNotBeNull(column=c) for c in BREADTH_ID),
            e.ExpectCompoundColumnsToBeUnique(column_list=BREADTH_ID),
            *breadth_expectations(),
        ],
        label="fct_market_breadth_daily",
        id_columns=BREADTH_ID,
    )
