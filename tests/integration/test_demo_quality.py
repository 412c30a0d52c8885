"""The demo's whole build, audited: every check recorded, every suite in the Data Docs."""

from __future__ import annotations

import duckdb

from data_quality.docs import DataDocs
from data_quality.suites.marts import MART_SUITES
from orchestration.publish import read_only_connection

RAW_SUITES = {
    "raw.prices_daily",
    "raw.prices_daily.session_coverage",
    "raw.prices_daily.stale_bars",
    "raw.corporate_actions",
    "raw.fred_observations",
    "raw.fred_observations.vintage_windows",
    "raw.fred_observations.series_freshness",
    "raw.fred_series",
    "raw.sec_facts",
    "raw.sec_facts.filing_cadence",
    "raw.earnings_estimates",
    "raw.index_membership",
    "raw.index_holdings",
    "raw.index_membership.sp500_member_count",
}
GX_CHECKS = {
    ("raw/prices_daily", "prices_daily_expectations"),
    ("raw/corporate_actions", "corporate_actions_expectations"),
    ("raw/fred_observations", "fred_observations_expectations"),
    ("raw/fred_series", "fred_series_expectations"),
    ("raw/sec_facts", "sec_facts_expectations"),
    ("raw/earnings_estimates", "earnings_estimates_expectations"),
    ("raw/index_membership", "index_membership_expectations"),
    ("raw/index_membership", "sp500_member_count"),
    *((f"marts/{mart}", f"{mart}_expectations") for mart in MART_SUITES),
}


def test_data_docs_hold_every_suite_of_every_raw_table_and_mart(demo_build):
    docs = DataDocs(demo_build["data_docs"])
    expected = RAW_SUITES | {f"marts.{mart}" for mart in MART_SUITES}
    expected |= {"marts.row_count_vs_last_publish", "marts.latest_session"}
    assert set(docs.suite_names()) == expected
    index = docs.index.read_text(encoding="utf-8")
    assert "raw.prices_daily" in index or "prices_daily" in index
    assert str(docs.index) in demo_build["stdout"]


def test_every_check_of_the_demo_is_in_the_published_audit_trail(demo_build):
    with read_only_connection(demo_build["analytics"]) as published:
        results = published.execute(
            "select asset_key, check_name, passed, severity, observed from audit.check_results"
        ).df()
        loads = published.execute(
            "select table_name, sum(rows_inserted) as rows from audit.load_log group by 1"
        ).df()
    recorded = set(zip(results.asset_key, results.check_name, strict=True))
    assert recorded >= GX_CHECKS
    gx_results = results[[key in GX_CHECKS for key in recorded_keys(results)]]
    # The sample's malformed vendor file fails its own run before any check; all else passed.
    assert gx_results["passed"].all()
    # dbt tests are recorded too: hundreds of them, on staging, intermediate and mart models.
    dbt_results = results[[key not in GX_CHECKS for key in recorded_keys(results)]]
    assert len(dbt_results) > 300
    assert {key.split("/")[0] for key in dbt_results.asset_key} >= {"staging", "marts"}
    # Every raw table's rows were loaded through the audited path: the load log adds up.
    with duckdb.connect(str(demo_build["warehouse"]), read_only=True) as working:
        prices = working.execute("select count(*) from raw.prices_daily").fetchone()[0]
    loaded = dict(zip(loads.table_name, loads.rows, strict=True))
    assert loaded["raw.prices_daily"] == prices


def recorded_keys(results):
    return list(zip(results.asset_key, results.check_name, strict=True))
