"""Shared fixtures: paths to the recorded payloads and a scriptable loopback HTTP server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    assert FIXTURES.is_dir(), f"recorded payloads not found at {FIXTURES}"
    return FIXTURES


@pytest.fixture
def loopback():
    server = LoopbackServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> dict[str, Path]:
    """`make demo`, once per test session, into a temporary directory: the whole warehouse
    built from the offline sample market and published. For tests that need every mart
    (the report, the analyst queries, `make status`)."""
    root = tmp_path_factory.mktemp("demo")
    paths = {
        "root": root,
        "warehouse": root / "market.duckdb",
        "analytics": root / "analytics.duckdb",
        "parquet": root / "published" / "parquet",
        "landing": root / "landing",
        "dagster_home": root / "dagster_home",
        "drops": root / "drops" / "estimates",
        "data_docs": root / "data_docs",
    }
    paths["dagster_home"].mkdir()
    env = {
        **os.environ,
        "SOURCE_MODE": "sample",
        "WAREHOUSE_PATH": str(paths["warehouse"]),
        "ANALYTICS_PATH": str(paths["analytics"]),
        "PUBLISHED_PARQUET_DIR": str(paths["parquet"]),
        "LANDING_DIR": str(paths["landing"]),
        "DAGSTER_HOME": str(paths["dagster_home"]),
        "ESTIMATES_DROP_DIR": str(paths["drops"]),
        "DATA_DOCS_DIR": str(paths["data_docs"]),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "orchestration.demo"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    paths["stdout"] = completed.stdout
    return paths
