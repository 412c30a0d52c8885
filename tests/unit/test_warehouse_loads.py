"""Loads from an Arrow table, the form the price fetch hands to the warehouse."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from orchestration.sources.prices import stooq
from orchestration.sources.prices.fetch import concat_bars, with_payload_ref
from orchestration.warehouse import PRICES_DAILY, LoadStamp, Warehouse

BODY = (
    b"Date,Open,High,Low,Close,Volume\n"
    b"2020-01-02,296.24,298.43,295.70,298.42,59151200\n"
    b"2020-01-03,297.15,300.58,296.50,297.43,77709700\n"
)
SCOPE = pd.DataFrame({"symbol": ["SPY"], "provider": ["stooq"]}, dtype="string")


def stamp(run_id: str) -> LoadStamp:
    return LoadStamp("prices", "sample", run_id, datetime(2026, 1, 5, tzinfo=UTC))


def load(warehouse: Warehouse, bars, run_id: str):
    return warehouse.replace_date_range(
        PRICES_DAILY, bars, date_column="date", start=date(2020, 1, 1), end=date(2020, 1, 31),
        scope=SCOPE, stamp=stamp(run_id),
    )  # fmt: skip


def stored(warehouse: Warehouse) -> list[tuple]:
    with warehouse.connect(read_only=True) as connection:
        return connection.execute(
            "select symbol, date, close, volume, adj_close, div_cash, _payload_ref, _run_id "
            "from raw.prices_daily order by date"
        ).fetchall()


def test_an_arrow_table_loads_and_a_second_load_replaces_it(tmp_path) -> None:
    warehouse = Warehouse(tmp_path / "market.duckdb")
    bars = concat_bars(
        [with_payload_ref(stooq.parse_daily_csv(BODY, "SPY").bars_table, "stooq/spy.csv")]
    )

    first = load(warehouse, bars, "run-1")
    second = load(warehouse, bars, "run-2")

    assert (first.deleted, first.inserted) == (0, 2)
    assert (second.deleted, second.inserted) == (2, 2)
    assert stored(warehouse) == [
        ("SPY", date(2020, 1, 2), 298.42, 59151200.0, 298.42, None, "stooq/spy.csv", "run-2"),
        ("SPY", date(2020, 1, 3), 297.43, 77709700.0, 297.43, None, "stooq/spy.csv", "run-2"),
    ]


def test_an_arrow_table_without_payload_ref_is_refused_and_nothing_changes(tmp_path) -> None:
    warehouse = Warehouse(tmp_path / "market.duckdb")
    batch = stooq.parse_daily_csv(BODY, "SPY")
    load(warehouse, with_payload_ref(batch.bars_table, "stooq/spy.csv"), "run-1")

    with pytest.raises(
        ValueError, match=r"raw.prices_daily: frame lacks columns \['payload_ref'\]"
    ):
        load(warehouse, batch.bars_table, "run-2")

    assert [row[-1] for row in stored(warehouse)] == ["run-1", "run-1"]
