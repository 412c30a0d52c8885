"""The membership asset on the sample index, and the prices asset fetching every member."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pandas as pd
import pytest

from orchestration.defs.prices import index_members
from orchestration.defs.resources import MarketDataResource
from orchestration.defs.universe import (
    COUNT_CHECK,
    MEMBERSHIP_CHECK,
    month_ends,
    raw_index_membership,
)
from orchestration.sample.membership import sample_membership
from orchestration.warehouse import Warehouse, WarehouseResource

AS_OF = "2026-08-07T21:00:00+00:00"  # a Friday evening: the session has settled


@pytest.fixture
def loaded(tmp_path):
    resources = {
        "warehouse": WarehouseResource(path=str(tmp_path / "wh.duckdb")),
        "market_data": MarketDataResource(
            source_mode="sample", landing_dir=str(tmp_path / "landing"), sample_as_of=AS_OF
        ),
    }
    result = dg.materialize(
        [raw_index_membership],
        resources=resources,
        run_config={
            "ops": {raw_index_membership.op.name: {"config": {"holdings_since": "2026-05-01"}}}
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    return result, Warehouse(tmp_path / "wh.duckdb"), resources


def test_membership_loads_and_both_checks_pass(loaded):
    result, warehouse, _ = loaded
    assert result.success
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {MEMBERSHIP_CHECK: True, COUNT_CHECK: True}
    counts = warehouse.table_row_counts("raw")
    assert counts["raw.index_membership"] > 900
    snapshots = warehouse.query_frame(
        "select fund, index_id, as_of_date, count(*) as holdings from raw.index_holdings "
        "group by all order by all"
    )
    # Both funds: May, June and July month ends, then today's file, which iShares dates by the
    # previous session's close.
    dates = [date(2026, 5, 29), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 6)]
    for fund, index_id in (("IVV", "SP500"), ("IWM", "R2000")):
        rows = snapshots[snapshots["fund"] == fund]
        assert rows["as_of_date"].dt.date.tolist() == dates
        assert set(rows["index_id"]) == {index_id}
    ivv = snapshots[snapshots["fund"] == "IVV"]
    assert ivv["holdings"].between(495, 510).all()


def test_members_match_the_simulation_on_a_named_day(loaded):
    _, warehouse, _ = loaded
    truth = sample_membership()
    day = pd.Timestamp("2024-06-03")
    stored = warehouse.query_frame(
        "select symbol from raw.index_membership where index_id = 'SP500' "
        "and start_date <= ? and (end_date is null or end_date > ?)",
        [day, day],
    )
    assert set(stored["symbol"]) == set(truth.members("SP500", day.date()))


def test_reloading_is_idempotent(loaded):
    _, warehouse, resources = loaded
    before = warehouse.table_row_counts("raw")
    again = dg.materialize(
        [raw_index_membership], resources=resources, instance=dg.DagsterInstance.ephemeral()
    )
    assert again.success
    assert warehouse.table_row_counts("raw") == before


def test_prices_fetch_every_member_of_the_range_once(loaded):
    _, warehouse, _ = loaded
    members = index_members(warehouse, date(2026, 8, 3), date(2026, 8, 7), exclude={"MSFT"})
    symbols = {m.symbol for m in members}
    truth = sample_membership()
    expected = {
        s
        for day in pd.bdate_range("2026-08-03", "2026-08-07")
        for index in ("SP500", "R2000")
        for s in truth.members(index, day.date())
    } - {"MSFT"}
    # IWM snapshots describe the fund from their date on, so R2000 members come from the
    # latest snapshot on or before the range (2026-07-31) and the ones in it.
    assert expected <= symbols
    assert "MSFT" not in symbols
    share_class = next(m for m in members if m.symbol == "VNTQ.B")
    assert share_class.provider_symbols["yahoo"] == "VNTQ-B"
    assert share_class.provider_symbols["stooq"] == "vntq-b.us"


def test_month_end_snapshots_are_sessions():
    # 2024-03-29 was Good Friday: the March snapshot is the Thursday before.
    assert month_ends(date(2024, 2, 1), date(2024, 4, 10)) == [
        date(2024, 2, 29),
        date(2024, 3, 28),
        date(2024, 4, 10),
    ]
