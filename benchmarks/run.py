"""The benchmark suite: figures, not tests. Every headline is a ratio measured in the same run.

    .venv/bin/python -m benchmarks [--scale small|large] [--only a,b] [--skip a,b]
    make bench SCALE=small

Benchmarks (each runs alone too; it first brings the warehouse to the state it needs):
    ingestion      parse + idempotent load of the full history vs DuckDB's Arrow insert
    full_build     dbt build of every model and test on the full history
    breadth_peer   breadth measures in pandas vs the dbt models, asserted equal
    nightly        one new day end to end, on a tenth of the history and on all of it
    rerun          the same day again: zero changed rows
    publish        publishing every mart while a reader process reads
    rate_limits    a backfill through the HTTP client against rate-limited loopback servers
    orchestration  Dagster + dbt wall time minus SQL time, per asset
Results: bench/results/<yyyy-mm-dd>.json (large scale; other scales <date>-<scale>.json),
merged with that day's file, and a Markdown table printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
import traceback
from datetime import date
from pathlib import Path

import duckdb

from benchmarks import (
    breadth_peer,
    full_build,
    ingestion,
    nightly,
    orchestration,
    publish_bench,
    rate_limits,
)
from benchmarks.context import Context
from benchmarks.measure import PROJECT_ROOT
from benchmarks.scale import SCALES

BENCHMARKS = (
    "ingestion",
    "full_build",
    "nightly",
    "rerun",
    "publish",
    "breadth_peer",
    "rate_limits",
    "orchestration",
)


def run_one(name: str, context: Context, args: argparse.Namespace) -> dict:
    if name == "ingestion":
        return ingestion.run(context)
    if name == "full_build":
        return full_build.run(context)
    if name == "breadth_peer":
        return breadth_peer.run(context)
    if name == "nightly":
        fractions = tuple(float(f) for f in args.nightly_fractions.split(","))
        return nightly.run(context, fractions)
    if name == "rerun":
        return nightly.rerun(context)
    if name == "publish":
        return publish_bench.run(context)
    if name == "rate_limits":
        return rate_limits.run(context.scale_name)
    if name == "orchestration":
        return orchestration.run(context)
    raise ValueError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")


def machine() -> dict:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
            text=True, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": commit,
        "note": "shared machine: other processes use the CPUs; compare ratios, not seconds",
    }


def fmt(value, digits: int = 1) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table_rows(results: dict) -> list[tuple]:
    """(benchmark, measure, rows, seconds, rows/s, peak MB, ratio, note) per line."""
    out = []
    r = results.get("ingestion")
    if r:
        out += [
            ("1 ingestion", "DuckDB Arrow insert (floor)", r["rows"], r["floor_seconds"],
             r["floor_rows_per_s"], r["floor_peak_mb"], 1.0, ""),
            ("1 ingestion", "load: replace_date_range", r["rows"], r["load_seconds"],
             r["load_rows_per_s"], r["load_peak_mb"], r["load_vs_floor_ratio"], "vs floor"),
            ("1 ingestion", "parse: Stooq CSV parser", r["rows"], r["parse_seconds"],
             r["parse_rows_per_s"], r["parse_peak_mb"], None, ""),
            ("1 ingestion", "pipeline: parse + load", r["rows"], r["pipeline_seconds"],
             r["pipeline_rows_per_s"], max(r["parse_peak_mb"], r["load_peak_mb"]),
             r["pipeline_vs_floor_ratio"], "vs floor"),
        ]  # fmt: skip
        for where in ("file", "memory"):
            if f"ceiling_{where}_seconds" in r:
                cpu = r[f"ceiling_{where}_cpu_seconds"] / r[f"ceiling_{where}_seconds"]
                out.append(("1 ingestion", f"ceiling: one INSERT into an empty table, {where}",
                            r["ceiling_rows"], r[f"ceiling_{where}_seconds"],
                            r[f"ceiling_{where}_rows_per_s"], None, None,
                            f"CPU/wall {cpu:.2f}"))  # fmt: skip
    r = results.get("full_build")
    if r:
        top = ", ".join(f"{k} {v:.1f}s" for k, v in list(r["model_seconds"].items())[:3])
        out.append(("2 full build", "dbt build, all models + tests", r["rows"], r["seconds"],
                    r["rows_per_s"], r["peak_mb"], None, f"slowest: {top}"))  # fmt: skip
    r = results.get("nightly")
    if r:
        for label in ("tenth", "full"):
            if label in r:
                n = r[label]
                steps = ", ".join(f"{k} {v:.1f}" for k, v in n["steps_seconds"].items())
                ratio = r.get("full_vs_tenth_ratio") if label == "full" else 1.0
                out.append((f"3 nightly ({label} history)", f"+1 day, history {n['history_rows']:,}",
                            n["rows"], n["seconds"], round(n["rows"] / n["seconds"]),
                            n["peak_mb"], ratio, steps))  # fmt: skip
    r = results.get("rerun")
    if r:
        out.append(("4 re-run same day", "end to end", r["rows"], r["seconds"],
                    round(r["rows"] / r["seconds"]), r["peak_mb"], None,
                    f"changed rows: raw {r['changed_raw_rows']}, marts {r['changed_mart_rows']} "
                    f"({r['marts_compared']} marts)"))  # fmt: skip
    r = results.get("breadth_peer")
    if r:
        out += [
            ("5 breadth peer", "dbt/DuckDB models (SQL time)", r["rows"], r["dbt_sql_seconds"],
             round(r["rows"] / r["dbt_sql_seconds"]), r["dbt_peak_mb"], 1.0,
             f"dbt wall {r['dbt_wall_seconds']:.1f}s"),
            ("5 breadth peer", "pandas", r["rows"], r["pandas_seconds"],
             round(r["rows"] / r["pandas_seconds"]), r["pandas_peak_mb"],
             r["pandas_vs_dbt_sql_ratio"], f"equal: {r['equal']}"),
        ]  # fmt: skip
    r = results.get("orchestration")
    if r:
        for name, step in r["steps"].items():
            out.append(("6 orchestration", f"{name} overhead", None, step["overhead_seconds"],
                        None, r["peak_mb"],
                        round(step["step_seconds"] / step["sql_seconds"], 2) if step["sql_seconds"] else None,
                        f"step {step['step_seconds']:.1f}s, SQL {step['sql_seconds']:.1f}s"))  # fmt: skip
    r = results.get("publish")
    if r:
        out.append(("7 publish", f"{r['marts']} marts, reader process", r["rows"], r["seconds"],
                    r["rows_per_s"], r["peak_mb"], None,
                    f"reader errors {r['reader_errors']} in {r['reader_reads']} reads"))  # fmt: skip
    r = results.get("rate_limits")
    if r:
        for name, figures in r.items():
            out.append((f"8 rate limit {name}", f"limit {figures['limit_per_s']:g}/s",
                        figures["requests"], figures["seconds"], figures["achieved_per_s"], None,
                        round(figures["achieved_pct_of_limit"] / 100, 3),
                        f"429s {figures['responses_429']}, above limit: {figures['above_limit']}"))  # fmt: skip
    return out


def markdown(results: dict) -> str:
    lines = [
        "| benchmark | measure | rows | seconds | rows/s | peak MB | ratio | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, measure, rows, seconds, per_s, peak, ratio, note in table_rows(results):
        lines.append(
            f"| {name} | {measure} | {fmt(rows)} | {fmt(seconds, 2)} | {fmt(per_s, 2)} | "
            f"{fmt(peak)} | {fmt(ratio, 2)} | {note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="large")
    parser.add_argument("--only", default="", help="comma-separated benchmarks to run")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rotation-warehouse-bench"))
    parser.add_argument("--results-dir", type=Path, default=PROJECT_ROOT / "bench" / "results")
    parser.add_argument("--nightly-fractions", default="0.1,1.0")
    parser.add_argument(
        "--select", default="", help="dbt selection of every build (default: the whole project)"
    )
    parser.add_argument("--fresh", action="store_true", help="start from a new warehouse")
    args = parser.parse_args(argv)
    selected = [b for b in (args.only.split(",") if args.only else BENCHMARKS) if b]
    selected = [b for b in selected if b not in args.skip.split(",")]
    for name in selected:
        if name not in BENCHMARKS:
            parser.error(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")

    started = time.perf_counter()
    machine_at_start = machine()
    context = Context(args.scale, args.workdir, select=args.select)
    if args.fresh or "ingestion" in selected:
        context.reset_warehouse()
    dataset = context.dataset
    print(
        f"scale {args.scale}: {dataset.bar_rows:,} bars ({dataset.history_bar_rows:,} history, "
        f"{dataset.history_sessions:,} sessions {dataset.history_start}..{dataset.history_end}), "
        f"{dataset.membership_rows:,} membership spells; generated in "
        f"{dataset.generate_seconds:.1f}s",
        flush=True,
    )
    results: dict = {}
    errors: dict = {}
    for name in selected:
        print(f"\n== {name}", flush=True)
        begun = time.perf_counter()
        try:
            results[name] = run_one(name, context, args)
        except Exception as exc:  # one failing benchmark must not hide the others' figures
            traceback.print_exc()
            errors[name] = f"{type(exc).__name__}: {exc}"[:2000]
            continue
        print(json.dumps(results[name], indent=2, default=str), flush=True)
        print(f"   ({time.perf_counter() - begun:.1f}s)", flush=True)

    suffix = "" if args.scale == "large" else f"-{args.scale}"
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"{date.today().isoformat()}{suffix}.json"
    document = json.loads(path.read_text()) if path.exists() else {"benchmarks": {}}
    document["benchmarks"].update(results)
    document.update(
        scale={**vars(dataset.scale), "bars": dataset.bar_rows,
               "history_bars": dataset.history_bar_rows,
               "history_sessions": dataset.history_sessions,
               "history": [dataset.history_start, dataset.history_end],
               "generate_seconds": dataset.generate_seconds},
        machine={**machine_at_start,
                 "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        errors={**document.get("errors", {}), **errors},
        suite_seconds=round(time.perf_counter() - started, 1),
    )  # fmt: skip
    for name in results:
        document["errors"].pop(name, None)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"\n{markdown(document['benchmarks'])}\n")
    print(f"results: {path} ({time.perf_counter() - started:.0f}s)")
    if errors:
        raise SystemExit(f"benchmarks failed: {', '.join(errors)}")
    return document


if __name__ == "__main__":
    main()
