"""The incremental breadth models equal a full rebuild after each kind of change a night brings.

The breadth models recompute only a window (new sessions, restated bars, changed membership)
and find it before their query runs. Here the real Stooq files of six ETFs are loaded up to
three sessions before their end and built; then, one change at a time, the warehouse is built
incrementally and a copy of it is rebuilt from scratch (--full-refresh): every breadth table
must hold the same rows, up to the time each row was computed.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest

from orchestration.sources.prices import stooq
from orchestration.warehouse import INDEX_MEMBERSHIP, PRICES_DAILY, LoadStamp, Warehouse
from tests.integration.dbt_runner import run_dbt

SYMBOLS = ["SPY", "QQQ", "RSP", "XLK", "XLF", "XLE"]
SELECTION = ["--select", "+fct_market_breadth_daily +fct_index_concentration_daily"]
BREADTH_TABLES = {
    "intermediate.int_breadth__symbol_sessions": ["symbol", "trade_date"],
    "intermediate.int_breadth__daily_counts": ["universe", "trade_date"],
    "intermediate.int_breadth__oscillators": ["universe", "trade_date"],
    "intermediate.int_breadth__concentration_daily": ["universe", "trade_date"],
    "marts.fct_market_breadth_daily": ["universe", "trade_date"],
    "marts.fct_index_concentration_daily": ["universe", "trade_date"],
}
SPELLS = [
    ("QQQ", date(2005, 1, 3), None, "Information Technology"),
    ("XLK", date(2005, 1, 3), None, "Information Technology"),
    ("XLF", date(2005, 1, 3), date(2020, 3, 16), "Financials"),
    ("XLE", date(2005, 1, 3), None, "Energy"),
    ("RSP", date(2015, 6, 1), None, "Industrials"),
]


def stamp(run_id: str) -> LoadStamp:
    return LoadStamp(
        source="breadth-test", source_mode="live", run_id=run_id, loaded_at=datetime.now(UTC)
    )


def load_bars(warehouse: Warehouse, bars: pd.DataFrame, run_id: str) -> None:
    warehouse.replace_date_range(
        PRICES_DAILY,
        bars,
        date_column="date",
        start=bars["date"].min().date(),
        end=bars["date"].max().date(),
        scope=pd.DataFrame({"symbol": bars["symbol"].unique(), "provider": "stooq"}),
        stamp=stamp(run_id),
    )


def load_spells(warehouse: Warehouse, spells: list[tuple], run_id: str) -> None:
    frame = pd.DataFrame(spells, columns=["symbol", "start_date", "end_date", "gics_sector"])
    membership = frame.assign(
        index_id="SP500",
        security_name=frame["symbol"],
        gics_sub_industry=None,
        cik=None,
        source="test",
        payload_ref="hand-written",
    )
    warehouse.replace_rows(
        INDEX_MEMBERSHIP,
        membership,
        scope=pd.DataFrame({"index_id": ["SP500"]}),
        stamp=stamp(run_id),
    )


def table_rows_without_computed_at(path, table: str, keys: list[str]) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as connection:
        columns = [
            name
            for name, *_ in connection.execute(f"describe {table}").fetchall()
            if name != "computed_at"
        ]
        frame = connection.execute(f"select {', '.join(columns)} from {table}").df()
    return frame.sort_values(keys, ignore_index=True)


def assert_incremental_equals_full_rebuild(warehouse: Warehouse, tmp_path, step: str) -> None:
    run_dbt(warehouse.path, "build", *SELECTION, "--log-path", str(tmp_path / f"{step}_logs"))
    rebuilt = tmp_path / step / "market.duckdb"
    rebuilt.parent.mkdir()
    shutil.copyfile(warehouse.path, rebuilt)
    run_dbt(rebuilt, "build", *SELECTION, "--full-refresh", "--log-path", str(rebuilt.parent))
    for table, keys in BREADTH_TABLES.items():
        incremental = table_rows_without_computed_at(warehouse.path, table, keys)
        full = table_rows_without_computed_at(rebuilt, table, keys)
        assert len(incremental) == len(full), f"{step}: {table} rows differ"
        pd.testing.assert_frame_equal(
            incremental, full, check_exact=False, rtol=1e-9, atol=1e-9, obj=f"{step}: {table}"
        )


@pytest.fixture(scope="module")
def parsed_bars(fixtures_dir) -> pd.DataFrame:
    frames = []
    for symbol in SYMBOLS:
        body = gzip.decompress(
            (fixtures_dir / "prices" / "stooq" / f"{symbol.lower()}.us.txt.gz").read_bytes()
        )
        frames.append(stooq.parse_daily_csv(body, symbol).bars.assign(payload_ref=symbol))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory, parsed_bars):
    """Bars up to three sessions before the files end, the spells above, a full build."""
    root = tmp_path_factory.mktemp("breadth_incremental")
    warehouse = Warehouse(root / "market.duckdb")
    sessions = sorted(parsed_bars.loc[parsed_bars["symbol"] == "SPY", "date"].unique())
    held_back = parsed_bars["date"] >= sessions[-3]
    load_bars(warehouse, parsed_bars[~held_back], "history")
    load_spells(warehouse, SPELLS, "membership")
    run_dbt(warehouse.path, "build", *SELECTION, "--log-path", str(root / "first_build_logs"))
    return warehouse, parsed_bars[held_back]


def test_each_kind_of_change_builds_incrementally_to_the_full_rebuild(built, parsed_bars, tmp_path):
    warehouse, held_back = built
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        last_built = connection.execute(
            "select max(trade_date) from intermediate.int_breadth__daily_counts"
        ).fetchone()[0]

    # a new session, as every night
    first_new = held_back[held_back["date"] == held_back["date"].min()]
    load_bars(warehouse, first_new, "night-1")
    assert_incremental_equals_full_rebuild(warehouse, tmp_path, "new_session")
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        assert (
            connection.execute(
                "select max(trade_date) from intermediate.int_breadth__daily_counts"
            ).fetchone()[0]
            > last_built
        )

    # a restated bar deep in the history: XLK's close on 2024-06-03 revised up 5%
    xlk = parsed_bars[(parsed_bars["symbol"] == "XLK") & (parsed_bars["date"] == "2024-06-03")]
    assert len(xlk) == 1
    load_bars(warehouse, xlk.assign(close=xlk["close"] * 1.05, adj_close=xlk["adj_close"] * 1.05),
              "restated-bar")  # fmt: skip
    assert_incremental_equals_full_rebuild(warehouse, tmp_path, "restated_bar")

    # a restated membership spell: XLF leaves in 2018, not 2020 (no new bars at all)
    restated = [(s, start, date(2018, 1, 2) if s == "XLF" else end, sector)
                for s, start, end, sector in SPELLS]  # fmt: skip
    load_spells(warehouse, restated, "restated-membership")
    assert_incremental_equals_full_rebuild(warehouse, tmp_path, "restated_spell")

    # a new member with its whole history (SPY joins in 2010), and the last two sessions
    load_spells(warehouse, [*restated, ("SPY", date(2010, 1, 4), None, "Financials")], "added")
    load_bars(warehouse, held_back[held_back["date"] > held_back["date"].min()], "night-2")
    assert_incremental_equals_full_rebuild(warehouse, tmp_path, "new_member_and_sessions")
