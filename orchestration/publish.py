"""Publish (the last step of write-audit-publish): copy the finished marts to where analysts read.

DuckDB allows one writing process or many reading processes on a file, never both, so analysts
and BI tools never open the working warehouse (``WAREHOUSE_PATH``). After dbt build and the mart
checks have passed, :func:`publish_marts`:

1. attaches a NEW file next to the published one (``analytics.duckdb.tmp-<run>-<token>``) and
   copies every table and view of schema ``marts`` into it as a table of the same name, in one
   transaction of the working warehouse (one consistent snapshot), keeping NOT NULL columns;
2. carries dbt's descriptions (``manifest.json``: models in schema ``marts``, their
   ``description`` and ``columns.*.description``) over as ``COMMENT ON TABLE`` / ``COMMENT ON
   COLUMN``, so BI tools show them (comments already on the working tables are kept where dbt
   has none);
3. writes one Parquet file per mart to a hidden temporary name in the Parquet folder;
4. writes ``audit.publish_log`` into the new file: every earlier entry of the working
   warehouse's ``audit.publish_log`` (the authoritative log) plus one row per table of this
   publish (published_at in UTC, run_id, source_mode, table_name, row_count,
   content_fingerprint, parquet_sha256, duration_s);
5. checkpoints and detaches the new file (no WAL is left beside it), fsyncs it, then, in one
   transaction of the working warehouse, appends the new log rows there and ``os.replace``-s the
   new file over the published one; the log rows commit only if the replace succeeded;
6. ``os.replace``-s each Parquet file over its published name, deletes the Parquet files of
   marts that no longer exist, and writes ``_published.json`` (run, time, rows and sha256 per
   file) last.

Atomicity and reader safety
    ``os.replace`` within one directory is an atomic rename: a reader opening the published path
    gets either the whole old file or the whole new one, never a mixture or a half-written file.
    A reader that already has the old file open keeps reading it to the end (on Linux the old
    inode lives while it is open). The writer never opens the published file at all, so it
    never waits for a reader's lock and a reader never waits for the writer. If anything fails
    before the replace, the temporary files are deleted and the published file, the Parquet
    files and the working warehouse's log are left exactly as they were. Each Parquet file is
    replaced atomically on its own; the set is not switched as one (a reader listing the folder
    between two renames may see one table of the new publish and another of the previous):
    readers that need one publish across tables read the DuckDB file, or compare
    ``_published.json`` before and after reading.

Connecting as an analyst or a BI tool (read-only)
    Python::

        import duckdb
        con = duckdb.connect(
            "warehouse/analytics.duckdb",
            read_only=True,
            config={"access_mode": "READ_ONLY", "enable_external_access": False},
        )
        con.sql("select * from marts.fct_sector_rotation_daily limit 5")

    (:func:`read_only_connection` does exactly this.) ``read_only=True`` and ``access_mode =
    READ_ONLY`` open the file with a shared lock and refuse every write (CREATE, INSERT, ...).
    ``enable_external_access = false`` switches off everything that touches other files or the
    network: ``read_csv``/``read_parquet``/``read_text``/``glob`` on paths, ``COPY ... TO``,
    ``ATTACH`` of another database, ``INSTALL``/``LOAD`` of extensions; it cannot be switched
    back on while the database is open. Temporary tables still work (in memory).
    SQLAlchemy (``duckdb-engine``, e.g. Superset): ``duckdb:////abs/path/analytics.duckdb`` with
    engine parameters ``{"connect_args": {"read_only": true, "config": {"access_mode":
    "READ_ONLY", "enable_external_access": false}}}``. The CLI: ``duckdb -readonly
    warehouse/analytics.duckdb``. Any DuckDB 1.x client can read the file (it is written with
    storage version v1.0.0). With SQLAlchemy 2.0.45 or later, duckdb-engine 0.17's column
    reflection (``inspector.get_columns``) fails on a missing ``pg_collation`` join; table
    names, table comments and queries work, and column comments are in ``duckdb_columns()``.

    DuckDB keeps one database instance per file per process: a process that still holds any
    connection to the published file gets that same (old) instance for every new connection,
    so it sees a new publish only once all its connections to the file are closed (BI tools
    with a connection pool: recycle the pool). Opening the same file in one process with two
    different configurations is an error.

This module knows nothing of Dagster; ``orchestration/defs/publish.py`` calls it after the
blocking mart checks.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

log = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"
AUDIT_SCHEMA = "audit"
PUBLISH_LOG_TABLE = "publish_log"
# Any DuckDB 1.x client reads files of this storage version.
STORAGE_VERSION = "v1.0.0"
READ_ONLY_CONFIG: dict[str, object] = {"access_mode": "READ_ONLY", "enable_external_access": False}
DEFAULT_MANIFEST = Path(__file__).resolve().parents[1] / "dbt_project" / "target" / "manifest.json"
PARQUET_MANIFEST = "_published.json"

PUBLISH_LOG_COLUMNS: dict[str, tuple[str, str]] = {
    "published_at": ("TIMESTAMP", "When the publish was made (UTC); the same for every table."),
    "run_id": ("VARCHAR", "Run that published (the Dagster run id)."),
    "source_mode": ("VARCHAR", "'sample' (synthetic data) or 'live'."),
    "table_name": ("VARCHAR", "Table of schema marts that was published."),
    "row_count": ("BIGINT", "Rows of the table in this publish."),
    "content_fingerprint": (
        "VARCHAR",
        "Order-independent fingerprint of the rows: sum(hash(row)) computed by DuckDB "
        "(compare only between the same DuckDB version).",
    ),
    "parquet_sha256": ("VARCHAR", "sha256 of the Parquet file published for the table."),
    "duration_s": ("DOUBLE", "Seconds spent copying this table and writing its Parquet file."),
}
PUBLISH_LOG_COMMENT = (
    "One row per table per publish: when the marts were published, by which run, from which "
    "source mode, with how many rows. The working warehouse's audit.publish_log is the "
    "authoritative log; each published file carries a copy up to and including its own publish."
)

AUDIT_COPIES = {
    "load_log": "One row per load of a raw table: run, source, source mode, rows replaced and "
    "inserted, when. Copied from the working warehouse at publish time.",
    "check_results": "One row per asset check evaluation (Great Expectations): run, asset, "
    "check, passed, severity, expectations evaluated and failed, what was observed, when. "
    "Copied from the working warehouse at publish time.",
}


class PublishError(RuntimeError):
    """Publishing stopped; what was already published is unchanged unless the message says so."""


@dataclass(frozen=True)
class PublishResult:
    tables: dict[str, int]  # mart table name -> rows published
    published_path: Path
    parquet_files: dict[str, Path]  # mart table name -> its Parquet file
    seconds: float
    bytes: int  # size of the published DuckDB file
    run_id: str
    published_at: datetime  # UTC, naive as stored in audit.publish_log


def read_only_connection(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A connection that can only read ``path``: no writes, no other files, no network.

    This is the connection analysts and BI tools should use (see the module docstring for the
    same settings through SQLAlchemy and the CLI). Use it as a context manager or close it.
    """
    return duckdb.connect(str(path), read_only=True, config=dict(READ_ONLY_CONFIG))


def publish_log(path: str | Path) -> pd.DataFrame:
    """``audit.publish_log`` of a published file, oldest first (read-only)."""
    with read_only_connection(path) as connection:
        return connection.execute(
            f"select * from {AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} order by published_at, table_name"
        ).df()


def mart_descriptions(manifest_path: str | Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Table name -> (table description, {column name: description}) of dbt's mart models.

    Only models whose schema is ``marts``; empty descriptions are left out.
    """
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    descriptions: dict[str, tuple[str, dict[str, str]]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != MARTS_SCHEMA:
            continue
        columns = {
            (column.get("name") or key): (column.get("description") or "").strip()
            for key, column in (node.get("columns") or {}).items()
        }
        descriptions[node.get("alias") or node["name"]] = (
            (node.get("description") or "").strip(),
            {name: text for name, text in columns.items() if text},
        )
    return descriptions


def publish_marts(
    warehouse_path: str | Path,
    published_path: str | Path,
    parquet_dir: str | Path,
    *,
    run_id: str,
    source_mode: str,
    manifest_path: str | Path | None = None,
    now: datetime | None = None,
) -> PublishResult:
    """Publish every table and view of schema ``marts`` of the working warehouse.

    Writes a new DuckDB file and swaps it for ``published_path`` atomically, and one Parquet
    file per mart in ``parquet_dir`` (each swapped atomically); appends this publish to
    ``audit.publish_log`` in the working warehouse and in the published file. See the module
    docstring for the steps and guarantees. The working warehouse is opened for writing (its
    log is appended), so call this where the other warehouse writers are serialised.

    ``manifest_path``: dbt's manifest.json for the descriptions; by default the project's
    ``dbt_project/target/manifest.json`` if it exists (a warning and no dbt comments if not).
    ``now``: the publish time (UTC; a naive value is taken as UTC); by default the clock.

    Raises (leaving the published file, the Parquet files and the working log unchanged) if
    the working warehouse has no marts, or anything fails before the DuckDB file is replaced.
    """
    started = time.perf_counter()
    warehouse_path = Path(warehouse_path)
    published_path = Path(published_path)
    parquet_dir = Path(parquet_dir)
    if not run_id:
        raise ValueError("run_id is required")
    if not warehouse_path.is_file():
        raise FileNotFoundError(f"working warehouse not found: {warehouse_path}")
    descriptions = _load_descriptions(manifest_path)
    published_at = _utc_naive(now)
    published_path.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(published_path, parquet_dir)

    token = f"{_safe(run_id)}-{uuid.uuid4().hex[:8]}"
    temp_db = published_path.with_name(f"{published_path.name}.tmp-{token}")
    temp_parquet: dict[str, Path] = {}
    catalog = f"publish_{uuid.uuid4().hex[:12]}"
    replaced = False
    try:
        with contextlib.closing(duckdb.connect(str(warehouse_path))) as connection:
            _ensure_publish_log(connection)
            connection.execute(
                f"attach {_literal(temp_db)} as {catalog} (storage_version '{STORAGE_VERSION}')"
            )
            tables, durations = _copy_marts(connection, catalog, descriptions)
            fingerprints: dict[str, str] = {}
            checksums: dict[str, str] = {}
            for table in tables:
                begun = time.perf_counter()
                fingerprints[table] = _fingerprint(connection, f"{catalog}.{MARTS_SCHEMA}", table)
                temp_parquet[table] = parquet_dir / f".{table}.parquet.tmp-{token}"
                connection.execute(
                    f"copy (select * from {catalog}.{MARTS_SCHEMA}.{_ident(table)}) "
                    f"to {_literal(temp_parquet[table])} (format parquet, compression zstd)"
                )
                checksums[table] = _sha256_and_sync(temp_parquet[table])
                durations[table] += time.perf_counter() - begun
            new_rows = pd.DataFrame(
                {
                    "published_at": [published_at] * len(tables),
                    "run_id": run_id,
                    "source_mode": source_mode,
                    "table_name": list(tables),
                    "row_count": [tables[t] for t in tables],
                    "content_fingerprint": [fingerprints[t] for t in tables],
                    "parquet_sha256": [checksums[t] for t in tables],
                    "duration_s": [round(durations[t], 6) for t in tables],
                }
            )
            connection.register("publish_new_log_rows", new_rows)
            _write_published_log(connection, catalog)
            connection.execute(f"checkpoint {catalog}")
            connection.execute(f"detach {catalog}")
            if _wal(temp_db).exists():
                raise PublishError(f"{temp_db} left a WAL after checkpoint; not publishing it")
            _fsync(temp_db)
            stale_wal = _wal(published_path)
            if stale_wal.exists():
                # Only a writer on the published file leaves one, which nothing should be; a
                # reader would replay it onto the new file.
                log.warning(
                    "removing %s: the published file must never be opened to write", stale_wal
                )
                stale_wal.unlink()

            # The point of no return: the log rows commit only if the new file is in place.
            connection.execute("begin transaction")
            try:
                connection.execute(
                    f"insert into {AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} by name "
                    "select * from publish_new_log_rows"
                )
                _replace(temp_db, published_path)
            except BaseException:
                connection.execute("rollback")
                raise
            replaced = True
            try:
                connection.execute("commit")
            except Exception as error:
                raise PublishError(
                    f"{published_path} was published by run {run_id}, but appending to "
                    f"{AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} of the working warehouse failed: {error}"
                ) from error
            connection.unregister("publish_new_log_rows")
        _fsync_directory(published_path.parent)

        try:
            parquet_files = _publish_parquet(
                parquet_dir, temp_parquet, tables, checksums, run_id, published_at
            )
        except Exception as error:
            raise PublishError(
                f"{published_path} was published by run {run_id}, but replacing the Parquet "
                f"files in {parquet_dir} failed: {error}"
            ) from error
    except BaseException:
        # The connection is closed by now, which also releases the attached temporary file.
        if not replaced:
            _remove_quietly(temp_db, _wal(temp_db))
        _remove_quietly(*temp_parquet.values())
        raise

    seconds = time.perf_counter() - started
    result = PublishResult(
        tables=dict(tables),
        published_path=published_path,
        parquet_files=parquet_files,
        seconds=seconds,
        bytes=published_path.stat().st_size,
        run_id=run_id,
        published_at=published_at,
    )
    log.info(
        "published %d marts (%d rows, %d bytes) to %s in %.2fs",
        len(tables),
        sum(tables.values()),
        result.bytes,
        published_path,
        seconds,
    )
    return result


# --- steps ------------------------------------------------------------------------------------


def _load_descriptions(
    manifest_path: str | Path | None,
) -> dict[str, tuple[str, dict[str, str]]]:
    if manifest_path is None:
        if not DEFAULT_MANIFEST.is_file():
            log.warning(
                "no dbt manifest at %s: publishing without dbt descriptions", DEFAULT_MANIFEST
            )
            return {}
        manifest_path = DEFAULT_MANIFEST
    return mart_descriptions(manifest_path)


def _ensure_publish_log(connection: duckdb.DuckDBPyConnection) -> None:
    body = ", ".join(f"{name} {kind}" for name, (kind, _) in PUBLISH_LOG_COLUMNS.items())
    connection.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    connection.execute(f"create table if not exists {AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} ({body})")


def _copy_marts(
    connection: duckdb.DuckDBPyConnection,
    catalog: str,
    descriptions: Mapping[str, tuple[str, Mapping[str, str]]],
) -> tuple[dict[str, int], dict[str, float]]:
    """Copy every mart into ``catalog`` in one transaction; return rows and seconds per table."""
    marts = connection.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = current_database() and schema_name = ? "
        "union all "
        "select view_name, comment from duckdb_views() "
        "where database_name = current_database() and schema_name = ? and not internal "
        "order by 1",
        [MARTS_SCHEMA, MARTS_SCHEMA],
    ).fetchall()
    if not marts:
        raise PublishError(f"schema {MARTS_SCHEMA} of the working warehouse has no tables")
    columns = connection.execute(
        "select table_name, column_name, is_nullable, comment from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? "
        "order by table_name, column_index",
        [MARTS_SCHEMA],
    ).fetchall()
    rows: dict[str, int] = {}
    seconds: dict[str, float] = {}
    target_schema = f"{catalog}.{MARTS_SCHEMA}"
    connection.execute("begin transaction")
    try:
        connection.execute(f"create schema {target_schema}")
        for table, working_comment in marts:
            begun = time.perf_counter()
            source = f"{MARTS_SCHEMA}.{_ident(table)}"
            target = f"{target_schema}.{_ident(table)}"
            connection.execute(f"create table {target} as select * from {source} with no data")
            table_columns = [c for c in columns if c[0] == table]
            for _, column, nullable, _ in table_columns:
                if not nullable:
                    connection.execute(
                        f"alter table {target} alter column {_ident(column)} set not null"
                    )
            rows[table] = connection.execute(
                f"insert into {target} select * from {source}"
            ).fetchone()[0]
            table_text, column_texts = descriptions.get(table, ("", {}))
            table_text = table_text or working_comment or ""
            if table_text:
                connection.execute(f"comment on table {target} is {_literal(table_text)}")
            by_lower = {name.lower(): text for name, text in column_texts.items()}
            for _, column, _, column_comment in table_columns:
                text = column_texts.get(column) or by_lower.get(column.lower()) or column_comment
                if text:
                    connection.execute(
                        f"comment on column {target}.{_ident(column)} is {_literal(text)}"
                    )
            seconds[table] = time.perf_counter() - begun
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return rows, seconds


def _fingerprint(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    return connection.execute(fingerprint_sql(f"{schema}.{_ident(table)}")).fetchone()[0]


def fingerprint_sql(qualified_table: str) -> str:
    """SQL giving a table's content fingerprint as stored in ``audit.publish_log``."""
    return (
        f"select coalesce(sum(hash(publish_row)), 0)::varchar from {qualified_table} as publish_row"
    )


def _write_published_log(connection: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """The published copy of the log: every earlier entry of the working log plus this run's."""
    target = f"{catalog}.{AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE}"
    names = ", ".join(PUBLISH_LOG_COLUMNS)
    connection.execute("begin transaction")
    try:
        connection.execute(f"create schema {catalog}.{AUDIT_SCHEMA}")
        connection.execute(
            f"create table {target} as "
            f"select {names} from {AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} "
            f"union all by name select {names} from publish_new_log_rows "
            "order by published_at, table_name"
        )
        connection.execute(f"comment on table {target} is {_literal(PUBLISH_LOG_COMMENT)}")
        for name, (_, text) in PUBLISH_LOG_COLUMNS.items():
            connection.execute(f"comment on column {target}.{name} is {_literal(text)}")
        # The loads and checks behind this night, for the morning status and the report.
        present = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where database_name = current_database() "
                "and schema_name = ?",
                [AUDIT_SCHEMA],
            ).fetchall()
        }
        for table, comment in AUDIT_COPIES.items():
            if table not in present:
                continue
            copy = f"{catalog}.{AUDIT_SCHEMA}.{table}"
            connection.execute(f"create table {copy} as select * from {AUDIT_SCHEMA}.{table}")
            connection.execute(f"comment on table {copy} is {_literal(comment)}")
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise


def _publish_parquet(
    parquet_dir: Path,
    temp_parquet: Mapping[str, Path],
    tables: Mapping[str, int],
    checksums: Mapping[str, str],
    run_id: str,
    published_at: datetime,
) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for table, temp in temp_parquet.items():
        files[table] = parquet_dir / f"{table}.parquet"
        os.replace(temp, files[table])
    for stale in parquet_dir.glob("*.parquet"):
        if stale.stem not in files:
            stale.unlink()
    summary = {
        "run_id": run_id,
        "published_at": published_at.isoformat() + "Z",
        "tables": {
            table: {
                "file": files[table].name,
                "row_count": tables[table],
                "sha256": checksums[table],
            }
            for table in files
        },
    }
    manifest = parquet_dir / PARQUET_MANIFEST
    temp = manifest.with_name(f".{manifest.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        temp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        _fsync(temp)
        os.replace(temp, manifest)
    finally:
        _remove_quietly(temp)
    _fsync_directory(parquet_dir)
    return files


# --- files ------------------------------------------------------------------------------------


def _replace(source: Path, target: Path) -> None:
    """Atomically put ``source`` at ``target`` (same directory)."""
    os.replace(source, target)


def _remove_stale_temporaries(published_path: Path, parquet_dir: Path) -> None:
    """Temporary files a killed publish left behind (publishes are serialised)."""
    stale = [
        *published_path.parent.glob(f"{glob.escape(published_path.name)}.tmp-*"),
        *parquet_dir.glob(".*.parquet.tmp-*"),
        *parquet_dir.glob(f".{PARQUET_MANIFEST}.tmp-*"),
    ]
    for path in stale:
        log.warning("removing %s left by an interrupted publish", path)
    _remove_quietly(*stale)


def _remove_quietly(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _sha256_and_sync(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        os.fsync(handle.fileno())
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


# --- SQL text ---------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _safe(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", run_id)[:40]


def _utc_naive(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
