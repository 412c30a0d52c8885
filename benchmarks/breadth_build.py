"""Benchmark: the breadth and concentration marts on a synthetic S&P-500-sized index.

Not a test: it prints figures. It generates ``--members`` index slots over ``--years`` of NYSE
sessions (vectorised numpy random walks with a market and a sector factor), with membership
spells that replace a few members a year (the removed stock keeps trading a while, the added
one has a year of history before joining), SEC shares-outstanding facts filed quarterly, and
a few missing bars. Rows go straight into raw.* from registered Arrow tables. Then it runs

    dbt build --select +fct_market_breadth_daily +fct_index_concentration_daily

(full build), appends one more session of bars and rebuilds (incremental), and finally runs a
full refresh of the breadth models to check that the incremental result matches it. Printed:
rows, wall seconds, per-model seconds from run_results.json, and the peak resident memory of
the dbt process (resource.getrusage of children).

    .venv/bin/python -m benchmarks.breadth_build [--members 500] [--years 20]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pyarrow as pa

from orchestration.sources.identifiers import GICS_SECTORS
from orchestration.warehouse import (
    INDEX_HOLDINGS,
    INDEX_MEMBERSHIP,
    PRICES_DAILY,
    SEC_FACTS,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SELECTION = "+fct_market_breadth_daily +fct_index_concentration_daily"
BREADTH_MODELS = (
    "int_breadth__symbol_sessions int_breadth__daily_counts int_breadth__oscillators "
    "int_breadth__concentration_daily"
)


def nyse_sessions(years: int, end: str = "2025-12-31") -> pd.DatetimeIndex:
    end_ts = pd.Timestamp(end)
    start_ts = end_ts - pd.DateOffset(years=years)
    calendar = xcals.get_calendar("XNYS", start=start_ts - pd.Timedelta(days=10), end=end_ts)
    return calendar.sessions_in_range(start_ts, end_ts).tz_localize(None)


def next_session(after: pd.Timestamp) -> pd.Timestamp:
    calendar = xcals.get_calendar(
        "XNYS", start=after - pd.Timedelta(days=10), end=after + pd.Timedelta(days=20)
    )
    return calendar.next_session(after).tz_localize(None)


class Market:
    """Synthetic members: one price path per symbol over the whole calendar (plus one day)."""

    def __init__(self, members: int, years: int, seed: int = 7):
        self.rng = np.random.default_rng(seed)
        self.sessions = nyse_sessions(years)
        self.extra_session = next_session(self.sessions[-1])
        all_days = self.sessions.append(pd.DatetimeIndex([self.extra_session]))
        days = len(all_days)
        rng = self.rng
        # membership: `members` slots; each slot is replaced ~once every 25 years on average
        replacements = rng.binomial(1, 1 / (25 * 252), size=(days, members))
        replacements[0] = 0
        replacements[-1] = 0  # no membership change on the appended day
        slot_changes = [np.flatnonzero(replacements[:, slot]) for slot in range(members)]
        symbols, sectors, starts, ends, slot_of = [], [], [], [], []
        for slot, changes in enumerate(slot_changes):
            bounds = [0, *changes.tolist(), None]
            sector = GICS_SECTORS[slot % len(GICS_SECTORS)]
            for spell in range(len(bounds) - 1):
                symbols.append(f"M{slot:03d}{chr(65 + spell % 26)}{spell // 26 or ''}")
                sectors.append(sector if rng.random() > 0.05 else GICS_SECTORS[rng.integers(11)])
                starts.append(bounds[spell])
                ends.append(bounds[spell + 1])
                slot_of.append(slot)
        self.symbols = np.array(symbols)
        self.sectors = np.array(sectors)
        n = len(symbols)
        start_index = np.array(starts)
        end_index = np.array([days if e is None else e for e in ends])
        # bars: a year of history before joining, trading 60 sessions after removal
        self.first_bar = np.maximum(start_index - 252, 0)
        self.last_bar = np.minimum(end_index + 60, days)  # exclusive
        self.spell_start = [all_days[i] for i in start_index]
        self.spell_end = [None if e is None else all_days[e] for e in ends]
        # returns: market + sector + idiosyncratic, fat-ish tails
        market = rng.normal(0.0003, 0.011, days)
        sector_index = np.array([GICS_SECTORS.index(s) for s in self.sectors])
        sector_returns = rng.normal(0, 0.007, (days, len(GICS_SECTORS)))
        beta = rng.uniform(0.6, 1.5, n)
        idio = rng.standard_t(4, (days, n)) * rng.uniform(0.008, 0.02, n) / np.sqrt(2)
        returns = market[:, None] * beta + sector_returns[:, sector_index] + idio
        returns = np.clip(returns, -0.5, 0.5)
        self.closes = (
            rng.uniform(10, 300, n) * np.exp(np.cumsum(np.log1p(returns), axis=0))
        ).round(4)
        self.market_close = (400 * np.exp(np.cumsum(np.log1p(market)))).round(4)
        self.days = all_days
        self.shares = rng.uniform(5e7, 5e9, n) * np.exp(rng.normal(0, 0.5, n))
        # ~0.2% of member bars missing at random
        self.missing = rng.random((days, n)) < 0.002

    def bars(self, day_slice: slice) -> pa.Table:
        day_numbers = np.arange(len(self.days))[day_slice]
        alive = (day_numbers[:, None] >= self.first_bar) & (day_numbers[:, None] < self.last_bar)
        alive &= ~self.missing[day_slice]
        day_index, symbol_index = np.nonzero(alive)
        closes = self.closes[day_slice][day_index, symbol_index]
        dates = self.days[day_slice].values[day_index]
        spy_dates = self.days[day_slice].values
        spy_closes = self.market_close[day_slice]
        symbol = np.concatenate([self.symbols[symbol_index], np.full(len(spy_dates), "SPY")])
        date = np.concatenate([dates, spy_dates]).astype("datetime64[D]")
        close = np.concatenate([closes, spy_closes])
        return pa.table(
            {
                "symbol": symbol,
                "date": date,
                "close": close,
            }
        )

    def membership(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "index_id": "SP500",
                "symbol": self.symbols,
                "start_date": [d.date() for d in self.spell_start],
                "end_date": [None if d is None else d.date() for d in self.spell_end],
                "security_name": [f"Synthetic {s}" for s in self.symbols],
                "gics_sector": self.sectors,
                "gics_sub_industry": None,
                "cik": np.arange(1, len(self.symbols) + 1) + 9_000_000,
                "source": "benchmark",
            }
        )

    def shares_facts(self) -> pd.DataFrame:
        quarter_ends = pd.date_range(
            self.days[0] - pd.DateOffset(months=3), self.days[-1], freq="QE"
        )
        n, q = len(self.symbols), len(quarter_ends)
        growth = np.exp(np.cumsum(self.rng.normal(0, 0.01, (q, n)), axis=0))
        values = (self.shares * growth).round()
        quarter, symbol = np.meshgrid(np.arange(q), np.arange(n), indexing="ij")
        period_end = quarter_ends.values[quarter.ravel()]
        return pd.DataFrame(
            {
                "cik": symbol.ravel() + 9_000_001,
                "entity_name": None,
                "taxonomy": "dei",
                "tag": "EntityCommonStockSharesOutstanding",
                "unit": "shares",
                "period_start": pd.NaT,
                "period_end": period_end,
                "val": values.ravel(),
                "accn": [
                    f"B-{s}-{k}" for k, s in zip(quarter.ravel(), symbol.ravel(), strict=True)
                ],
                "fy": None,
                "fp": None,
                "form": "10-Q",
                "filed": period_end + np.timedelta64(35, "D"),
                "frame": None,
            }
        )


def insert_bars(connection: duckdb.DuckDBPyConnection, bars: pa.Table, loaded_at: datetime) -> int:
    connection.register("incoming_bars", bars)
    connection.execute(
        """
        insert into raw.prices_daily
        select symbol, date, 'tiingo', close, close, close, close, 1e6,
            close, close, close, close, 1e6, null, null, 'none',
            'benchmark', 'sample', 'benchmark', ?, 'benchmark'
        from incoming_bars
        """,
        [loaded_at],
    )
    connection.unregister("incoming_bars")
    return bars.num_rows


def insert_frame(connection, table, frame: pd.DataFrame, loaded_at: datetime) -> None:
    connection.register("incoming_frame", frame)
    columns = ", ".join(
        f"cast(incoming_frame.{name} as {kind.replace(' NOT NULL', '')})"
        for name, kind in table.columns.items()
    )
    connection.execute(
        f"insert into {table.qualified} select {columns}, 'benchmark', 'sample', 'benchmark', ?, "
        "'benchmark' from incoming_frame",
        [loaded_at],
    )
    connection.unregister("incoming_frame")


def run_dbt(args: argparse.Namespace, *dbt_args: str) -> tuple[float, dict[str, float], float]:
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(args.workdir / "wh.duckdb"),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT / "dbt_project"),
    }
    target = args.workdir / "target"
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *dbt_args,
        "--project-dir",
        str(args.project_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(args.workdir / "logs"),
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    # the largest resident set of any finished child process so far (ru_maxrss is in KiB)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if completed.returncode != 0:
        print(completed.stdout[-8000:], completed.stderr[-2000:])
        raise SystemExit(f"dbt {' '.join(dbt_args)} failed")
    results = json.loads((target / "run_results.json").read_text())
    per_node = {
        result["unique_id"]: result["execution_time"]
        for result in results["results"]
        if result["unique_id"].startswith("model.")
    }
    return seconds, per_node, peak_mb


def breadth_seconds(per_node: dict[str, float]) -> float:
    return sum(
        seconds
        for unique_id, seconds in per_node.items()
        if "breadth" in unique_id or "concentration" in unique_id
    )


def print_models(per_node: dict[str, float], limit: int = 12) -> None:
    for unique_id, seconds in sorted(per_node.items(), key=lambda item: -item[1])[:limit]:
        print(f"    {unique_id.split('.')[-1]:<42} {seconds:8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/breadth_benchmark"))
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT / "dbt_project")
    args = parser.parse_args()

    if args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir.mkdir(parents=True)

    started = time.perf_counter()
    market = Market(args.members, args.years)
    loaded_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5)
    with duckdb.connect(str(args.workdir / "wh.duckdb")) as connection:
        connection.execute("create schema raw")
        for table in (PRICES_DAILY, INDEX_MEMBERSHIP, INDEX_HOLDINGS, SEC_FACTS):
            connection.execute(table.ddl())
        bar_rows = insert_bars(connection, market.bars(slice(0, -1)), loaded_at)
        membership = market.membership()
        insert_frame(connection, INDEX_MEMBERSHIP, membership, loaded_at)
        facts = market.shares_facts()
        insert_frame(connection, SEC_FACTS, facts, loaded_at)
    print(
        f"generated {len(market.sessions):,} sessions x {args.members} index slots: "
        f"{len(membership):,} membership spells ({len(membership) - args.members} replacements), "
        f"{bar_rows:,} bars, {len(facts):,} shares facts in {time.perf_counter() - started:.1f} s"
    )

    seconds, per_node, peak_mb = run_dbt(args, "build", "--select", SELECTION)
    with duckdb.connect(str(args.workdir / "wh.duckdb"), read_only=True) as connection:
        rows = {
            name: connection.execute(f"select count(*) from {name}").fetchone()[0]
            for name in (
                "intermediate.int_breadth__symbol_sessions",
                "intermediate.int_breadth__daily_counts",
                "marts.fct_market_breadth_daily",
                "marts.fct_index_concentration_daily",
            )
        }
    print(
        f"\nfull build (dbt build, models + tests): {seconds:.1f} s wall, peak RSS {peak_mb:,.0f} MB"
    )
    for name, count in rows.items():
        print(f"    rows {name:<45} {count:>12,}")
    print("  slowest models:")
    print_models(per_node)
    print(f"  breadth models together: {breadth_seconds(per_node):.2f} s")

    # one more session: bars of every symbol trading that day, loaded later
    with duckdb.connect(str(args.workdir / "wh.duckdb")) as connection:
        extra_rows = insert_bars(
            connection, market.bars(slice(-1, None)), datetime.now(UTC).replace(tzinfo=None)
        )
    seconds, per_node, peak_mb = run_dbt(args, "build", "--select", SELECTION)
    print(
        f"\none extra session ({market.extra_session.date()}, {extra_rows} bars), incremental "
        f"rebuild: {seconds:.1f} s wall, peak RSS so far {peak_mb:,.0f} MB"
    )
    print_models(per_node)
    print(f"  breadth models together: {breadth_seconds(per_node):.2f} s")

    with duckdb.connect(str(args.workdir / "wh.duckdb")) as connection:
        for name in ("fct_market_breadth_daily", "fct_index_concentration_daily"):
            connection.execute(
                f"create or replace table main.incremental_{name} as select * from marts.{name}"
            )
    seconds, per_node, _ = run_dbt(
        args,
        "run",
        "--full-refresh",
        "--select",
        f"{BREADTH_MODELS} fct_market_breadth_daily fct_index_concentration_daily",
    )
    print(f"\nfull refresh of the breadth models for comparison: {seconds:.1f} s wall")
    print_models(per_node, limit=6)
    print(f"  breadth models together: {breadth_seconds(per_node):.2f} s")
    with duckdb.connect(str(args.workdir / "wh.duckdb"), read_only=True) as connection:
        for name, columns in (
            (
                "fct_market_breadth_daily",
                [
                    "mcclellan_oscillator",
                    "summation_index",
                    "ad_line",
                    "pct_above_200d",
                    "ema10_advance_ratio",
                ],
            ),
            (
                "fct_index_concentration_daily",
                ["cap_weight_return", "herfindahl_index", "cap_weight_level"],
            ),
        ):
            differences = ", ".join(
                f"max(abs(a.{column} - b.{column})) as {column}" for column in columns
            )
            row = connection.execute(
                f"""
                select count(*) as rows, count(b.universe) as matched, {differences}
                from marts.{name} as a
                left join main.incremental_{name} as b using (universe, trade_date)
                """
            ).df()
            print(f"  incremental vs full refresh, {name}:")
            print("    " + row.to_string(index=False).replace("\n", "\n    "))


if __name__ == "__main__":
    main()
