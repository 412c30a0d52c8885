"""The breadth mart expectations catch what they promise."""

from __future__ import annotations

import pandas as pd

from data_quality.suites.breadth import validate_breadth


def mart(**changes) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "trade_date": pd.to_datetime(["2026-11-19", "2026-11-20", "2026-11-20"]),
            "universe": ["sp500", "sp500", "r2000"],
            "members_expected": [503, 503, 200],
            "members_with_data": [503, 500, 180],
            "coverage_pct": [100.0, 99.4, 90.0],
            "is_low_coverage": [False, False, True],
            "advancers": [300, 250, 90],
            "decliners": [200, 240, 85],
            "unchanged": [3, 10, 5],
            "pct_above_50d": [55.0, 52.0, 48.0],
            "pct_above_200d": [70.0, 69.5, 60.0],
        }
    )
    for column, (row, value) in changes.items():
        rows.loc[row, column] = value
    return rows


def failures(outcome) -> set[str]:
    return {f"{f.expectation}:{f.target}" for f in outcome.failures}


def test_a_consistent_mart_passes():
    outcome = validate_breadth(mart())
    assert outcome.success, outcome.summary()


def test_low_coverage_without_the_flag_fails():
    outcome = validate_breadth(mart(is_low_coverage=(2, False)))
    assert failures(outcome) == {
        "expect_column_values_to_be_in_set:fct_market_breadth_daily.coverage_flag_ok"
    }


def test_counts_that_do_not_add_up_and_bad_percentages_fail():
    outcome = validate_breadth(mart(unchanged=(1, 9), pct_above_200d=(0, 101.0)))
    assert failures(outcome) == {
        "expect_column_pair_values_to_be_equal:fct_market_breadth_daily.['counted', 'members_with_data']",
        "expect_column_values_to_be_between:fct_market_breadth_daily.pct_above_200d",
    }
