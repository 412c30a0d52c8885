"""The marts' suites: grain, rules, row count against the last publish, latest session."""

from __future__ import annotations

from datetime import date

import pandas as pd

from data_quality.docs import DataDocs
from data_quality.suites.marts import MART_SUITES, MAX_ROW_DROP, validate_mart


def rotation(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["trade_date", "sector", "symbol", "close", "rrg_quadrant", "rank_1m"]
    )
    frame["trade_date"] = pd.to_datetime(frame["trade_date"])
    return frame.assign(spy_close=500.0, return_1m=0.01)


GOOD = [
    ("2024-06-03", "Technology", "XLK", 210.0, "leading", 1),
    ("2024-06-03", "Energy", "XLE", 90.0, "lagging", 2),
    ("2024-06-04", "Technology", "XLK", 211.0, "weakening", 1),
    ("2024-06-04", "Energy", "XLE", 91.0, None, 2),  # too early for a quadrant
]


def failed_targets(outcome) -> dict[str, int | None]:
    return {failure.target: failure.unexpected_count for failure in outcome.failures}


def test_every_mart_has_a_suite_with_its_grain():
    assert len(MART_SUITES) == 16
    for suite in MART_SUITES.values():
        assert suite.keys and suite.all_expectations()


def test_a_good_mart_passes_and_counts_each_derived_frame():
    outcome = validate_mart(
        "fct_sector_rotation_daily",
        rotation(GOOD),
        previous_rows=4,
        latest_price_session=date(2024, 6, 4),
    )
    assert outcome.success, outcome.summary()
    assert [suite.name for suite, _ in outcome.validations] == [
        "marts.fct_sector_rotation_daily",
        "marts.row_count_vs_last_publish",
        "marts.latest_session",
    ]


def test_duplicate_grain_unknown_quadrant_and_nonpositive_close_are_named():
    rows = [*GOOD, ("2024-06-04", "Energy", "XLE", 0.0, "sideways", 2)]
    outcome = validate_mart(
        "fct_sector_rotation_daily",
        rotation(rows),
        previous_rows=None,
        latest_price_session=date(2024, 6, 4),
    )
    assert failed_targets(outcome) == {
        "fct_sector_rotation_daily.['trade_date', 'sector']": 2,
        "fct_sector_rotation_daily.['trade_date', 'symbol']": 2,
        "fct_sector_rotation_daily.close": 1,
        "fct_sector_rotation_daily.rrg_quadrant": 1,
    }


def test_a_large_row_drop_against_the_last_publish_fails():
    # 4 rows now against 5 published: -20%, beyond the 10% bound; 4 against 4.4 would pass.
    assert MAX_ROW_DROP == 0.10
    dropped = validate_mart(
        "fct_sector_rotation_daily",
        rotation(GOOD),
        previous_rows=5,
        latest_price_session=date(2024, 6, 4),
    )
    (failure,) = dropped.failures
    assert failure.target == "fct_sector_rotation_daily_row_count.change"
    assert validate_mart(
        "fct_sector_rotation_daily",
        rotation(GOOD),
        previous_rows=4,
        latest_price_session=date(2024, 6, 4),
    ).success


def test_a_mart_behind_the_latest_price_session_is_stale():
    outcome = validate_mart(
        "fct_sector_rotation_daily",
        rotation(GOOD),
        previous_rows=4,
        latest_price_session=date(2024, 6, 5),
    )
    (failure,) = outcome.failures
    assert failure.target == "fct_sector_rotation_daily_freshness.is_current"


def test_marts_not_dated_by_session_skip_the_freshness_frame():
    macro = pd.DataFrame(
        {
            "month_start": pd.to_datetime(["2024-04-01", "2024-05-01"]),
            "unemployment_rate": [3.9, 4.0],
            "treasury_10y": [4.5, 4.4],
            "treasury_2y": [4.9, 4.8],
            "hy_spread": [3.1, 3.0],
        }
    )
    outcome = validate_mart(
        "fct_macro_monthly", macro, previous_rows=2, latest_price_session=date(2024, 6, 4)
    )
    assert outcome.success
    assert "marts.latest_session" not in {suite.name for suite, _ in outcome.validations}
    bad = validate_mart(
        "fct_macro_monthly",
        macro.assign(unemployment_rate=[3.9, 45.0]),
        previous_rows=2,
        latest_price_session=None,
    )
    assert failed_targets(bad) == {"fct_macro_monthly.unemployment_rate": 1}


def test_data_docs_get_a_page_per_suite_and_per_validation(tmp_path):
    outcome = validate_mart(
        "fct_sector_rotation_daily",
        rotation(GOOD),
        previous_rows=4,
        latest_price_session=date(2024, 6, 4),
    )
    docs = DataDocs(tmp_path / "data_docs")
    first = docs.record(outcome, run_name="run-one", batch="marts/fct_sector_rotation_daily")
    second = docs.record(outcome, run_name="run-two", batch="marts/fct_sector_rotation_daily")
    assert all(page.is_file() for page in [*first, *second]) and len(first) == 3
    assert docs.suite_names() == [
        "marts.fct_sector_rotation_daily",
        "marts.latest_session",
        "marts.row_count_vs_last_publish",
    ]
    index = docs.index.read_text(encoding="utf-8")
    assert "run-one" in index and "run-two" in index
    # GX's own stores are beside the site, not in it.
    assert (tmp_path / "gx").is_dir()
