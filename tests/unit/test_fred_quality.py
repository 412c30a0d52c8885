"""The FRED expectations catch what they promise and pass clean vintages."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from data_quality.suites.fred import validate_fred_observations, validate_fred_series


def vintages(rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["series_id", "date", "realtime_start", "realtime_end", "raw_value"]
    )
    for column in ("date", "realtime_start", "realtime_end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame.assign(
        value=pd.to_numeric(frame["raw_value"].replace({".": None, "": None})),
        vintage_mode="all_vintages",
        fetched_at=datetime(2026, 11, 20, 23, 0),
    )


CLEAN = [
    ("UNRATE", "2026-09-01", "2026-10-03", "9999-12-31", "4.5"),
    ("GDP", "2026-04-01", "2026-07-30", "2026-08-27", "31990.1"),
    ("GDP", "2026-04-01", "2026-08-28", "9999-12-31", "32005.7"),
    ("DGS10", "2026-11-11", "2026-11-12", "9999-12-31", "."),
    ("DGS10", "2026-11-19", "2026-11-20", "9999-12-31", "4.21"),
]
LIMITS = {"UNRATE": 95, "GDP": 200, "DGS10": 7}
LATEST = {"UNRATE": date(2026, 9, 1), "GDP": date(2026, 7, 1), "DGS10": date(2026, 11, 19)}


def validate(frame, latest=LATEST, limits=LIMITS, today=date(2026, 11, 22)):
    return validate_fred_observations(
        frame, frame, latest_dates=latest, stale_after_days=limits, today=today
    )


def failed(outcome) -> set[str]:
    return {f"{f.expectation}:{f.target}" for f in outcome.failures}


def test_clean_vintages_pass():
    outcome = validate(vintages(CLEAN))
    assert outcome.success, outcome.summary()
    assert outcome.rows == 5


def test_overlapping_vintages_fail_with_the_row():
    rows = [*CLEAN[:2], ("GDP", "2026-04-01", "2026-08-20", "9999-12-31", "32005.7")]
    outcome = validate(vintages(rows))
    window = [f for f in outcome.failures if "fred_vintage_windows" in f.target]
    assert len(window) == 1 and window[0].unexpected_count == 1
    assert "2026-07-30" in str(window[0].examples)


def test_dot_stored_as_zero_and_inverted_window_fail():
    frame = vintages(CLEAN)
    frame.loc[3, "value"] = 0.0  # '.' must be NULL, never 0
    frame.loc[0, "realtime_end"] = pd.Timestamp("2026-10-01")  # before realtime_start
    assert failed(validate(frame)) == {
        "expect_column_values_to_be_in_set:fred_observations.value_matches_raw",
        "expect_column_pair_values_a_to_be_greater_than_b:"
        "fred_observations.['realtime_end', 'realtime_start']",
    }


def test_freshness_follows_release_frequency():
    # Three days without a new monthly value is normal; eight without a daily rate is not.
    outcome = validate(vintages(CLEAN), today=date(2026, 11, 27))
    stale = [f for f in outcome.failures if "freshness" in f.target]
    assert len(stale) == 1 and "DGS10" in str(stale[0].examples)
    # A monthly series is stale only when it has missed a release.
    late = validate(vintages(CLEAN), today=date(2026, 12, 10))
    assert "UNRATE" in str([f.examples for f in late.failures])


def test_a_configured_series_with_no_rows_fails():
    outcome = validate(vintages(CLEAN), limits={**LIMITS, "PAYEMS": 95})
    assert failed(outcome) == {"expect_column_values_to_be_in_set:fred_series_freshness.is_present"}


def test_series_fetches_need_a_known_frequency_and_one_row_per_fetch():
    fetched_at = pd.Timestamp("2026-11-20 22:00:00")
    fetches = pd.DataFrame(
        {
            "series_id": ["UNRATE", "UNRATE", "DGS10"],
            "fetched_at": [fetched_at, fetched_at, fetched_at],
            "fetch_realtime_date": pd.to_datetime(["2026-11-20"] * 3),
            "vintage_mode": ["all_vintages", "all_vintages", "latest"],
            "observations_received": [12, 12, 250],
            "frequency_short": ["M", "M", "Daily"],
            "observation_start": pd.to_datetime(["1948-01-01", "1948-01-01", "1962-01-02"]),
            "observation_end": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-11-19"]),
        }
    )
    outcome = validate_fred_series(fetches)
    failed = {failure.target: failure.unexpected_count for failure in outcome.failures}
    assert failed == {
        "raw.fred_series.['series_id', 'fetched_at']": 2,
        "raw.fred_series.frequency_short": 1,
    }
    assert validate_fred_series(fetches.iloc[[0, 2]].assign(frequency_short=["M", "D"])).success
