"""The whole asset graph materialized in process into a temporary warehouse (sample mode)."""

from __future__ import annotations

import hashlib
import multiprocessing
import queue
import shutil
import time
from datetime import date

import dagster as dg
import pandas as pd
import pytest
from dagster_dbt import DbtCliResource
from requests.adapters import BaseAdapter

from data_quality.docs import DataDocs
from orchestration.calendar import sessions_between
from orchestration.defs.dbt import DBT_PROJECT_DIR, dbt_executable, dbt_models
from orchestration.defs.prices import ACTIONS_CHECK, PRICES_CHECK, partition_range_tags, raw_prices
from orchestration.defs.publish import MART_KEYS, published_marts
from orchestration.defs.quality import MART_CHECKS, mart_check_name
from orchestration.defs.resources import MarketDataResource
from orchestration.publish import publish_log, read_only_connection
from orchestration.sources.universe import default_instruments
from orchestration.warehouse import Warehouse, WarehouseResource
from tests.integration.published_readers import fresh_connection_reader, long_lived_reader

START, END = date(2023, 1, 1), date(2024, 12, 31)
EXPECTED_ASSETS = {
    "raw/prices_daily",
    "raw/corporate_actions",
    "staging/stg_prices__daily_bars",
    "intermediate/int_prices__returns",
    "marts/fct_sector_rotation_daily",
    "marts/fct_style_spreads_daily",
    "marts/fct_theme_rotation_daily",
    "marts/fct_index_milestones",
    "marts/fct_risk_appetite_daily",
}
BUSINESS_CHECKSUM = """
select count(*) as row_count,
       sum(hash(symbol, date, provider, open, high, low, close, volume, adj_close,
                close_adjustment, _payload_ref, _source_mode)::hugeint) as checksum
from raw.prices_daily
"""


def resources(tmp_path, market_data: MarketDataResource | None = None) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "market.duckdb")),
        "market_data": market_data
        or MarketDataResource(source_mode="sample", landing_dir=str(tmp_path / "landing")),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }


def materialize(
    tmp_path, start: date | None, end: date | None, market_data=None, selection=None
) -> dg.ExecuteInProcessResult:
    """One in-process run; a date range makes it a single-run backfill of those partitions."""
    tags = partition_range_tags(start.isoformat(), end.isoformat()) if start and end else {}
    return dg.materialize(
        [raw_prices, dbt_models, published_marts, *MART_CHECKS],
        resources=resources(tmp_path, market_data),
        tags=tags,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        selection=selection,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two years backfilled in one run, then every dbt model built, as `make demo` does."""
    tmp_path = tmp_path_factory.mktemp("graph")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_PATH", str(tmp_path / "market.duckdb"))
        prices = materialize(tmp_path, START, END, selection=[raw_prices])
        models = materialize(tmp_path, None, None, selection=[dbt_models])
        published = materialize(tmp_path, None, None, selection=[published_marts])
        assert published.success
    return tmp_path, (prices, models), Warehouse(tmp_path / "market.duckdb")


def expected_bar_count(start: date, end: date) -> int:
    """Independently: NYSE sessions per listed equity, calendar days per crypto asset."""
    sessions = sessions_between(start, end)
    total = 0
    for instrument in default_instruments():
        if instrument.is_crypto:
            first = max(start, instrument.listed_on)
            total += max(0, (end - first).days + 1)
        else:
            total += sum(1 for s in sessions if s >= instrument.listed_on)
    return total


def test_the_whole_graph_materializes_and_checks_pass(built):
    _, (prices, models), _ = built
    assert prices.success and models.success
    evaluations = {e.check_name: e for e in prices.get_asset_check_evaluations()}
    assert set(evaluations) == {PRICES_CHECK, ACTIONS_CHECK}
    assert all(e.passed for e in evaluations.values())
    bars_check = evaluations[PRICES_CHECK]
    assert bars_check.metadata["rows_validated"].value == expected_bar_count(START, END)
    # every dbt test ran as an asset check and passed, and so did every mart's suite
    checks = {check.check_name: check for check in models.get_asset_check_evaluations()}
    assert all(check.passed for check in checks.values())
    mart_checks = {mart_check_name(key.path[1]) for key in MART_KEYS}
    assert mart_checks <= set(checks) and len(checks) - len(mart_checks) > 50
    materialized = {
        e.asset_key.to_user_string()
        for result in (prices, models)
        for e in result.get_asset_materialization_events()
    }
    assert materialized >= EXPECTED_ASSETS


def test_raw_prices_hold_every_session_of_every_instrument(built):
    _, _, warehouse = built
    counts = warehouse.query_frame(
        "select count(*) as n, count(distinct symbol) as symbols, min(_source_mode) as mode, "
        "max(_source_mode) as mode_max, count(*) filter (where _payload_ref is null) as unarchived "
        "from raw.prices_daily"
    ).iloc[0]
    assert counts["n"] == expected_bar_count(START, END)
    assert counts["symbols"] == sum(1 for i in default_instruments() if i.listed_on <= END)
    assert counts["mode"] == counts["mode_max"] == "sample"
    assert counts["unarchived"] == 0
    providers = warehouse.query_frame(
        "select symbol, provider from raw.prices_daily group by all order by symbol"
    ).set_index("symbol")["provider"]
    # Each instrument's first provider in the seed served it (sample mode has every key).
    for instrument in default_instruments():
        if instrument.listed_on <= END:
            assert providers[instrument.symbol] == instrument.provider_order[0]


def test_the_sample_split_is_a_corporate_action(built):
    _, _, warehouse = built
    # NVDA's 4-for-1 split is in 2021, outside this range; dividends are inside it.
    actions = warehouse.query_frame(
        "select action_type, count(*) as n from raw.corporate_actions group by all"
    ).set_index("action_type")["n"]
    assert actions["dividend"] > 0


def test_sector_rotation_mart_covers_eleven_sectors_on_the_last_day(built):
    _, _, warehouse = built
    latest = warehouse.query_frame(
        """
        select * from marts.fct_sector_rotation_daily
        where trade_date = (select max(trade_date) from marts.fct_sector_rotation_daily)
        """
    )
    assert len(latest) == 11
    assert latest["trade_date"].iloc[0] == pd.Timestamp("2024-12-31")
    assert sorted(latest["rank_1m"]) == list(range(1, 12))
    assert latest["rrg_quadrant"].notna().all()


def test_rerunning_a_partition_changes_nothing(built, monkeypatch):
    tmp_path, _, warehouse = built
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "market.duckdb"))
    day = date(2024, 6, 3)
    bulk_loaded = warehouse.query_frame(
        "select * exclude (_run_id, _loaded_at, _payload_ref) from raw.prices_daily where date = ? order by symbol",
        [day],
    )
    # WHEN the same daily partition runs twice
    first = materialize(tmp_path, day, day, selection=[raw_prices])
    after_first = warehouse.query_frame(BUSINESS_CHECKSUM).iloc[0].to_dict()
    second = materialize(tmp_path, day, day, selection=[raw_prices])
    after_second = warehouse.query_frame(BUSINESS_CHECKSUM).iloc[0].to_dict()
    # THEN the second run changes nothing: same row count, same checksum
    assert first.success and second.success
    assert after_second == after_first
    reloaded = warehouse.query_frame(
        "select count(*) as n from raw.prices_daily where _run_id = ?", [second.run_id]
    )["n"][0]
    assert reloaded == expected_bar_count(day, day) == 42  # CRWV was not listed yet
    # AND the day's bars equal those the two-year backfill loaded (only the payload file differs)
    reloaded_rows = warehouse.query_frame(
        "select * exclude (_run_id, _loaded_at, _payload_ref) from raw.prices_daily where date = ? order by symbol",
        [day],
    )
    pd.testing.assert_frame_equal(reloaded_rows, bulk_loaded)


class CorruptingAdapter(BaseAdapter):
    """Serves the sample market but swaps SPY's high and low on one day: a bad vendor bar."""

    def __init__(self, inner: BaseAdapter, bad_day: str):
        super().__init__()
        self.inner = inner
        self.bad_day = bad_day

    def send(self, request, **kwargs):
        response = self.inner.send(request, **kwargs)
        if "s=spy.us" in request.url:
            lines = response.content.decode().splitlines()
            for index, line in enumerate(lines):
                if line.startswith(self.bad_day):
                    day, open_, high, low, close, volume = line.split(",")
                    lines[index] = ",".join([day, open_, low, high, close, volume])
            response._content = ("\n".join(lines) + "\n").encode()
            response.headers["Content-Length"] = str(len(response._content))
        return response

    def close(self):
        self.inner.close()


class CorruptStooqMarketData(MarketDataResource):
    def http_client(self):
        client = super().http_client()
        prefix = self.stooq_base_url.rstrip("/") + "/"
        client.session.mount(
            prefix, CorruptingAdapter(client.session.get_adapter(prefix), "2025-01-08")
        )
        return client


def test_a_failed_check_stops_dbt_and_leaves_marts_unchanged(built, tmp_path, monkeypatch):
    # GIVEN a copy of the built warehouse and a vendor that sends SPY with high < low one day
    source_dir, _, _ = built
    shutil.copy(source_dir / "market.duckdb", tmp_path / "market.duckdb")
    shutil.copy(source_dir / "analytics.duckdb", tmp_path / "analytics.duckdb")
    published_before = hashlib.sha256((tmp_path / "analytics.duckdb").read_bytes()).hexdigest()
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "market.duckdb"))
    warehouse = Warehouse(tmp_path / "market.duckdb")
    marts_before = (
        warehouse.query_frame(
            "select count(*) as n, max(trade_date) as last_day from marts.fct_sector_rotation_daily"
        )
        .iloc[0]
        .to_dict()
    )
    bad_vendor = CorruptStooqMarketData(source_mode="sample", landing_dir=str(tmp_path / "landing"))
    # WHEN the next days are loaded
    result = materialize(tmp_path, date(2025, 1, 2), date(2025, 1, 10), market_data=bad_vendor)
    # THEN the blocking check fails naming the row, dbt never runs, and the marts are as before
    assert not result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    evaluation = evaluations[PRICES_CHECK]
    assert not evaluation.passed
    failures = evaluation.metadata["failures"].value
    assert "SPY" in failures and "2025-01-08" in failures and "high" in failures
    # ... and the failure is in the audit trail with the row it names
    recorded = warehouse.query_frame(
        "select passed, severity, observed from audit.check_results "
        "where run_id = ? and check_name = ?",
        [result.run_id, PRICES_CHECK],
    )
    assert recorded["passed"].tolist() == [False] and recorded["severity"][0] == "ERROR"
    assert "SPY" in recorded["observed"][0] and "2025-01-08" in recorded["observed"][0]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/prices_daily" in materialized
    assert not any(
        key.startswith(("staging/", "intermediate/", "marts/", "published/"))
        for key in materialized
    )
    # Nothing was published: the analysts' file is byte-for-byte the last good one.
    published_after = hashlib.sha256((tmp_path / "analytics.duckdb").read_bytes()).hexdigest()
    assert published_after == published_before
    marts_after = (
        warehouse.query_frame(
            "select count(*) as n, max(trade_date) as last_day from marts.fct_sector_rotation_daily"
        )
        .iloc[0]
        .to_dict()
    )
    assert marts_after == marts_before


def test_every_check_is_in_the_audit_trail_and_the_data_docs(built):
    tmp_path, (prices, models), warehouse = built
    runs = [prices.run_id, models.run_id]
    recorded = warehouse.query_frame(
        "select run_id, asset_key, check_name, passed, expectations_evaluated "
        "from audit.check_results where list_contains(?, run_id)",
        [runs],
    )
    expected = {(prices.run_id, "raw/prices_daily", PRICES_CHECK)}
    expected |= {(prices.run_id, "raw/corporate_actions", ACTIONS_CHECK)}
    expected |= {
        (models.run_id, key.to_user_string(), mart_check_name(key.path[1])) for key in MART_KEYS
    }
    recorded_keys = set(zip(recorded.run_id, recorded.asset_key, recorded.check_name, strict=True))
    assert expected <= recorded_keys
    assert recorded["passed"].all() and (recorded["expectations_evaluated"] > 0).all()
    # ... and every dbt test of the models run, one row each
    dbt_checks = {
        (models.run_id, check.asset_key.to_user_string(), check.check_name)
        for check in models.get_asset_check_evaluations()
    } - expected
    assert recorded_keys - expected == dbt_checks and len(recorded) == len(recorded_keys)
    # Published beside the marts for the morning status and the report.
    with read_only_connection(tmp_path / "analytics.duckdb") as published:
        published_checks = published.execute(
            "select count(*) from audit.check_results where list_contains(?, run_id)", [runs]
        ).fetchone()[0]
        assert published_checks == len(recorded)
        loads = published.execute(
            "select table_name, rows_inserted from audit.load_log where run_id = ?",
            [prices.run_id],
        ).fetchall()
    assert ("raw.prices_daily", expected_bar_count(START, END)) in loads
    # One Data Docs page per suite, and every validation run listed on the index.
    docs = DataDocs(tmp_path / "data_docs")
    suites = set(docs.suite_names())
    assert {"raw.prices_daily", "raw.corporate_actions"} <= suites
    assert {f"marts.{key.path[1]}" for key in MART_KEYS} <= suites
    index = docs.index.read_text(encoding="utf-8")
    assert prices.run_id in index and models.run_id in index


def test_readers_never_fail_while_three_nightly_runs_load_check_and_publish(
    built, tmp_path, monkeypatch
):
    # GIVEN a copy of the built warehouse and its published file, held open by two readers in
    # other processes: one opening a new read-only connection per read, one long-lived
    source_dir, _, _ = built
    for name in ("market.duckdb", "analytics.duckdb"):
        shutil.copy(source_dir / name, tmp_path / name)
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "market.duckdb"))
    published = tmp_path / "analytics.duckdb"
    context = multiprocessing.get_context("spawn")
    stop, ready = context.Event(), context.Event()
    fresh_reads, long_reads = context.Value("i", 0), context.Value("i", 0)
    results = context.Queue()
    readers = [
        context.Process(
            target=fresh_connection_reader,
            args=(str(published), stop, fresh_reads, results),
            daemon=True,
        ),
        context.Process(
            target=long_lived_reader,
            args=(str(published), ready, stop, long_reads, results),
            daemon=True,
        ),
    ]
    nights = [date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 6)]
    runs, reports, seconds = [], {}, []
    try:
        for reader in readers:
            reader.start()
        assert ready.wait(timeout=60), "the long-lived reader did not start"
        # WHEN three nightly runs each load a session, check, build every model and publish
        for night in nights:
            started = time.monotonic()
            runs.append(materialize(tmp_path, night, night))
            seconds.append(time.monotonic() - started)
    finally:
        stop.set()
        for _ in readers:
            try:
                report = results.get(timeout=60)
                reports[report["reader"]] = report
            except queue.Empty:
                break
        for reader in readers:
            reader.join(timeout=10)
            if reader.is_alive():
                reader.terminate()
    # THEN every run succeeded (no writer lock error), no read failed, and every read saw one
    # whole publish: its row counts and fingerprints are those of one publish_log entry
    failures = [
        event.step_failure_data.error.message
        for run in runs
        for event in run.all_events
        if event.is_step_failure
    ]
    assert failures == [] and all(run.success for run in runs)
    assert set(reports) == {"fresh", "long"}
    fresh, long = reports["fresh"], reports["long"]
    assert fresh["errors"] == [] and long["errors"] == []
    log = publish_log(published)
    entries = {
        run_id: tuple(sorted(zip(group.table_name, group.row_count, strict=True)))
        for run_id, group in log.groupby("run_id")
    }
    seen_runs = {run_id for run_id, _ in fresh["snapshots"]}
    assert all(entries[run_id] == counts for run_id, counts in fresh["snapshots"])
    assert {run.run_id for run in runs} <= set(entries)
    # The connection opened before the runs kept reading the snapshot it opened, whole.
    (long_snapshot,) = long["snapshots"]
    assert long_snapshot[0] not in {run.run_id for run in runs}
    # Each night added its session: three publishes with growing row counts.
    rotation_rows = [dict(entries[run.run_id])["fct_sector_rotation_daily"] for run in runs]
    assert rotation_rows == sorted(rotation_rows) and len(set(rotation_rows)) == 3
    print(
        f"\n3 nightly runs in {sum(seconds):.1f}s ({', '.join(f'{s:.1f}s' for s in seconds)}); "
        f"reads: {sum(fresh['snapshots'].values())} on fresh connections over "
        f"{len(seen_runs)} publishes, {sum(long['snapshots'].values())} on one long-lived "
        "connection; reader errors 0, writer lock errors 0"
    )
