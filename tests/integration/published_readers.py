"""Reader processes on the published analytics file, as BI tools and notebooks hold it.

Each read takes every mart's row count and content fingerprint and compares them with the
``audit.publish_log`` entry of the newest publish in the same file: a read that mixed two
publishes, or saw a half-written one, does not match any entry. Run in spawned processes.
"""

from __future__ import annotations

from collections import Counter

import duckdb

from orchestration.publish import fingerprint_sql, read_only_connection


def read_published(connection: duckdb.DuckDBPyConnection) -> tuple[str, tuple, list[str]]:
    """(run id of the newest publish, its (table, rows) pairs, problems found)."""
    run_id = connection.execute(
        "select run_id from audit.publish_log order by published_at desc limit 1"
    ).fetchone()[0]
    logged = {
        table: (rows, fingerprint)
        for table, rows, fingerprint in connection.execute(
            "select table_name, row_count, content_fingerprint from audit.publish_log "
            "where run_id = ?",
            [run_id],
        ).fetchall()
    }
    tables = [
        name
        for (name,) in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
    ]
    problems = [] if set(tables) == set(logged) else [f"tables {tables} vs logged {logged}"]
    counts = []
    for table in tables:
        rows = connection.execute(f'select count(*) from marts."{table}"').fetchone()[0]
        fingerprint = connection.execute(fingerprint_sql(f'marts."{table}"')).fetchone()[0]
        counts.append((table, rows))
        if logged.get(table) != (rows, fingerprint):
            problems.append(f"{table}: read {(rows, fingerprint)}, logged {logged.get(table)}")
    return run_id, tuple(counts), problems


def fresh_connection_reader(path, stop, progress, results) -> None:
    """A new read-only connection for every read, until told to stop."""
    snapshots: Counter = Counter()
    errors: list[str] = []
    while not stop.is_set():
        try:
            with read_only_connection(path) as connection:
                run_id, counts, problems = read_published(connection)
        except Exception as error:  # every error is a test failure, reported to the parent
            errors.append(f"{type(error).__name__}: {error}")
            continue
        snapshots[(run_id, counts)] += 1
        errors.extend(problems)
        with progress.get_lock():
            progress.value += 1
    results.put({"reader": "fresh", "snapshots": dict(snapshots), "errors": errors})


def long_lived_reader(path, ready, stop, progress, results) -> None:
    """One connection opened before the runs and read until told to stop."""
    snapshots: Counter = Counter()
    errors: list[str] = []
    try:
        with read_only_connection(path) as connection:
            ready.set()
            while not stop.is_set():
                run_id, counts, problems = read_published(connection)
                snapshots[(run_id, counts)] += 1
                errors.extend(problems)
                with progress.get_lock():
                    progress.value += 1
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        ready.set()
        results.put({"reader": "long", "snapshots": dict(snapshots), "errors": errors})
