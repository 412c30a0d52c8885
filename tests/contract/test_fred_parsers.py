"""FRED parsers and requests on the real recorded payloads in ``../shared/fixtures/fred``."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import responses
from responses import matchers

from orchestration.http import HttpClient, HttpStatusError, LandingArchive, Redactor
from orchestration.sample.fred import answer_vintages
from orchestration.sources import fred

KEY = "FRED-CANARY-KEY-0123456789abcdef"
BASE = "https://api.stlouisfed.example"


def load(fixtures_dir, name: str) -> dict:
    return json.loads((fixtures_dir / "fred" / name).read_text(encoding="utf-8"))


def on(frame: pd.DataFrame, day: str) -> pd.DataFrame:
    return frame[frame["date"] == pd.Timestamp(day)]


# ------------------------------------------------------------------------------------------
# Observations
# ------------------------------------------------------------------------------------------
def test_gdp_latest_observations_keep_dots_as_null_with_the_raw_string(fixtures_dir):
    page = fred.parse_observations(load(fixtures_dir, "series_observations_GDP.json"), "GDP")
    frame = page.frame
    assert page.count == 315 == len(frame)
    missing = frame[frame["raw_value"] == "."]
    assert list(missing["date"].dt.strftime("%Y-%m-%d")) == [
        "1946-01-01",
        "1946-04-01",
        "1946-07-01",
        "1946-10-01",
    ]
    assert missing["value"].isna().all()  # NULL, never 0
    assert on(frame, "1947-01-01")["value"].item() == 243.164
    assert on(frame, "2024-07-01")["value"].item() == 29349.924
    # The echoed real-time window is the request's, not a fetch date: every row says 2024-10-30.
    assert set(frame["realtime_start"].dt.strftime("%Y-%m-%d")) == {"2024-10-30"}


def test_gdp_all_vintages_has_every_revision_of_a_quarter(fixtures_dir):
    frame = fred.parse_observations(
        load(fixtures_dir, "series_observations_GDP_alfred_all_vintages.json"), "GDP"
    ).frame
    assert len(frame) == 3199
    q2 = on(frame, "2024-04-01")
    assert list(q2["raw_value"]) == ["28629.153", "28652.337", "29016.714"]
    assert list(q2["realtime_start"].dt.strftime("%Y-%m-%d")) == [
        "2024-07-25",
        "2024-08-29",
        "2024-09-26",
    ]
    assert list(q2["realtime_end"].dt.strftime("%Y-%m-%d")) == [
        "2024-08-28",
        "2024-09-25",
        "9999-12-31",  # still current: kept at day resolution, not overflowed
    ]
    covid = on(frame, "2020-04-01")
    assert len(covid) == 7
    assert covid["value"].iloc[0] == 19408.759  # advance estimate, 2020-07-30
    assert covid["value"].iloc[-1] == 19935.444  # current
    # 1946 quarters were published, withdrawn ('.') and republished: 245 '.' vintages in all.
    assert (frame["raw_value"] == ".").sum() == 245
    assert frame["value"].isna().sum() == 245
    # Vintage windows of one quarter never overlap.
    ordered = frame.sort_values(["date", "realtime_start"])
    same = ordered["date"].eq(ordered["date"].shift(-1))
    assert not (same & (ordered["realtime_start"].shift(-1) <= ordered["realtime_end"])).any()


def test_every_vintage_start_is_a_published_vintage_date(fixtures_dir):
    frame = fred.parse_observations(
        load(fixtures_dir, "series_observations_GDP_alfred_all_vintages.json"), "GDP"
    ).frame
    vintage_dates = load(fixtures_dir, "series_vintagedates_GDP.json")["vintage_dates"]
    assert len(vintage_dates) == 393
    starts = set(frame["realtime_start"].dt.strftime("%Y-%m-%d"))
    assert starts == set(vintage_dates)


def test_all_vintages_as_of_their_last_vintage_equal_the_latest_download(fixtures_dir):
    """Two independent recordings agree: ALFRED's history as known on 2024-10-30 is exactly
    what the plain observations request returned that day."""
    vintages = fred.parse_observations(
        load(fixtures_dir, "series_observations_GDP_alfred_all_vintages.json"), "GDP"
    ).frame
    latest = fred.parse_observations(load(fixtures_dir, "series_observations_GDP.json"), "GDP")
    day = date(2024, 10, 30)
    answered = answer_vintages(vintages, day, day, day).sort_values("date", ignore_index=True)
    assert list(answered["raw_value"]) == list(latest.frame["raw_value"])
    assert (answered["date"].to_numpy() == latest.frame["date"].to_numpy()).all()


def test_weekly_series_is_dated_by_week_ending_friday(fixtures_dir):
    frame = fred.parse_observations(
        load(fixtures_dir, "series_observations_WGS10YR.json"), "WGS10YR"
    ).frame
    assert len(frame) == 3289
    assert (frame["date"].dt.dayofweek == 4).all()
    assert on(frame, "1962-01-05")["value"].item() == 4.03
    assert on(frame, "2025-01-10")["value"].item() == 4.68


def test_monthly_index_is_dated_by_first_of_month(fixtures_dir):
    frame = fred.parse_observations(
        load(fixtures_dir, "series_observations_CPILFESL.json"), "CPILFESL"
    ).frame
    assert len(frame) == 816
    assert (frame["date"].dt.day == 1).all()
    assert on(frame, "1957-01-01")["value"].item() == 28.5
    assert on(frame, "2024-12-01")["value"].item() == 323.383


# ------------------------------------------------------------------------------------------
# Metadata
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("series_id", "frequency", "last_updated_utc"),
    [
        ("GDP", "Quarterly", datetime(2024, 10, 30, 12, 54, 1)),
        ("WGS10YR", "Weekly, Ending Friday", datetime(2025, 1, 13, 21, 18, 59)),
        ("CPILFESL", "Monthly", datetime(2025, 1, 15, 13, 39, 58)),
    ],
)
def test_series_metadata_reads_seriess_and_hour_offsets(
    fixtures_dir, series_id, frequency, last_updated_utc
):
    meta = fred.parse_series_metadata(load(fixtures_dir, f"series_{series_id}.json"), series_id)
    assert meta["frequency"] == frequency
    assert meta["last_updated"] == last_updated_utc  # "-05"/"-06" offsets, stored as UTC


def test_gdp_metadata_values(fixtures_dir):
    meta = fred.parse_series_metadata(load(fixtures_dir, "series_GDP.json"), "GDP")
    assert meta["title"] == "Gross Domestic Product"
    assert meta["units"] == "Billions of Dollars"
    assert meta["seasonal_adjustment_short"] == "SAAR"
    assert meta["observation_start"] == date(1947, 1, 1)
    assert meta["observation_end"] == date(2024, 7, 1)
    assert meta["popularity"] == 93


def test_metadata_without_seriess_is_a_clear_error():
    with pytest.raises(fred.FredError, match="GDP.*seriess"):
        fred.parse_series_metadata({"series": []}, "GDP")


# ------------------------------------------------------------------------------------------
# fredgraph.csv (no key)
# ------------------------------------------------------------------------------------------
def test_fredgraph_excerpt_holidays_are_missing(fixtures_dir):
    text = (fixtures_dir / "fred" / "fredgraph_multi_DGS_excerpt.csv").read_text(encoding="utf-8")
    frame = fred.parse_fredgraph_csv(text, "DGS10", date(2026, 11, 20))
    assert on(frame, "2000-01-03")["value"].item() == 6.58
    holiday = on(frame, "2000-01-17")  # Martin Luther King Jr. Day: an empty cell
    assert holiday["raw_value"].item() == ""
    assert math.isnan(holiday["value"].item())
    assert set(frame["realtime_start"].dt.strftime("%Y-%m-%d")) == {"2026-11-20"}
    assert set(frame["realtime_end"].dt.strftime("%Y-%m-%d")) == {"9999-12-31"}
    # DGS1MO did not exist yet in 2000: an all-empty column parses to all-missing values.
    one_month = fred.parse_fredgraph_csv(text, "DGS1MO", date(2026, 11, 20))
    assert one_month["value"].isna().all()


def test_fredgraph_older_layout_with_date_header_and_dots():
    text = "DATE,UNRATE\n2024-01-01,3.7\n2024-02-01,.\n2024-03-01,3.9\n"
    frame = fred.parse_fredgraph_csv(text, "UNRATE", date(2024, 4, 5))
    assert list(frame["raw_value"]) == ["3.7", ".", "3.9"]
    assert frame["value"].isna().tolist() == [False, True, False]


def test_fredgraph_truncated_last_line_is_rejected():
    text = "observation_date,DGS2,DGS10\n2024-01-02,4.33,3.95\n2024-01-03,4.3"
    with pytest.raises(fred.FredError, match="line 3 has 2 cells"):
        fred.parse_fredgraph_csv(text, "DGS10", date(2024, 1, 4))


# ------------------------------------------------------------------------------------------
# Bad payloads say what and where
# ------------------------------------------------------------------------------------------
def test_non_numeric_value_names_series_and_date():
    document = {
        "observations": [
            {"realtime_start": "2024-01-01", "realtime_end": "2024-01-01", "date": "2023-12-01",
             "value": "3.1"},
            {"realtime_start": "2024-01-01", "realtime_end": "2024-01-01", "date": "2024-01-01",
             "value": "n/a"},
        ]
    }  # fmt: skip
    with pytest.raises(fred.FredError, match=r"UNRATE.*observation 1 \(date 2024-01-01\).*'n/a'"):
        fred.parse_observations(document, "UNRATE")


def test_bad_date_and_missing_list_are_clear_errors():
    with pytest.raises(fred.FredError, match="no 'observations' list"):
        fred.parse_observations({"error": "x"}, "GDP")
    bad_date = {"observations": [{"date": "01/01/2024", "value": "1", "realtime_start":
                "2024-01-01", "realtime_end": "2024-01-01"}]}  # fmt: skip
    with pytest.raises(fred.FredError, match="GDP: observation 0 has date='01/01/2024'"):
        fred.parse_observations(bad_date, "GDP")


# ------------------------------------------------------------------------------------------
# Requests: key never leaks, pages are followed, FRED's 400 is a clear error
# ------------------------------------------------------------------------------------------
def client(tmp_path) -> HttpClient:
    return HttpClient(
        user_agent="rotation-warehouse-tests",
        archive=LandingArchive(tmp_path / "landing"),
        redactor=Redactor([KEY]),
        rate_limits_enabled=False,
        sleep=lambda _s: None,
    )


@responses.activate
def test_vintage_fetch_follows_pages_and_archives_without_the_key(tmp_path, fixtures_dir):
    document = load(fixtures_dir, "series_observations_GDP_alfred_all_vintages.json")
    observations = document["observations"]
    url = f"{BASE}/fred/series/observations"
    for offset in (0, 2000):
        page = {**document, "offset": offset, "limit": 2000,
                "observations": observations[offset : offset + 2000]}  # fmt: skip
        responses.get(
            url,
            json=page,
            match=[
                matchers.query_param_matcher(
                    {
                        "series_id": "GDP",
                        "api_key": KEY,
                        "file_type": "json",
                        "realtime_start": "1776-07-04",
                        "realtime_end": "9999-12-31",
                        "limit": str(fred.PAGE_LIMIT),
                        "offset": str(offset),
                    }
                )
            ],
        )
    now = datetime(2024, 11, 1, 3, 0, tzinfo=UTC)  # still 31 October in St. Louis
    fetched = fred.fetch_vintages(client(tmp_path), BASE, "GDP", KEY, window_start=None, now=now)
    assert len(fetched.observations) == 3199
    assert fetched.fetch_realtime_date == date(2024, 10, 31)
    assert fetched.window_start == fred.EARLIEST_REALTIME
    assert set(fetched.observations["vintage_mode"]) == {"all_vintages"}
    assert len(fetched.payload_refs) == 2
    archived = (tmp_path / "landing").rglob("*")
    for path in archived:
        if path.is_file():
            assert KEY.encode() not in path.read_bytes()


@responses.activate
def test_fred_bad_request_is_an_http_error_without_the_key(tmp_path):
    responses.get(
        f"{BASE}/fred/series",
        status=400,
        json={"error_code": 400, "error_message": "Bad Request.  The series does not exist."},
    )
    with pytest.raises(HttpStatusError) as caught:
        fred.fetch_metadata(client(tmp_path), BASE, "NOPE", KEY)
    assert caught.value.status == 400
    assert "The series does not exist." in str(caught.value)
    assert KEY not in str(caught.value)


# ------------------------------------------------------------------------------------------
# The seed
# ------------------------------------------------------------------------------------------
def test_seed_lists_the_configured_series_once_each():
    series = fred.load_series()
    ids = [s.series_id for s in series]
    assert len(ids) == 22 == len(set(ids))
    by_id = {s.series_id: s for s in series}
    assert by_id["UNRATE"].frequency == "monthly"
    assert by_id["ICSA"].frequency == "weekly"
    assert by_id["GDP"].stale_after_days > by_id["UNRATE"].stale_after_days > 3
    assert by_id["DGS10"].stale_after_days == 7


def test_seed_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "fred_series.csv"
    bad.write_text(
        "series_id,concept,title,frequency,units,transform,monthly_aggregation,stale_after_days\n"
        "DFF,fed,Fed,daily,percent,level,mean,7\n"
        "UNRATE,unemployment,U,monthlyish,percent,level,mean,95\n"
    )
    with pytest.raises(fred.FredError, match="fred_series.csv line 3: frequency='monthlyish'"):
        fred.load_series(bad)
