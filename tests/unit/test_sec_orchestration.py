"""The SEC filing sensor, weekly schedule and per-company loads, on the sample's filings."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.defs.capex import (
    COMPANY_PARTITIONS,
    RAW_SEC_FACTS,
    SEC_CHECK,
    raw_sec_facts,
    sec_new_filings,
    sec_weekly_refresh,
)
from orchestration.defs.resources import MarketDataResource
from orchestration.sample import sec as sample_sec
from orchestration.sources import sec
from orchestration.warehouse import Warehouse, WarehouseResource

PERIODIC = {"10-K", "10-Q", "20-F", "10-K/A", "10-Q/A", "20-F/A"}


def market(tmp_path, as_of: str) -> MarketDataResource:
    return MarketDataResource(
        source_mode="sample", landing_dir=str(tmp_path / "landing"), sample_as_of=as_of
    )


def evaluate(tmp_path, as_of: str, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"market_data": market(tmp_path, as_of)}
    )
    return sec_new_filings(context)


def latest_periodic(ticker: str, as_of: date) -> tuple[str, date] | None:
    """Independently of the parser: the newest periodic filing in the sample's submissions."""
    company = sample_sec.company_by_ticker(ticker)
    recent = sample_sec.submissions_document(company.cik, as_of)["filings"]["recent"]
    rows = [
        (date.fromisoformat(filed), accession)
        for accession, form, filed in zip(
            recent["accessionNumber"], recent["form"], recent["filingDate"], strict=True
        )
        if form in PERIODIC
    ]
    if not rows:
        return None
    filed, accession = max(rows)
    return accession, filed


def test_first_evaluation_loads_every_company_once(tmp_path):
    result = evaluate(tmp_path, "2026-11-22", None)
    tickers = [c.ticker for c in sec.load_companies()]
    assert sorted(r.partition_key for r in result.run_requests) == sorted(tickers)
    cursor = json.loads(result.cursor)
    assert cursor["MSFT"] == latest_periodic("MSFT", date(2026, 11, 22))[0]
    msft = next(r for r in result.run_requests if r.partition_key == "MSFT")
    assert msft.run_key == f"sec-MSFT-{cursor['MSFT']}"
    assert msft.tags["sec/form"] == "10-Q"


def test_nothing_new_is_a_skip(tmp_path):
    cursor = evaluate(tmp_path, "2026-11-22", None).cursor
    again = evaluate(tmp_path, "2026-11-22", cursor)
    assert isinstance(again, dg.SkipReason)
    assert "18 companies" in again.skip_message


def test_only_companies_with_a_new_periodic_filing_are_refreshed(tmp_path):
    before, after = date(2026, 10, 20), date(2026, 11, 22)
    cursor = evaluate(tmp_path, before.isoformat(), None).cursor
    result = evaluate(tmp_path, after.isoformat(), cursor)
    expected = {
        c.ticker
        for c in sec.load_companies()
        if (latest_periodic(c.ticker, after) or (None,))[0]
        != (latest_periodic(c.ticker, before) or (None,))[0]
    }
    assert 0 < len(expected) < 18  # a quarter's 10-Qs arrive over weeks, not all at once
    assert {r.partition_key for r in result.run_requests} == expected
    assert all(r.tags["sec/form"] in PERIODIC for r in result.run_requests)


def test_weekly_refresh_covers_every_company_in_one_run():
    saturday = datetime(2026, 11, 21, 6, 0, tzinfo=ZoneInfo("America/New_York"))
    request = sec_weekly_refresh(dg.build_schedule_context(scheduled_execution_time=saturday))
    assert request.run_key == "sec-weekly-2026-11-21"
    keys = COMPANY_PARTITIONS.get_partition_keys()
    assert request.tags["dagster/asset_partition_range_start"] == keys[0]
    assert request.tags["dagster/asset_partition_range_end"] == keys[-1]
    assert len(keys) == len(sec.load_companies()) == 18


def test_live_mode_needs_a_contact_for_sec(tmp_path):
    resource = MarketDataResource(source_mode="live", landing_dir=str(tmp_path))
    with pytest.raises(sec.SecConfigError, match="SEC_USER_AGENT"):
        resource.sec_agent()


def test_one_company_refresh_replaces_only_that_company(tmp_path):
    resources = {
        "warehouse": WarehouseResource(path=str(tmp_path / "wh.duckdb")),
        "market_data": market(tmp_path, "2026-11-22"),
    }
    warehouse = Warehouse(tmp_path / "wh.duckdb")

    def counts():
        frame = warehouse.query_frame("select cik, count(*) as n from raw.sec_facts group by cik")
        return dict(zip(frame["cik"], frame["n"], strict=True))

    for ticker in ("GOOGL", "MSFT"):
        result = dg.materialize(
            [raw_sec_facts],
            partition_key=ticker,
            resources=resources,
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
    first = counts()
    assert set(first) == {1652044, 789019}
    rerun = dg.materialize(
        [raw_sec_facts],
        partition_key="MSFT",
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert counts() == first  # idempotent, and Alphabet's rows untouched
    (evaluation,) = rerun.get_asset_check_evaluations()
    assert evaluation.check_name == SEC_CHECK and evaluation.passed
    assert evaluation.asset_key == RAW_SEC_FACTS
