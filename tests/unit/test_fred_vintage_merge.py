"""Incremental FRED loads rebuild exactly the history a single full fetch would give.

FRED is simulated with ``answer_vintages`` over a known truth: the real GDP vintage history
recorded from ALFRED, and the sample market's macro series served through the real client.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from orchestration.defs.macro import fetch_history, load_series
from orchestration.defs.resources import MarketDataResource
from orchestration.http import HttpClient, LandingArchive
from orchestration.sample.fred import CHICAGO, answer_vintages
from orchestration.sample.transport import SampleTransport
from orchestration.sources import fred
from orchestration.warehouse import FRED_OBSERVATIONS, FRED_SERIES, LoadStamp, Warehouse

COMPARED = ["series_id", "date", "realtime_start", "realtime_end", "raw_value", "vintage_mode"]


# ------------------------------------------------------------------------------------------
# The merge rule on real GDP vintages
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gdp_truth(fixtures_dir) -> pd.DataFrame:
    document = json.loads(
        (fixtures_dir / "fred" / "series_observations_GDP_alfred_all_vintages.json").read_text()
    )
    return fred.parse_observations(document, "GDP").frame


def fred_answer(truth: pd.DataFrame, known_on: date, window_start: date) -> pd.DataFrame:
    """FRED's answer on ``known_on`` for real time [window_start, 9999-12-31], as parsed."""
    answer = answer_vintages(truth, known_on, window_start, fred.LATEST_REALTIME)
    for column in ("date", "realtime_start", "realtime_end"):
        answer[column] = answer[column].astype("datetime64[s]")
    return answer.assign(
        series_id="GDP",
        value=pd.to_numeric(answer["raw_value"].replace(".", None)),
        vintage_mode="all_vintages",
        fetched_at=pd.Timestamp(known_on),
    )[list(fred.OBSERVATION_COLUMNS)]


def incremental(stored: pd.DataFrame, answer: pd.DataFrame, window_start: date) -> pd.DataFrame:
    """What the load does: merge the rows still open at window_start, keep the older ones."""
    end = stored["realtime_end"] >= pd.Timestamp(window_start)
    merged = fred.merge_vintages(stored[end], answer, window_start)
    return pd.concat([stored[~end], merged], ignore_index=True)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[COMPARED].sort_values(["series_id", "date", "realtime_start"], ignore_index=True)


def test_two_overlapping_fetches_equal_one_full_fetch(gdp_truth):
    first, second = date(2024, 8, 1), date(2024, 9, 30)
    stored = fred_answer(gdp_truth, first, fred.EARLIEST_REALTIME)
    stored = incremental(stored, fred_answer(gdp_truth, second, first), first)
    full = fred_answer(gdp_truth, second, fred.EARLIEST_REALTIME)
    pd.testing.assert_frame_equal(canonical(stored), canonical(full))
    # 2024Q2 was revised twice in between: all three vintages, with their real windows.
    q2 = stored[stored["date"] == pd.Timestamp("2024-04-01")].sort_values("realtime_start")
    assert list(q2["raw_value"]) == ["28629.153", "28652.337", "29016.714"]
    assert list(q2["realtime_end"].dt.strftime("%Y-%m-%d")) == [
        "2024-08-28",
        "2024-09-25",
        "9999-12-31",
    ]


def test_a_chain_of_fetches_equals_one_full_fetch(gdp_truth):
    days = [date(2019, 12, 31) + timedelta(days=45 * i) for i in range(12)]
    stored = fred_answer(gdp_truth, days[0], fred.EARLIEST_REALTIME)
    for previous, day in zip(days, days[1:], strict=False):
        stored = incremental(stored, fred_answer(gdp_truth, day, previous), previous)
    full = fred_answer(gdp_truth, days[-1], fred.EARLIEST_REALTIME)
    pd.testing.assert_frame_equal(canonical(stored), canonical(full))
    assert len(stored) == len(full) > 2900


def test_a_revision_published_later_on_the_day_of_the_last_fetch_is_caught(gdp_truth):
    """The previous fetch ran on 2024-08-29 before that day's release: it saw the 2024-07-25
    estimate as current. Asking again from 2024-08-29 must end that vintage on 2024-08-28."""
    release_day = date(2024, 8, 29)
    seen_that_morning = fred_answer(
        gdp_truth, release_day - timedelta(days=1), fred.EARLIEST_REALTIME
    )
    stored = incremental(
        seen_that_morning, fred_answer(gdp_truth, date(2024, 10, 1), release_day), release_day
    )
    full = fred_answer(gdp_truth, date(2024, 10, 1), fred.EARLIEST_REALTIME)
    pd.testing.assert_frame_equal(canonical(stored), canonical(full))


def test_refetching_the_same_day_changes_nothing(gdp_truth):
    day = date(2024, 9, 30)
    stored = fred_answer(gdp_truth, day, fred.EARLIEST_REALTIME)
    again = incremental(stored, fred_answer(gdp_truth, day, day), day)
    pd.testing.assert_frame_equal(canonical(again), canonical(stored))


# ------------------------------------------------------------------------------------------
# The whole load path (client, parser, merge inside a warehouse transaction) on sample FRED
# ------------------------------------------------------------------------------------------
def evening(day: date, hour: int = 18) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=CHICAGO)


def run_load(
    warehouse: Warehouse,
    market: MarketDataResource,
    landing: Path,
    series_id: str,
    day: date,
    hour: int = 18,
):
    client = HttpClient(
        user_agent="rotation-warehouse-tests",
        archive=LandingArchive(landing),
        rate_limits_enabled=False,
    )
    transport = SampleTransport(evening(day, hour))
    for base in (market.fred_base_url, market.fred_graph_base_url):
        client.session.mount(base.rstrip("/") + "/", transport)
    stamp = LoadStamp("fred", market.mode(), f"run-{day}", datetime.now(UTC))
    with warehouse.connect() as connection:
        warehouse.ensure_raw_tables(connection)
    history = fetch_history(warehouse).get(series_id)
    return load_series(
        warehouse, client, market, series_id, history, stamp, now=evening(day, hour).astimezone(UTC)
    )


def stored_rows(warehouse: Warehouse) -> pd.DataFrame:
    return canonical(warehouse.query_frame(f"select * from {FRED_OBSERVATIONS.qualified}"))


@pytest.mark.parametrize("series_id", ["PAYEMS", "GDP", "DGS10", "UMCSENT"])
def test_sample_loads_on_two_days_equal_one_load_on_the_second(tmp_path, series_id):
    market = MarketDataResource(source_mode="sample", landing_dir=str(tmp_path / "landing"))
    first, second = date(2026, 5, 20), date(2026, 8, 25)
    twice = Warehouse(tmp_path / "twice.duckdb")
    once = Warehouse(tmp_path / "once.duckdb")
    assert run_load(twice, market, tmp_path / "landing", series_id, first).action == "full"
    assert run_load(twice, market, tmp_path / "landing", series_id, second).action == "incremental"
    assert run_load(once, market, tmp_path / "landing", series_id, second).action == "full"
    pd.testing.assert_frame_equal(stored_rows(twice), stored_rows(once))
    # Same evening again: FRED's last_updated has not moved, so nothing is fetched or changed.
    again = run_load(twice, market, tmp_path / "landing", series_id, second, hour=21)
    assert again.action == "unchanged"
    pd.testing.assert_frame_equal(stored_rows(twice), stored_rows(once))
    fetches = twice.query_frame(f"select * from {FRED_SERIES.qualified} order by fetched_at")
    assert list(fetches["requested_realtime_start"].dt.date) == [
        fred.EARLIEST_REALTIME,
        first,
        second,
    ]


def test_sample_payrolls_revisions_are_stored_as_vintages(tmp_path):
    market = MarketDataResource(source_mode="sample", landing_dir=str(tmp_path / "landing"))
    warehouse = Warehouse(tmp_path / "wh.duckdb")
    run_load(warehouse, market, tmp_path / "landing", "PAYEMS", date(2026, 8, 25))
    vintages = warehouse.query_frame(
        "select date, count(*) as n, min(realtime_start) as first_release "
        "from raw.fred_observations group by date order by date"
    )
    # Each month is published once and revised at the next two monthly releases ...
    settled = vintages[vintages["date"] <= pd.Timestamp("2026-04-01")]
    assert (settled["n"] >= 2).all()
    assert settled["n"].max() == 3
    # ... and nothing is known before its first release (the month after).
    assert (vintages["first_release"] > vintages["date"] + pd.Timedelta(days=27)).all()
    # July 2026 came out in early August: one vintage so far.
    assert vintages.loc[vintages["date"] == pd.Timestamp("2026-07-01"), "n"].item() == 1


def test_without_a_key_latest_values_are_kept_from_the_day_first_seen(tmp_path):
    market = MarketDataResource(
        source_mode="live",
        landing_dir=str(tmp_path / "landing"),
        fred_base_url="https://fred-api.invalid",
        fred_graph_base_url="https://fred-graph.invalid",
    )
    warehouse = Warehouse(tmp_path / "wh.duckdb")
    first, second = date(2026, 7, 20), date(2026, 8, 25)
    assert run_load(warehouse, market, tmp_path / "landing", "PAYEMS", first).action == "latest"
    run_load(warehouse, market, tmp_path / "landing", "PAYEMS", second)
    rows = warehouse.query_frame(
        "select * from raw.fred_observations order by date, realtime_start"
    )
    assert set(rows["vintage_mode"]) == {"latest"}
    may = rows[rows["date"] == pd.Timestamp("2026-05-01")]
    # May was revised between the two fetches (the July release): two windows, first seen
    # on the fetch days, the older one closed the day before the second fetch.
    assert list(may["realtime_start"].dt.date) == [first, second]
    assert list(may["realtime_end"].dt.date) == [second - timedelta(days=1), fred.LATEST_REALTIME]
    # A value unchanged between the fetches stays one row, valid from the first fetch.
    older = rows[rows["date"] == pd.Timestamp("2025-01-01")]
    assert list(older["realtime_start"].dt.date) == [first]
