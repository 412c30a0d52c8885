"""Publish (write-audit-publish): marts copied to a new file, swapped in atomically.

A small working warehouse is built here with DuckDB: three mart tables of a few thousand rows
and one mart view, every row stamped with the ``generation`` that built it, so each publish has
known, distinct row counts and a reader can tell a whole snapshot from a mixed one. The dbt
descriptions come from a hand-made manifest.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import queue
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration import publish
from orchestration.publish import (
    PublishError,
    fingerprint_sql,
    publish_log,
    publish_marts,
    read_only_connection,
)

TABLES = ("fct_alpha_daily", "fct_alpha_symbols", "fct_beta_monthly", "fct_gamma_estimates")
SYMBOLS = ("SPY", "IWM", "XLK", "XLE", "XLF")
T0 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
ALPHA_DESCRIPTION = "One row per symbol per session (grain: trade_date, symbol); it's daily."
ALPHA_COLUMNS = {
    "trade_date": "NYSE session date.",
    "symbol": "Ticker of the instrument.",
    "close": "Adjusted close in USD.",
}
BETA_DESCRIPTION = "One row per series per month (grain: month_start, series_id)."
BETA_COLUMNS = {"month_start": "First day of the month.", "value": "Monthly value, in units."}
GAMMA_WAREHOUSE_COMMENT = "Written on the working table, not in dbt."


def row_counts(generation: int) -> dict[str, int]:
    """Rows of each mart in the snapshot built by ``generation`` (distinct per generation)."""
    return {
        "fct_alpha_daily": 2000 + 37 * generation,
        "fct_alpha_symbols": len(SYMBOLS),
        "fct_beta_monthly": 1500 + 53 * generation,
        "fct_gamma_estimates": 3000 + 71 * generation,
    }


def build_marts(warehouse: Path, generation: int) -> None:
    """(Re)build the working warehouse's marts as run ``generation`` of dbt would."""
    counts = row_counts(generation)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute(
            "create or replace table marts.fct_alpha_daily (trade_date date not null, "
            "symbol varchar not null, close double, generation integer not null)"
        )
        connection.execute(
            "insert into marts.fct_alpha_daily "
            "select date '2020-01-01' + (i // 5)::integer, "
            "list_extract(?, (i % 5)::integer + 1), 100 + i * 0.25 + ?, ? from range(?) t(i)",
            [list(SYMBOLS), generation, generation, counts["fct_alpha_daily"]],
        )
        connection.execute(
            "create or replace view marts.fct_alpha_symbols as select symbol, "
            "count(*) as days, max(generation) as generation "
            "from marts.fct_alpha_daily group by symbol"
        )
        connection.execute(
            "create or replace table marts.fct_beta_monthly (month_start date not null, "
            "series_id varchar not null, value double, generation integer not null)"
        )
        connection.execute(
            "insert into marts.fct_beta_monthly "
            "select date '1990-01-01' + to_months((i // 3)::integer), 'S' || (i % 3), "
            "i / 7.0, ? from range(?) t(i)",
            [generation, counts["fct_beta_monthly"]],
        )
        connection.execute(
            "create or replace table marts.fct_gamma_estimates (entity varchar, metric varchar, "
            "value double, generation integer not null)"
        )
        connection.execute(
            "insert into marts.fct_gamma_estimates "
            "select 'E' || (i % 97), 'eps', i * 1.5, ? from range(?) t(i)",
            [generation, counts["fct_gamma_estimates"]],
        )
        connection.execute(
            f"comment on column marts.fct_gamma_estimates.value is '{GAMMA_WAREHOUSE_COMMENT}'"
        )


def column_entry(name: str, description: str) -> dict:
    return {"name": name, "description": description, "data_type": None, "meta": {}}


def model_node(name: str, schema: str, description: str, columns: dict[str, str]) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "alias": name,
        "schema": schema,
        "database": "market",
        "description": description,
        "columns": {key: column_entry(key, text) for key, text in columns.items()},
    }


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    nodes = {
        "model.rw.fct_alpha_daily": model_node(
            "fct_alpha_daily", "marts", ALPHA_DESCRIPTION, ALPHA_COLUMNS
        ),
        "model.rw.fct_beta_monthly": model_node(
            "fct_beta_monthly", "marts", BETA_DESCRIPTION, {**BETA_COLUMNS, "series_id": ""}
        ),
        # Not a mart: must not be published nor lend its descriptions.
        "model.rw.stg_alpha": model_node(
            "fct_gamma_estimates", "staging", "staging text", {"value": "staging column"}
        ),
        "test.rw.not_null": {"resource_type": "test", "name": "not_null", "schema": "marts"},
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"metadata": {}, "nodes": nodes}), encoding="utf-8")
    return path


@pytest.fixture
def layout(tmp_path: Path, manifest: Path) -> dict:
    warehouse_dir = tmp_path / "warehouse"
    warehouse_dir.mkdir()
    return {
        "warehouse": warehouse_dir / "market.duckdb",
        "published": warehouse_dir / "analytics.duckdb",
        "parquet": warehouse_dir / "published" / "parquet",
        "manifest": manifest,
    }


def run_publish(layout: dict, generation: int, **overrides) -> publish.PublishResult:
    arguments = {
        "run_id": f"run-{generation}",
        "source_mode": "sample",
        "manifest_path": layout["manifest"],
        "now": T0 + timedelta(minutes=generation),
    }
    arguments.update(overrides)
    return publish_marts(layout["warehouse"], layout["published"], layout["parquet"], **arguments)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def read_snapshot(connection: duckdb.DuckDBPyConnection, tables=TABLES) -> dict:
    """Everything one connection sees: per table rows, generations and fingerprint, checked
    against the publish_log entry of the newest run in the same file."""
    run_id = connection.execute(
        "select run_id from audit.publish_log order by published_at desc limit 1"
    ).fetchone()[0]
    logged = {
        name: (rows, fingerprint)
        for name, rows, fingerprint in connection.execute(
            "select table_name, row_count, content_fingerprint from audit.publish_log "
            "where run_id = ?",
            [run_id],
        ).fetchall()
    }
    counts, generations, problems = {}, set(), []
    for table in tables:
        rows, low, high = connection.execute(
            f"select count(*), min(generation), max(generation) from marts.{table}"
        ).fetchone()
        fingerprint = connection.execute(fingerprint_sql(f"marts.{table}")).fetchone()[0]
        counts[table] = rows
        generations.update((low, high))
        if logged.get(table) != (rows, fingerprint):
            problems.append(f"{table}: read {(rows, fingerprint)}, logged {logged.get(table)}")
    if len(generations) != 1:
        problems.append(f"rows of several generations {sorted(generations)}")
    return {
        "run_id": run_id,
        "counts": counts,
        "generation": min(generations),
        "problems": problems,
    }


def test_publish_twice_replaces_the_file_and_an_open_reader_keeps_the_old_snapshot(layout):
    build_marts(layout["warehouse"], 1)
    first = run_publish(layout, 1)

    assert first.tables == row_counts(1)
    assert first.published_path == layout["published"]
    assert first.bytes == layout["published"].stat().st_size > 0
    assert set(first.parquet_files) == set(TABLES)
    assert all(path.parent == layout["parquet"] for path in first.parquet_files.values())
    print(
        f"\npublish 1: {first.seconds:.3f}s, {first.bytes:,} bytes, {sum(first.tables.values())} rows"
    )
    # Readable by every DuckDB 1.x client: storage version number 64 in the file header.
    header = layout["published"].read_bytes()[:20]
    assert header[8:12] == b"DUCK" and int.from_bytes(header[12:20], "little") == 64

    log_1 = publish_log(layout["published"])
    assert list(log_1["run_id"]) == ["run-1"] * len(TABLES)
    assert dict(zip(log_1["table_name"], log_1["row_count"], strict=True)) == row_counts(1)
    assert set(log_1["source_mode"]) == {"sample"}
    assert set(log_1["published_at"]) == {
        pd.Timestamp(T0.replace(tzinfo=None) + timedelta(minutes=1))
    }
    assert (log_1["duration_s"] > 0).all()
    # The Parquet files hold the same rows, and their sha256 is the one logged.
    with duckdb.connect() as connection:
        for table, path in first.parquet_files.items():
            rows = connection.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0]
            assert rows == row_counts(1)[table]
    logged_sha = dict(zip(log_1["table_name"], log_1["parquet_sha256"], strict=True))
    assert logged_sha == {table: sha256(path) for table, path in first.parquet_files.items()}
    summary = json.loads((layout["parquet"] / "_published.json").read_text())
    assert summary["run_id"] == "run-1"
    assert {t: v["row_count"] for t, v in summary["tables"].items()} == row_counts(1)

    old_reader = read_only_connection(layout["published"])
    before = read_snapshot(old_reader)
    assert before["counts"] == row_counts(1) and before["problems"] == []
    old_inode = layout["published"].stat().st_ino

    build_marts(layout["warehouse"], 2)
    second = run_publish(layout, 2)
    print(f"publish 2: {second.seconds:.3f}s, {second.bytes:,} bytes")

    assert second.tables == row_counts(2)
    assert layout["published"].stat().st_ino != old_inode
    # The connection opened before the second publish still reads the whole first snapshot.
    after = read_snapshot(old_reader)
    assert after == {"run_id": "run-1", "counts": row_counts(1), "generation": 1, "problems": []}
    rows = old_reader.execute("select * from marts.fct_alpha_daily").fetchall()
    assert len(rows) == row_counts(1)["fct_alpha_daily"] and {r[3] for r in rows} == {1}
    old_reader.close()

    with read_only_connection(layout["published"]) as reader:
        latest = read_snapshot(reader)
        kinds = dict(
            reader.execute(
                "select schema_name || '.' || table_name, 'table' from duckdb_tables() "
                "union all select schema_name || '.' || view_name, 'view' from duckdb_views() "
                "where not internal"
            ).fetchall()
        )
    assert latest == {"run_id": "run-2", "counts": row_counts(2), "generation": 2, "problems": []}
    # Marts only (the view published as a table) and the log.
    assert kinds == {**{f"marts.{t}": "table" for t in TABLES}, "audit.publish_log": "table"}

    log_2 = publish_log(layout["published"])
    assert list(log_2["run_id"]) == ["run-1"] * len(TABLES) + ["run-2"] * len(TABLES)
    pd.testing.assert_frame_equal(log_2.iloc[: len(TABLES)], log_1)
    # The working warehouse holds the authoritative log; the published copy equals it.
    with duckdb.connect(str(layout["warehouse"]), read_only=True) as connection:
        working_log = connection.execute(
            "select * from audit.publish_log order by published_at, table_name"
        ).df()
    pd.testing.assert_frame_equal(working_log, log_2)
    # Nothing left behind: no temporary file, no WAL beside the published file.
    assert all_files(layout["published"].parent) == {
        "market.duckdb",
        "analytics.duckdb",
        "published/parquet/_published.json",
        *(f"published/parquet/{t}.parquet" for t in TABLES),
    }


def test_dbt_descriptions_become_table_and_column_comments(layout):
    build_marts(layout["warehouse"], 1)
    run_publish(layout, 1)

    with read_only_connection(layout["published"]) as reader:
        tables = dict(
            reader.execute(
                "select schema_name || '.' || table_name, comment from duckdb_tables()"
            ).fetchall()
        )
        columns = {
            (table, column): (comment, nullable)
            for table, column, comment, nullable in reader.execute(
                "select table_name, column_name, comment, is_nullable from duckdb_columns() "
                "where schema_name = 'marts'"
            ).fetchall()
        }
    assert tables["marts.fct_alpha_daily"] == ALPHA_DESCRIPTION
    assert tables["marts.fct_beta_monthly"] == BETA_DESCRIPTION
    assert tables["marts.fct_gamma_estimates"] is None  # a staging model's text is not used
    assert tables["marts.fct_alpha_symbols"] is None
    assert tables["audit.publish_log"] == publish.PUBLISH_LOG_COMMENT
    for column, text in ALPHA_COLUMNS.items():
        assert columns[("fct_alpha_daily", column)][0] == text
    assert columns[("fct_alpha_daily", "generation")][0] is None
    assert columns[("fct_beta_monthly", "month_start")][0] == BETA_COLUMNS["month_start"]
    assert columns[("fct_beta_monthly", "series_id")][0] is None  # empty in dbt
    # A comment already on the working table is kept where dbt has none.
    assert columns[("fct_gamma_estimates", "value")][0] == GAMMA_WAREHOUSE_COMMENT
    # NOT NULL columns stay NOT NULL (BI tools show nullability).
    assert columns[("fct_alpha_daily", "trade_date")][1] is False
    assert columns[("fct_alpha_daily", "close")][1] is True


def test_a_failed_publish_leaves_everything_published_unchanged(layout, monkeypatch):
    build_marts(layout["warehouse"], 1)
    run_publish(layout, 1)
    root = layout["published"].parent
    files_before = all_files(root)
    published = [p for p in root.rglob("*") if p.is_file() and p.name != "market.duckdb"]
    sha_before = {path: sha256(path) for path in published}
    log_before = publish_log(layout["published"])

    # 1. A mart whose copy raises half-way: the tables sorted before it are already copied.
    build_marts(layout["warehouse"], 2)
    with duckdb.connect(str(layout["warehouse"])) as connection:
        connection.execute(
            "create view marts.fct_zz_broken as "
            "select i, case when i = 999 then error('injected failure') end as x from range(2000) t(i)"
        )
    with pytest.raises(duckdb.Error, match="injected failure"):
        run_publish(layout, 2)
    assert all_files(root) == files_before
    assert {path: sha256(path) for path in published} == sha_before

    # 2. A failure at the very last step, the swap itself.
    with duckdb.connect(str(layout["warehouse"])) as connection:
        connection.execute("drop view marts.fct_zz_broken")

    def failing_replace(source, target):
        assert Path(source).stat().st_size > 0  # the new file was complete
        raise OSError("injected: rename failed")

    monkeypatch.setattr(publish, "_replace", failing_replace)
    with pytest.raises(OSError, match="injected: rename failed"):
        run_publish(layout, 3)
    monkeypatch.undo()
    assert all_files(root) == files_before
    assert {path: sha256(path) for path in published} == sha_before
    pd.testing.assert_frame_equal(publish_log(layout["published"]), log_before)
    # The working warehouse's log did not record the failed publishes (rolled back).
    with duckdb.connect(str(layout["warehouse"]), read_only=True) as connection:
        runs = connection.execute("select distinct run_id from audit.publish_log").fetchall()
    assert runs == [("run-1",)]

    # The next publish works and sees nothing of the failed ones.
    result = run_publish(layout, 4)
    assert result.tables == row_counts(2)
    assert list(publish_log(layout["published"])["run_id"].unique()) == ["run-1", "run-4"]


def test_publish_refuses_a_warehouse_without_marts(layout):
    with duckdb.connect(str(layout["warehouse"])) as connection:
        connection.execute("create schema marts")
    with pytest.raises(PublishError, match="has no tables"):
        run_publish(layout, 1)
    assert all_files(layout["published"].parent) == {"market.duckdb"}


def test_read_only_analyst_connection_cannot_write_or_reach_files(layout, tmp_path):
    build_marts(layout["warehouse"], 1)
    run_publish(layout, 1)
    target = tmp_path / "exfiltrated.csv"
    with read_only_connection(layout["published"]) as reader:
        assert (
            reader.execute("select count(*) from marts.fct_beta_monthly").fetchone()[0]
            == (row_counts(1)["fct_beta_monthly"])
        )
        with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
            reader.execute("select * from read_csv('/etc/passwd')")
        with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
            reader.execute(f"copy marts.fct_beta_monthly to '{target}' (header)")
        with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
            reader.execute(f"select * from read_parquet('{layout['parquet']}/*.parquet')")
        with pytest.raises(duckdb.Error):
            reader.execute(f"attach '{tmp_path / 'other.duckdb'}' as other")
        with pytest.raises(duckdb.Error, match="Cannot enable external access"):
            reader.execute("set enable_external_access = true")
        for statement in (
            "create table marts.scratch (i integer)",
            "insert into marts.fct_beta_monthly select * from marts.fct_beta_monthly limit 1",
            "delete from marts.fct_alpha_daily",
            "drop table marts.fct_gamma_estimates",
            "update audit.publish_log set row_count = 0",
        ):
            with pytest.raises(duckdb.Error, match="read-only"):
                reader.execute(statement)
        assert (
            reader.execute("select count(*) from marts.fct_alpha_daily").fetchone()[0]
            == (row_counts(1)["fct_alpha_daily"])
        )
    assert not target.exists()


def test_sqlalchemy_duckdb_engine_reads_tables_and_comments(layout):
    import sqlalchemy as sa

    build_marts(layout["warehouse"], 1)
    run_publish(layout, 1)
    engine = sa.create_engine(
        f"duckdb:///{layout['published']}",
        connect_args={"read_only": True, "config": dict(publish.READ_ONLY_CONFIG)},
    )
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_table_names(schema="marts") == sorted(TABLES)
        assert inspector.get_table_comment("fct_alpha_daily", schema="marts") == {
            "text": ALPHA_DESCRIPTION
        }
        with engine.connect() as connection:
            for table, rows in row_counts(1).items():
                frame = pd.read_sql(sa.text(f"select * from marts.{table}"), connection)
                assert len(frame) == rows
            comments = dict(
                connection.execute(
                    sa.text(
                        "select column_name, comment from duckdb_columns() "
                        "where schema_name = 'marts' and table_name = :table"
                    ),
                    {"table": "fct_alpha_daily"},
                ).fetchall()
            )
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                connection.execute(sa.text("delete from marts.fct_alpha_daily"))
    finally:
        engine.dispose()
    assert comments == {**ALPHA_COLUMNS, "generation": None}


# --- readers in other processes while the main process publishes --------------------------------


def fresh_connection_reader(path, stop, progress, seen, results) -> None:
    """Opens a new read-only connection for every read until told to stop."""
    snapshots: Counter = Counter()
    errors: list[str] = []
    reported: set[str] = set()
    while not stop.is_set():
        try:
            with read_only_connection(path) as connection:
                snapshot = read_snapshot(connection)
        except Exception as error:  # every error is a test failure, reported to the parent
            errors.append(f"{type(error).__name__}: {error}")
            continue
        snapshots[_snapshot_key(snapshot)] += 1
        errors.extend(snapshot["problems"])
        with progress.get_lock():
            progress.value += 1
        if snapshot["run_id"] not in reported:
            reported.add(snapshot["run_id"])
            seen.put(snapshot["run_id"])
    results.put({"reader": "fresh", "snapshots": dict(snapshots), "errors": errors})


def long_lived_reader(path, ready, stop, progress, results) -> None:
    """Reads on one connection opened before the publishes, then once more on a new one."""
    snapshots: Counter = Counter()
    errors: list[str] = []
    final = None
    try:
        connection = read_only_connection(path)
        ready.set()
        while not stop.is_set():
            snapshot = read_snapshot(connection)
            snapshots[_snapshot_key(snapshot)] += 1
            errors.extend(snapshot["problems"])
            with progress.get_lock():
                progress.value += 1
        connection.close()
        with read_only_connection(path) as connection:
            final = _snapshot_key(read_snapshot(connection))
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        ready.set()
        results.put(
            {"reader": "long", "snapshots": dict(snapshots), "errors": errors, "final": final}
        )


def _snapshot_key(snapshot: dict) -> tuple:
    return (snapshot["run_id"], snapshot["generation"], tuple(sorted(snapshot["counts"].items())))


def expected_key(generation: int) -> tuple:
    return (f"run-{generation}", generation, tuple(sorted(row_counts(generation).items())))


def test_readers_in_other_processes_never_fail_and_see_whole_snapshots(layout, monkeypatch):
    publishes = 8
    deadline_s = 60
    build_marts(layout["warehouse"], 1)
    run_publish(layout, 1)

    context = multiprocessing.get_context("spawn")
    stop, ready = context.Event(), context.Event()
    fresh_progress, long_progress = context.Value("i", 0), context.Value("i", 0)
    seen, results = context.Queue(), context.Queue()
    path = str(layout["published"])
    readers = [
        context.Process(
            target=fresh_connection_reader,
            args=(path, stop, fresh_progress, seen, results),
            daemon=True,
        ),
        context.Process(
            target=long_lived_reader,
            args=(path, ready, stop, long_progress, results),
            daemon=True,
        ),
    ]

    # Hold every publish at its last step (the new file complete, not yet swapped in) until
    # both readers have finished two more reads: reads overlap each publish, by construction.
    real_replace = publish._replace
    reads_while_publishing = {"fresh": 0, "long": 0}

    def replace_when_readers_have_read(source, target):
        marks = (fresh_progress.value, long_progress.value)
        limit = time.monotonic() + 20
        while fresh_progress.value < marks[0] + 2 or long_progress.value < marks[1] + 2:
            if time.monotonic() > limit:
                raise TimeoutError("readers made no progress during a publish")
            time.sleep(0.002)
        real_replace(source, target)

    monkeypatch.setattr(publish, "_replace", replace_when_readers_have_read)

    def wait_seen(run_id: str, until: float) -> None:
        while True:
            try:
                if seen.get(timeout=max(0.1, until - time.monotonic())) == run_id:
                    return
            except queue.Empty:
                if time.monotonic() > until:
                    raise AssertionError(f"the fresh reader never saw {run_id}") from None

    started = time.monotonic()
    until = started + deadline_s
    writer_errors: list[str] = []
    publish_seconds: list[float] = []
    reports: dict[str, dict] = {}
    try:
        for reader in readers:
            reader.start()
        assert ready.wait(timeout=30), "long-lived reader did not start"
        wait_seen("run-1", until)
        for generation in range(2, publishes + 1):
            build_marts(layout["warehouse"], generation)
            marks = (fresh_progress.value, long_progress.value)
            try:
                result = run_publish(layout, generation)
                publish_seconds.append(result.seconds)
            except Exception as error:
                writer_errors.append(f"{type(error).__name__}: {error}")
                break
            reads_while_publishing["fresh"] += fresh_progress.value - marks[0]
            reads_while_publishing["long"] += long_progress.value - marks[1]
            # The next publish starts only once a new reader has seen this one.
            wait_seen(f"run-{generation}", until)
    finally:
        stop.set()
        for _ in readers:
            try:
                report = results.get(timeout=max(1.0, until - time.monotonic()))
                reports[report["reader"]] = report
            except queue.Empty:
                break
        for reader in readers:
            reader.join(timeout=10)
            if reader.is_alive():
                reader.terminate()
                reader.join(timeout=5)
    elapsed = time.monotonic() - started

    assert writer_errors == []
    assert set(reports) == {"fresh", "long"}
    fresh, long = reports["fresh"], reports["long"]
    fresh_reads = sum(fresh["snapshots"].values())
    long_reads = sum(long["snapshots"].values())
    print(
        f"\n{publishes - 1} publishes in {sum(publish_seconds):.2f}s "
        f"(each {min(publish_seconds):.3f}-{max(publish_seconds):.3f}s, held until readers "
        f"read); reads: {fresh_reads} on fresh connections, {long_reads} on one long-lived "
        f"connection; completed while a publish ran: {reads_while_publishing}; "
        f"test {elapsed:.1f}s"
    )
    assert fresh["errors"] == [] and long["errors"] == []
    # Every snapshot read was whole and was exactly one publish.
    assert set(fresh["snapshots"]) == {expected_key(g) for g in range(1, publishes + 1)}
    # The connection opened before the publishes kept reading the first one, completely.
    assert set(long["snapshots"]) == {expected_key(1)}
    assert long["final"] == expected_key(publishes)
    assert reads_while_publishing["fresh"] >= 2 * (publishes - 1)
    assert reads_while_publishing["long"] >= 2 * (publishes - 1)
    assert len(publish_log(layout["published"])) == publishes * len(TABLES)
    assert not [p for p in os.listdir(layout["published"].parent) if ".tmp-" in p]
