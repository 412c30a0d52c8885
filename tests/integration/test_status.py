"""`make status` on the demo warehouse prints the figures of the audit and raw tables."""

import re
import subprocess
import sys
from datetime import UTC, datetime

import duckdb
import pandas as pd

from orchestration.publish import read_only_connection
from orchestration.status import SEEDS_DIR, Source, main, report, section_checks


def run_status(demo_build, capsys, *extra: str) -> str:
    code = main(
        [
            "--warehouse",
            str(demo_build["warehouse"]),
            "--published",
            str(demo_build["analytics"]),
            *extra,
        ]
    )
    assert code == 0
    return capsys.readouterr().out


def section(text: str, heading: str) -> list[str]:
    """The lines of the section whose first line starts with ``heading``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_last_publish_matches_the_publish_log(demo_build, capsys):
    text = run_status(demo_build, capsys)
    with read_only_connection(demo_build["analytics"]) as connection:
        run_id, tables, rows = connection.execute(
            "select any_value(run_id), count(*), sum(row_count)::bigint from audit.publish_log "
            "where published_at = (select max(published_at) from audit.publish_log)"
        ).fetchone()
    (heading, line) = section(text, "Last publish")
    assert "from the published file" in heading
    assert f"run {run_id[:8]}" in line
    assert f"{tables} tables" in line
    assert f"{rows:,} rows" in line
    assert "sample data" in line


def test_last_loads_match_the_load_log(demo_build, capsys):
    text = run_status(demo_build, capsys)
    with duckdb.connect(str(demo_build["warehouse"]), read_only=True) as connection:
        log = connection.execute("select * from audit.load_log").df()
    printed = {line.split()[0]: line.split() for line in section(text, "Last load")[2:]}
    assert set(printed) == set(log["table_name"])
    for table, entries in log.groupby("table_name"):
        last_run = entries.loc[entries["loaded_at"].idxmax(), "run_id"]
        of_run = entries[entries["run_id"] == last_run]
        fields = printed[table]
        assert fields[3] == last_run[:8]
        assert int(fields[4]) == len(of_run)
        assert fields[5] == f"{int(of_run['rows_inserted'].sum()):,}"
        assert fields[6] == f"{int(of_run['rows_deleted'].sum()):,}"
    # The demo's price backfill is one run that loads every bar of the window.
    prices = log[log["table_name"] == "raw.prices_daily"]
    assert printed["raw.prices_daily"][5] == f"{int(prices['rows_inserted'].sum()):,}"


def test_checks_count_the_last_evaluation_of_each_check(demo_build, capsys):
    text = run_status(demo_build, capsys)
    with duckdb.connect(str(demo_build["warehouse"]), read_only=True) as connection:
        latest = connection.execute(
            "select passed from audit.check_results qualify row_number() over "
            "(partition by asset_key, check_name order by checked_at desc) = 1"
        ).df()
    heading = section(text, "Asset checks")[0]
    passed = int(latest["passed"].sum())
    assert heading.endswith(f"{passed} passed, {len(latest) - passed} failed")


def freshness_rows(text: str) -> dict[str, dict[str, str]]:
    """The freshness table by source, split at its fixed column widths."""
    columns = {"calendar": (27, 43), "latest": (44, 55), "expected": (56, 67), "behind": (68, 96)}
    rows = {}
    for line in section(text, "Freshness per source")[2:]:
        if line.startswith("      "):
            continue  # a detail line under its source
        rows[line[2:26].strip()] = {
            **{name: line[a:b].strip() for name, (a, b) in columns.items()},
            "status": line[97:].strip(),
        }
    return rows


def test_freshness_reads_the_latest_raw_dates(demo_build, capsys):
    text = run_status(demo_build, capsys)
    assert "Freshness per source (from the raw tables of the working warehouse)" in text
    instruments = pd.read_csv(SEEDS_DIR / "instruments.csv")
    with duckdb.connect(str(demo_build["warehouse"]), read_only=True) as connection:
        connection.register("seed", instruments)
        latest_equity, latest_crypto = connection.execute(
            "select max(date) filter (where seed.calendar = 'XNYS'), "
            "max(date) filter (where seed.calendar <> 'XNYS') "
            "from raw.prices_daily as prices join seed using (symbol)"
        ).fetchone()
        latest_vendor_file = connection.execute(
            "select max(as_of_date) from raw.earnings_estimates where source = 'sample_vendor'"
        ).fetchone()[0]
        last_filed = connection.execute("select max(filed) from raw.sec_facts").fetchone()[0]
    rows = freshness_rows(text)
    assert rows["equities"]["latest"] == latest_equity.isoformat()
    assert rows["equities"]["calendar"] == "NYSE sessions"
    assert rows["crypto"]["latest"] == latest_crypto.isoformat()
    assert rows["crypto"]["calendar"] == "every day"
    assert rows["fred"]["behind"] == "0 of 22 series stale"
    assert rows["sec"]["latest"] == last_filed.isoformat()
    companies = len(pd.read_csv(SEEDS_DIR / "companies.csv"))
    assert rows["sec"]["behind"] == f"0 of {companies} companies stale"
    assert rows["estimates sample_vendor"]["latest"] == latest_vendor_file.isoformat()


def test_published_only_never_opens_the_working_warehouse(demo_build, capsys):
    text = run_status(demo_build, capsys, "--published-only")
    assert "working warehouse: " in text and "(not opened (--published-only))" in text
    assert "Freshness per source (from the published marts)" in text
    with read_only_connection(demo_build["analytics"]) as connection:
        latest = connection.execute(
            "select max(trade_date) from marts.fct_sector_rotation_daily"
        ).fetchone()[0]
    assert freshness_rows(text)["equities"]["latest"] == latest.isoformat()


def test_a_load_holding_the_warehouse_sends_freshness_to_the_published_marts(demo_build):
    # Another process holds the working warehouse for writing, as a running load does.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys\n"
            f"connection = duckdb.connect({str(demo_build['warehouse'])!r})\n"
            "print('holding', flush=True)\n"
            "sys.stdin.read()\n"
            "connection.close()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        text, code = report(
            demo_build["warehouse"],
            demo_build["analytics"],
            published_only=False,
            now=datetime.now(UTC),
        )
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert code == 0
    assert re.search(r"working warehouse: .* \(busy, a load is writing it", text)
    assert "Freshness per source (from the published marts)" in text
    assert "Last publish (audit.publish_log, from the published file)" in text


def test_failed_checks_are_listed_with_what_failed():
    connection = duckdb.connect()
    connection.execute("create schema audit")
    connection.execute(
        """
        create table audit.check_results as select * from (values
          ('run-1', 'raw/prices_daily', 'prices_daily_expectations', false, 'ERROR', 40, 2,
           '{"expect_column_values_to_not_be_null": "close: 3 nulls"}',
           timestamp '2026-11-30 02:00:00'),
          ('run-2', 'raw/prices_daily', 'prices_daily_expectations', true, 'ERROR', 40, 0, '{}',
           timestamp '2026-12-01 02:00:00'),
          ('run-2', 'raw/fred_observations', 'fred_observations_expectations', false, 'ERROR',
           12, 1, '{"expect_column_values_to_be_between": "DGS10: -3.0"}',
           timestamp '2026-12-01 02:00:00'),
          ('run-2', 'marts/fct_market_breadth_daily', 'market_breadth_expectations', true,
           'ERROR', 9, 0, '{}', timestamp '2026-12-01 02:05:00')
        ) as t(run_id, asset_key, check_name, passed, severity, expectations_evaluated,
               expectations_failed, observed, checked_at)
        """
    )
    lines = section_checks(Source("working warehouse", connection))
    assert lines[0].endswith("2 passed, 1 failed")
    failed = [line for line in lines if "FAILED" in line]
    assert len(failed) == 1
    assert "raw/fred_observations fred_observations_expectations (ERROR)" in failed[0]
    assert "1 of 12 expectations failed, run run-2" in failed[0]
    assert any("DGS10: -3.0" in line for line in lines)


def test_no_warehouse_says_how_to_build_one(tmp_path):
    text, code = report(
        tmp_path / "market.duckdb",
        tmp_path / "analytics.duckdb",
        published_only=False,
        now=datetime.now(UTC),
    )
    assert code == 1
    assert text.startswith("No warehouse yet")
    assert "make demo" in text
