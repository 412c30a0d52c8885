"""Shared fixtures: paths to the recorded payloads and a scriptable loopback HTTP server."""

from __future__ import annotations

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
