"""The fault-injection matrix (``python -m faults``), one test per case, so that a failure
names the case: each must have its expected outcome, lose no stored row, duplicate no key,
leave the published file unchanged unless the run succeeded, and write no canary key."""

from __future__ import annotations

import pytest
import requests

from faults.harness import SkippedSymbols
from faults.runner import all_cases, matrix_session
from faults.server import Fault, FaultServer
from orchestration.sample.transport import SampleTransport

CASES = all_cases()


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    matrix, server = matrix_session(tmp_path_factory.mktemp("faults"))
    with server:
        yield matrix


@pytest.mark.parametrize("case", CASES, ids=[case.case_id for case in CASES])
def test_fault_case(matrix, case):
    result = matrix.run(case)
    assert result.outcome == case.expected, result.problems
    assert result.rows_lost == 0
    assert result.duplicate_keys == 0
    run_failed = not case.expected.endswith("succeeded") and not case.expected.startswith(
        "symbol skipped"
    )
    if run_failed:
        assert not result.published_changed, "a failed run changed the published file"
    assert not result.secrets, result.secrets
    assert result.passed, result.problems


def test_the_matrix_covers_every_source_with_enough_cases():
    sources = {case.source for case in CASES}
    assert len(CASES) >= 120
    assert {
        "fred",
        "sec",
        "yahoo",
        "tiingo",
        "stooq",
        "estimates_api",
        "estimates_files",
    } <= sources
    assert len({case.case_id for case in CASES}) == len(CASES), "case names must be unique"
    assert SkippedSymbols  # the estimates API's per-symbol outcome is part of the contract


def test_the_server_listens_on_loopback_only_and_stops_after_its_request_budget():
    with FaultServer(SampleTransport(), max_requests=2, lifetime=30) as server:
        assert server.url.startswith("http://127.0.0.1:")
        server.inject(Fault("status", "/x", times=None, status=418, body=b"teapot"))
        assert requests.get(f"{server.url}/x", timeout=5).status_code == 418
        assert requests.get(f"{server.url}/x", timeout=5).status_code == 418
        over = requests.get(f"{server.url}/x", timeout=5)
        assert over.status_code == 503 and b"budget" in over.content
        # Stopped means the socket is closed, not only flagged: a connection is refused.
        assert server.wait_closed(10)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/x", timeout=2)


def test_the_server_stops_by_itself_when_its_lifetime_ends():
    with FaultServer(SampleTransport(), max_requests=10, lifetime=0.2) as server:
        assert server.wait_closed(10)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/x", timeout=2)
