"""Expectations for ``raw.fred_observations``: the rows a load wrote, the vintage windows of the
series it touched, and presence and freshness of every configured series.

Freshness is judged per release frequency (seed ``fred_series.stale_after_days``): a daily rate
is stale after a week without a new observation, a monthly series only after about ten weeks,
because FRED dates a monthly value by the first day of its month and publishes it the month after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import great_expectations as gx
import pandas as pd

from data_quality.runner import ValidationOutcome, validate_frame

OBSERVATION_ID = ["series_id", "date", "realtime_start"]
MISSING_MARKERS = (".", "")


def observation_expectations() -> list:
    e = gx.expectations
    expectations = [
        e.ExpectColumnValuesToNotBeNull(column=c)
        for c in ("series_id", "date", "realtime_start", "realtime_end", "raw_value", "fetched_at")
    ]
    expectations += [
        e.ExpectCompoundColumnsToBeUnique(column_list=OBSERVATION_ID),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="realtime_end", column_B="realtime_start", or_equal=True
        ),
        e.ExpectColumnValuesToBeInSet(column="vintage_mode", value_set=["all_vintages", "latest"]),
        # value is the number in raw_value, or NULL exactly where FRED sent '.' or nothing.
        e.ExpectColumnValuesToBeInSet(column="value_matches_raw", value_set=[True]),
    ]
    return expectations


def window_expectations() -> list:
    return [gx.expectations.ExpectColumnValuesToBeInSet(column="overlaps_next", value_set=[False])]


def freshness_expectations() -> list:
    e = gx.expectations
    return [
        e.ExpectColumnValuesToBeInSet(column="is_present", value_set=[True]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="stale_after_days",
            column_B="days_since_latest",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def value_matches_raw(frame: pd.DataFrame) -> pd.Series:
    raw = frame["raw_value"].astype("string").str.strip()
    missing = raw.isin(MISSING_MARKERS) | raw.isna()
    parsed = pd.to_numeric(raw.where(~missing), errors="coerce")
    value = pd.to_numeric(frame["value"], errors="coerce")
    same_number = (parsed - value).abs() <= 1e-9 * parsed.abs().clip(lower=1.0)
    return (missing & value.isna()) | (~missing & same_number.fillna(False))


def overlapping_windows(vintages: pd.DataFrame) -> pd.DataFrame:
    """One row per vintage, ``overlaps_next`` when the next vintage of the same (series, date)
    starts before this one ends: two values would be 'current' on the same day."""
    ordered = vintages.sort_values(OBSERVATION_ID, ignore_index=True)
    same = (ordered["series_id"] == ordered["series_id"].shift(-1)) & (
        ordered["date"] == ordered["date"].shift(-1)
    )
    next_start = ordered["realtime_start"].shift(-1)
    return ordered[OBSERVATION_ID].assign(
        overlaps_next=(same & (next_start <= ordered["realtime_end"])).astype(bool)
    )


def series_freshness(
    latest_dates: Mapping[str, date | None], stale_after_days: Mapping[str, int], today: date
) -> pd.DataFrame:
    """Per configured series: present at all, and days since its latest observation date."""
    rows = []
    for series_id, limit in stale_after_days.items():
        latest = latest_dates.get(series_id)
        rows.append(
            {
                "series_id": series_id,
                "is_present": latest is not None,
                "latest_date": latest,
                "days_since_latest": None if latest is None else (today - latest).days,
                "stale_after_days": limit,
            }
        )
    return pd.DataFrame(rows).astype({"days_since_latest": "Int64", "stale_after_days": "Int64"})


def validate_fred_observations(
    loaded: pd.DataFrame,
    touched_series_rows: pd.DataFrame,
    *,
    latest_dates: Mapping[str, date | None],
    stale_after_days: Mapping[str, int],
    today: date,
    skip_freshness_for: Iterable[str] = (),
) -> ValidationOutcome:
    """``loaded``: rows this run wrote; ``touched_series_rows``: every stored vintage of the
    series it wrote (for window overlaps); ``latest_dates``: newest observation per series."""
    checked = loaded.assign(value_matches_raw=value_matches_raw(loaded))
    outcome = validate_frame(
        checked,
        "raw.fred_observations",
        observation_expectations(),
        label="fred_observations",
        id_columns=OBSERVATION_ID,
    )
    outcome.merge(
        validate_frame(
            overlapping_windows(touched_series_rows),
            "raw.fred_observations.vintage_windows",
            window_expectations(),
            label="fred_vintage_windows",
            id_columns=OBSERVATION_ID,
        )
    )
    skipped = set(skip_freshness_for)
    freshness = series_freshness(
        latest_dates, {k: v for k, v in stale_after_days.items() if k not in skipped}, today
    )
    outcome.merge(
        validate_frame(
            freshness,
            "raw.fred_observations.series_freshness",
            freshness_expectations(),
            label="fred_series_freshness",
            id_columns=["series_id"],
        )
    )
    return outcome


SERIES_FETCH_ID = ["series_id", "fetched_at"]
# FRED's frequency codes (frequency_short), e.g. "D", "W", "BW", "M", "Q", "SA", "A".
FREQUENCIES = ["D", "W", "BW", "M", "Q", "SA", "A"]


def series_fetch_expectations() -> list:
    e = gx.expectations
    return [
        *(
            e.ExpectColumnValuesToNotBeNull(column=c)
            for c in (*SERIES_FETCH_ID, "fetch_realtime_date", "vintage_mode")
        ),
        e.ExpectCompoundColumnsToBeUnique(column_list=SERIES_FETCH_ID),
        e.ExpectColumnValuesToBeInSet(column="frequency_short", value_set=FREQUENCIES),
        e.ExpectColumnValuesToBeInSet(column="vintage_mode", value_set=["all_vintages", "latest"]),
        e.ExpectColumnValuesToBeBetween(column="observations_received", min_value=0),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="observation_end",
            column_B="observation_start",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def validate_fred_series(fetches: pd.DataFrame) -> ValidationOutcome:
    """Expectations on the series fetches (metadata rows) a load just wrote."""
    return validate_frame(
        fetches,
        "raw.fred_series",
        series_fetch_expectations(),
        label="raw.fred_series",
        id_columns=SERIES_FETCH_ID,
    )
