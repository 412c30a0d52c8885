"""Benchmark 5: the breadth mart's core measures in pandas, as a user would write them, vs the
dbt/DuckDB models, on the same warehouse in the same run, results asserted equal.

Measures, per index universe (sp500, r2000) and NYSE session (SPY's trade dates), over the
point-in-time members (spells [start_date, end_date)): members, members with data (a bar today
and on the previous session), advancers, decliners, members with 200 bars of history, members
above their 200-bar average (% above), and the McClellan oscillator (EMA19 - EMA39 of net
advances over sessions with data, seeded with the first value, carried over sessions without).
The dbt side is a full refresh of the breadth chain (``dbt run``), timed by dbt's own model
execution times and by the process's wall time.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from benchmarks.context import Context
from benchmarks.measure import measured, run_dbt

BREADTH_CHAIN = (
    "int_breadth__symbol_sessions",
    "int_breadth__daily_counts",
    "int_breadth__oscillators",
    "fct_market_breadth_daily",
)
# refreshed with the chain so its incremental window stays in step with the counts it reads
ALSO_REFRESHED = ("int_breadth__concentration_daily",)
UNIVERSES = ("sp500", "r2000")
COUNT_COLUMNS = [
    "members_expected",
    "members_with_data",
    "advancers",
    "decliners",
    "members_with_200d_history",
    "members_above_200d",
]


def pandas_breadth(warehouse_path) -> pd.DataFrame:
    """The measures from the raw tables, with pandas: reading included."""
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        spells = connection.execute(
            "select lower(index_id) as universe, symbol, start_date, end_date "
            "from raw.index_membership"
        ).df()
        bars = connection.execute(
            "select symbol, date, close from raw.prices_daily "
            "where symbol in (select symbol from raw.index_membership) or symbol = 'SPY'"
        ).df()
    bars["date"] = bars["date"].astype("datetime64[s]")
    sessions = np.sort(bars.loc[bars["symbol"] == "SPY", "date"].unique())
    previous_session = pd.Series(np.r_[np.datetime64("NaT"), sessions[:-1]], index=sessions)
    bars = bars[bars["symbol"].isin(set(spells["symbol"]))].sort_values(["symbol", "date"])
    by_symbol = bars.groupby("symbol", sort=False)
    previous_date = by_symbol["date"].shift(1)
    previous_close = by_symbol["close"].shift(1)
    on_previous_session = (
        previous_date.to_numpy() == previous_session.reindex(bars["date"]).to_numpy()
    )
    bars["has_data"] = on_previous_session
    bars["advancer"] = on_previous_session & (bars["close"] > previous_close)
    bars["decliner"] = on_previous_session & (bars["close"] < previous_close)
    sma_200 = (
        by_symbol["close"].rolling(200, min_periods=200).mean().reset_index(level=0, drop=True)
    )
    bars["has_200d"] = sma_200.notna()
    bars["above_200d"] = bars["close"] > sma_200

    # members per session: each spell expanded to the sessions it covers
    start = np.searchsorted(sessions, spells["start_date"].astype("datetime64[s]").to_numpy())
    end_dates = spells["end_date"].astype("datetime64[s]").to_numpy()
    end = np.where(pd.isna(end_dates), len(sessions), np.searchsorted(sessions, end_dates))
    lengths = np.maximum(end - start, 0)
    spell_of_row = np.repeat(np.arange(len(spells)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    members = pd.DataFrame(
        {
            "universe": spells["universe"].to_numpy()[spell_of_row],
            "symbol": spells["symbol"].to_numpy()[spell_of_row],
            "date": sessions[start[spell_of_row] + offsets],
        }
    )
    signals = members.merge(
        bars[["symbol", "date", "has_data", "advancer", "decliner", "has_200d", "above_200d"]],
        on=["symbol", "date"],
        how="left",
    )
    flags = ["has_data", "advancer", "decliner", "has_200d", "above_200d"]
    signals[flags] = signals[flags].fillna(False).astype(bool)
    counts = signals.groupby(["universe", "date"]).agg(
        members_expected=("symbol", "size"),
        members_with_data=("has_data", "sum"),
        advancers=("advancer", "sum"),
        decliners=("decliner", "sum"),
        members_with_200d_history=("has_200d", "sum"),
        members_above_200d=("above_200d", "sum"),
    )
    counts = counts.reset_index()
    counts["pct_above_200d"] = (
        100.0
        * counts["members_above_200d"]
        / counts["members_with_200d_history"].replace(0, np.nan)
    )
    oscillators = []
    for _, frame in counts.groupby("universe"):
        frame = frame.sort_values("date")
        data = frame[frame["members_with_data"] > 0]
        net = (data["advancers"] - data["decliners"]).astype(float)
        oscillator = net.ewm(span=19, adjust=False).mean() - net.ewm(span=39, adjust=False).mean()
        oscillators.append(oscillator.reindex(frame.index).ffill())
    counts["mcclellan_oscillator"] = pd.concat(oscillators)
    return counts.rename(columns={"date": "trade_date"})


def mart_breadth(warehouse_path) -> pd.DataFrame:
    columns = ", ".join(COUNT_COLUMNS)
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        return connection.execute(
            f"select universe, trade_date, {columns}, pct_above_200d, mcclellan_oscillator "
            "from marts.fct_market_breadth_daily where universe in ('sp500', 'r2000')"
        ).df()


def compare(peer: pd.DataFrame, mart: pd.DataFrame) -> dict:
    peer = peer[peer["universe"].isin(UNIVERSES)].copy()
    peer["trade_date"] = peer["trade_date"].astype("datetime64[s]")
    mart = mart.copy()
    mart["trade_date"] = mart["trade_date"].astype("datetime64[s]")
    joined = peer.merge(
        mart, on=["universe", "trade_date"], how="outer", suffixes=("_pd", "_db"), indicator=True
    )
    unmatched = int((joined["_merge"] != "both").sum())
    joined = joined[joined["_merge"] == "both"]
    count_mismatches = {
        column: int((joined[f"{column}_pd"] != joined[f"{column}_db"]).sum())
        for column in COUNT_COLUMNS
    }
    pct_difference = (joined["pct_above_200d_pd"] - joined["pct_above_200d_db"]).abs().max()
    both_null = joined["pct_above_200d_pd"].isna() == joined["pct_above_200d_db"].isna()
    mcclellan_difference = (
        (joined["mcclellan_oscillator_pd"] - joined["mcclellan_oscillator_db"].astype(float))
        .abs()
        .max()
    )
    return {
        "rows_compared": len(joined),
        "unmatched_rows": unmatched,
        "count_mismatches": count_mismatches,
        "pct_above_200d_max_abs_difference": float(np.nan_to_num(pct_difference)),
        "pct_above_200d_null_mismatches": int((~both_null).sum()),
        "mcclellan_max_abs_difference": float(np.nan_to_num(mcclellan_difference)),
    }


def run(context: Context) -> dict:
    context.ensure_built()
    path = context.warehouse_path
    with duckdb.connect(str(path), read_only=True) as connection:
        built = {
            name
            for (name,) in connection.execute("select table_name from duckdb_tables()").fetchall()
        }
    also = [name for name in ALSO_REFRESHED if name in built]
    dbt = run_dbt(path, context.workdir, "run", "--full-refresh", "--select", *BREADTH_CHAIN, *also)
    with measured("pandas") as stage:
        peer = pandas_breadth(path)
    comparison = compare(peer, mart_breadth(path))
    equal = (
        comparison["unmatched_rows"] == 0
        and not any(comparison["count_mismatches"].values())
        and comparison["pct_above_200d_null_mismatches"] == 0
        and comparison["pct_above_200d_max_abs_difference"] < 1e-9
        and comparison["mcclellan_max_abs_difference"] < 1e-6
    )
    if not equal:
        raise AssertionError(f"pandas and the breadth mart disagree: {comparison}")
    dbt_sql = sum(dbt.model_seconds[name] for name in BREADTH_CHAIN)
    with duckdb.connect(str(path), read_only=True) as connection:
        bar_rows = connection.execute(
            "select count(*) from intermediate.int_breadth__symbol_sessions"
        ).fetchone()[0]
    return {
        "rows": bar_rows,
        "equal": equal,
        **comparison,
        "pandas_seconds": round(stage.seconds, 2),
        "pandas_peak_mb": round(stage.peak),
        "dbt_sql_seconds": round(dbt_sql, 2),
        "dbt_wall_seconds": round(dbt.seconds, 2),
        "dbt_peak_mb": round(dbt.peak_mb),
        "dbt_model_seconds": {name: round(dbt.model_seconds[name], 2) for name in BREADTH_CHAIN},
        "pandas_vs_dbt_sql_ratio": round(stage.seconds / dbt_sql, 2),
        "pandas_vs_dbt_wall_ratio": round(stage.seconds / dbt.seconds, 2),
        "pandas_vs_dbt_peak_ratio": round(stage.peak / dbt.peak_mb, 2),
    }
