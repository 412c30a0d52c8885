"""The estimate-file sensor and loads: each version once, malformed files quarantined whole."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.estimates import (
    ESTIMATES_CHECK,
    estimate_file_drops,
    file_run_config,
    raw_earnings_estimates,
)
from orchestration.defs.resources import MarketDataResource
from orchestration.sample.estimates import write_drop_files
from orchestration.warehouse import Warehouse, WarehouseResource

TODAY = date(2026, 11, 22)
MALFORMED = "estimates_2026-10-30.csv"
LATE = "estimates_2026-11-13.csv"


@pytest.fixture
def setup(tmp_path):
    drop = tmp_path / "drops"
    write_drop_files(drop, today=TODAY)
    market = MarketDataResource(
        source_mode="sample",
        landing_dir=str(tmp_path / "landing"),
        estimates_drop_dir=str(drop),
        sample_as_of=TODAY.isoformat(),
    )
    resources = {
        "warehouse": WarehouseResource(path=str(tmp_path / "wh.duckdb")),
        "market_data": market,
    }
    return drop, market, resources, Warehouse(tmp_path / "wh.duckdb")


def sense(market: MarketDataResource, cursor: str | None):
    return estimate_file_drops(
        dg.build_sensor_context(cursor=cursor, resources={"market_data": market})
    )


def run(resources, run_config=None):
    return dg.materialize(
        [raw_earnings_estimates],
        resources=resources,
        run_config=run_config,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def rows_by_as_of(warehouse: Warehouse) -> dict[str, int]:
    frame = warehouse.query_frame(
        "select strftime(as_of_date, '%Y-%m-%d') as d, count(*) as n "
        "from raw.earnings_estimates group by 1"
    )
    return dict(zip(frame["d"], frame["n"], strict=True))


def test_sensor_requests_each_file_once_in_arrival_order(setup):
    drop, market, _, _ = setup
    first = sense(market, None)
    names = [r.tags["estimates/file"] for r in first.run_requests]
    assert len(names) == 6
    assert names[-1] == LATE  # delivered last although dated before the newest file
    assert isinstance(sense(market, first.cursor), dg.SkipReason)
    # A new version of a file under the same name is a new run.
    changed = drop / "estimates_2026-11-20.csv"
    changed.write_bytes(changed.read_bytes().replace(b"\n", b"\r\n"))
    os.utime(changed, (0, 0))  # settled long ago
    again = sense(market, first.cursor)
    (request,) = again.run_requests
    assert request.tags["estimates/file"] == "estimates_2026-11-20.csv"
    assert json.loads(again.cursor)["estimates_2026-11-20.csv"] == request.tags["estimates/sha256"]


def test_malformed_file_is_quarantined_with_a_report_and_nothing_loads(setup):
    drop, _, resources, warehouse = setup
    result = run(resources, file_run_config({MALFORMED: "x"}))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "quarantined" in failure.event_specific_data.error.message
    assert not (drop / MALFORMED).exists()
    quarantined = sorted(p.name for p in (drop / "quarantine").iterdir())
    assert len(quarantined) == 2 and quarantined[1].endswith(".error.txt")
    report = (drop / "quarantine" / quarantined[1]).read_text()
    assert "QXZZ" in report and "low" in report.lower()
    assert rows_by_as_of(warehouse) == {}


def test_good_files_load_idempotently_and_pass_the_check(setup):
    _, market, resources, warehouse = setup
    for request in sense(market, None).run_requests:
        if request.tags["estimates/file"] != MALFORMED:
            assert run(resources, request.run_config).success
    counts = rows_by_as_of(warehouse)
    assert sorted(counts) == ["2026-10-16", "2026-10-23", "2026-11-06", "2026-11-13", "2026-11-20"]
    again = run(resources, file_run_config({LATE: "x"}))
    assert again.success and rows_by_as_of(warehouse) == counts
    (evaluation,) = again.get_asset_check_evaluations()
    assert evaluation.check_name == ESTIMATES_CHECK and evaluation.passed


def test_nightly_default_loads_yahoo_trends_for_companies_and_the_sp500(setup):
    _, _, resources, warehouse = setup
    result = run(resources)
    assert result.success
    frame = warehouse.query_frame(
        "select entity_type, entity_id, period_code, fiscal_period, growth_yoy "
        "from raw.earnings_estimates where source = 'yahoo'"
    )
    sp500 = frame[frame["entity_id"] == "SP500"].set_index("period_code")
    assert set(sp500.index) == {"0q", "+1q", "0y", "+1y"}
    assert sp500.loc["0y", "fiscal_period"] == "CY2026"
    assert (frame["entity_type"] == "company").sum() > 100
    assert Path(resources["market_data"].landing_dir).is_dir()
