"""Benchmarks 3 and 4: one new trading day end to end, and the same day again.

End to end, as the nightly job does it minus HTTP (payloads come from an in-process source):
parse every symbol's Stooq payload for the day -> ``Warehouse.replace_date_range`` of that
day -> the Great Expectations check on the rows just loaded (``validate_prices_daily``) ->
``dbt build`` of the whole project as the nightly job runs it (incremental models continue
from what they hold; dbt unit tests excluded) ->
``publish_marts``. Run on the full history and on a copy holding its last tenth: the cost
should grow with the new day, not with the history.

The re-run loads the same day again: the raw rows of the day (business columns) and every
published mart (content fingerprints of ``audit.publish_log``) must be unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from benchmarks.context import (
    Context,
    as_date,
    load_bars_floor,
    load_membership,
    publish_built,
    stamp,
    stooq_payloads,
)
from benchmarks.ingestion import load_scope, parse_payloads
from benchmarks.measure import measured, run_dbt
from benchmarks.scale import history_bars, seed_instruments, session_bars
from data_quality.suites.prices import validate_prices_daily
from orchestration.publish import publish_marts
from orchestration.warehouse import PRICES_DAILY, Warehouse

BUSINESS_COLUMNS = [c for c in PRICES_DAILY.columns] + ["_payload_ref", "_source_mode"]


def nightly(context: Context, warehouse_path: Path, workdir: Path, day: str, label: str) -> dict:
    """Load ``day`` into the warehouse at ``warehouse_path`` end to end; figures per step."""
    warehouse = Warehouse(warehouse_path)
    payloads = stooq_payloads(session_bars(context.dataset, day))
    run_id = f"benchmark-nightly-{label}-{day}"
    seeds = dict(seed_instruments())
    steps = {}
    with measured("total") as total:
        with measured("parse") as stage:
            bars = parse_payloads(payloads)
        steps["parse"] = stage
        scope = load_scope(bars)
        with measured("load") as stage:
            load = warehouse.replace_date_range(
                PRICES_DAILY, bars, date_column="date", start=as_date(day), end=as_date(day),
                scope=scope, stamp=stamp(run_id),
            )  # fmt: skip
        steps["load"] = stage
        with measured("checks") as stage:
            loaded = warehouse.rows_loaded_by_run(
                PRICES_DAILY, run_id, date_column="date", start=as_date(day), end=as_date(day)
            )
            outcome = validate_prices_daily(
                loaded,
                nyse_symbols=[s for s in seeds if s in set(loaded["symbol"])],
                sessions=[as_date(day)],
                listed_on={s: as_date(d) for s, d in seeds.items()},
            )
        steps["checks"] = stage
        if not outcome.success:
            raise AssertionError(f"nightly {label} {day}: the prices check failed: {outcome}")
        with measured("dbt") as stage:
            # the nightly job's invocation (orchestration/defs/dbt.py NIGHTLY_BUILD_ARGS)
            dbt = run_dbt(
                warehouse_path, workdir, "build", "--exclude-resource-type", "unit_test",
                *context.select_args,
            )  # fmt: skip
        stage.child_peak_mb = dbt.peak_mb
        steps["dbt"] = stage
        with measured("publish") as stage:
            published = publish_marts(
                warehouse_path,
                workdir / "published" / "analytics.duckdb",
                workdir / "published" / "parquet",
                run_id=run_id,
                source_mode="sample",
            )
        steps["publish"] = stage
    slowest = sorted(dbt.model_seconds.items(), key=lambda item: -item[1])[:8]
    return {
        "day": day,
        "rows": load.inserted,
        "rows_replaced": load.deleted,
        "seconds": round(total.seconds, 2),
        "peak_mb": round(max(s.peak for s in (*steps.values(), total))),
        "steps_seconds": {name: round(s.seconds, 2) for name, s in steps.items()},
        "dbt_sql_seconds": round(dbt.sql_seconds, 2),
        "dbt_models_seconds": round(sum(dbt.model_seconds.values()), 2),
        "dbt_tests_seconds": round(dbt.test_seconds, 2),
        "slowest_models": {name: round(seconds, 2) for name, seconds in slowest},
        "published_rows": sum(published.tables.values()),
    }


def tenth_warehouse(context: Context) -> tuple[Path, Path, dict]:
    """A second warehouse holding the last tenth of the history, built and published (untimed
    set-up)."""
    workdir = context.workdir / "tenth"
    path = workdir / "market.duckdb"
    marker = workdir / "built"
    if not marker.exists():
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        bars = history_bars(context.dataset, fraction=0.1)
        load_membership(Warehouse(path), context.dataset)
        load_bars_floor(path, bars)
        run = run_dbt(path, workdir, "build", *context.select_args)
        publish_built(path, workdir)
        marker.write_text(f"{bars.num_rows} {run.seconds:.1f}")
    rows, seconds = marker.read_text().split()
    return path, workdir, {"history_rows": int(rows), "build_seconds": float(seconds)}


def next_day(context: Context, loaded: list[str]) -> str:
    """The first session after the history that this warehouse has not loaded yet."""
    remaining = [day for day in context.dataset.new_sessions if day not in loaded]
    if not remaining:
        raise RuntimeError(
            f"every new session {context.dataset.new_sessions} is already loaded here: run "
            "with --fresh to measure the nightly again"
        )
    return remaining[0]


def run(context: Context, fractions: tuple[float, ...] = (0.1, 1.0)) -> dict:
    """One new day on each warehouse, side by side. Each night follows a publish (the build's,
    or the previous night's), as every night in production does."""
    results = {}
    if 0.1 in fractions:
        path, workdir, setup = tenth_warehouse(context)
        done = workdir / "nightly_days"
        loaded = done.read_text().split() if done.exists() else []
        day = next_day(context, loaded)
        results["tenth"] = {**nightly(context, path, workdir, day, "tenth"), **setup}
        done.write_text(" ".join([*loaded, day]))
    if 1.0 in fractions:
        context.ensure_built()
        loaded = context.state().get("nightly_days", [])
        day = next_day(context, loaded)
        results["full"] = {
            **nightly(context, context.warehouse_path, context.workdir, day, "full"),
            "history_rows": context.dataset.history_bar_rows,
        }
        context.mark(nightly_days=[*loaded, day])
    if "tenth" in results and "full" in results:
        results["full_vs_tenth_ratio"] = round(
            results["full"]["seconds"] / results["tenth"]["seconds"], 2
        )
    return results


def day_rows(warehouse_path: Path, day: str) -> pd.DataFrame:
    columns = ", ".join(BUSINESS_COLUMNS)
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        return connection.execute(
            f"select {columns} from raw.prices_daily where date = ? order by symbol, provider",
            [as_date(day)],
        ).df()


def mart_differences(before_path: Path, after_path: Path) -> dict[str, dict]:
    """Per mart: rows whose values differ between two published files, exactly and beyond a
    1e-9 tolerance on floating-point columns (rows matched by their non-float columns)."""
    out = {}
    with (
        duckdb.connect(str(before_path), read_only=True) as before_db,
        duckdb.connect(str(after_path), read_only=True) as after_db,
    ):
        tables = [
            name
            for (name,) in after_db.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        for table in tables:
            before = before_db.execute(f'select * from marts."{table}"').df()
            after = after_db.execute(f'select * from marts."{table}"').df()
            floats = [c for c in after.columns if pd.api.types.is_float_dtype(after[c])]
            keys = [c for c in after.columns if c not in floats]
            if len(before) != len(after):
                out[table] = {"exact": abs(len(before) - len(after)), "beyond_1e-9": -1}
                continue
            before = before.sort_values(keys, ignore_index=True) if keys else before
            after = after.sort_values(keys, ignore_index=True) if keys else after
            same_keys = (
                (before[keys] == after[keys]) | (before[keys].isna() & after[keys].isna())
            ).all(axis=1)
            exact = same_keys.copy()
            close = same_keys.copy()
            for column in floats:
                a, b = before[column].to_numpy(float), after[column].to_numpy(float)
                both_nan = np.isnan(a) & np.isnan(b)
                exact &= (a == b) | both_nan
                close &= np.isclose(a, b, rtol=1e-9, atol=1e-9) | both_nan
            out[table] = {"exact": int((~exact).sum()), "beyond_1e-9": int((~close).sum())}
    return out


def rerun(context: Context) -> dict:
    """The last night's day loaded again: zero changed rows anywhere."""
    if not context.state().get("nightly_days"):
        run(context, fractions=(1.0,))
    day = context.state()["nightly_days"][-1]
    before = day_rows(context.warehouse_path, day)
    published = context.published_path
    snapshot = published.with_name("analytics.before-rerun.duckdb")
    shutil.copyfile(published, snapshot)
    figures = nightly(context, context.warehouse_path, context.workdir, day, "rerun")
    after = day_rows(context.warehouse_path, day)
    changed_raw = len(
        pd.concat([before, after]).drop_duplicates(keep=False)
    )  # rows in only one of the two
    differences = mart_differences(snapshot, published)
    snapshot.unlink()
    return {
        **figures,
        "changed_raw_rows": changed_raw,
        "changed_mart_rows": sum(d["beyond_1e-9"] for d in differences.values()),
        "marts_compared": len(differences),
        "mart_rows_not_bit_identical": {
            table: d["exact"] for table, d in differences.items() if d["exact"]
        },
    }
