"""A reader process for the publish benchmark: a BI tool opening the published file over and
over. Kept apart so that the spawned process imports nothing but DuckDB and the publish module."""

from __future__ import annotations

from orchestration.publish import read_only_connection


def read_until_stopped(path: str, ready, stop, results) -> None:
    reads, errors = 0, []
    while not stop.is_set():
        try:
            with read_only_connection(path) as connection:
                tables = connection.execute(
                    "select table_name from duckdb_tables() where schema_name = 'marts'"
                ).fetchall()
                for (table,) in tables:
                    connection.execute(f'select count(*) from marts."{table}"').fetchone()
            reads += 1
            ready.set()
        except Exception as exc:  # every failure is a figure here, whatever its kind
            errors.append(repr(exc)[:300])
    results.put({"reads": reads, "errors": errors})
