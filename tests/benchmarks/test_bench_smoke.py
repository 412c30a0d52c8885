"""The benchmark suite at small scale: it completes, writes its JSON, and its correctness parts
hold (breadth peer equal to the mart, a re-run changes nothing, the HTTP client never goes
above a server's rate limit, a reader never fails during a publish). No timing assertions:
the figures are printed, not tested.

The dbt builds are limited to the breadth marts' models (and the seeds they read): the dbt
tests of the whole project run in their own suites, and here they would only add minutes.
"""

from __future__ import annotations

import json

import pytest

from benchmarks.run import main

SMOKE_SELECTION = "+fct_market_breadth_daily,resource_type:model resource_type:seed"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    document = main(
        [
            "--scale", "small",
            "--workdir", str(root / "work"),
            "--results-dir", str(root / "results"),
            "--skip", "orchestration",
            "--nightly-fractions", "1.0",
            "--select", SMOKE_SELECTION,
        ]
    )  # fmt: skip
    (written,) = (root / "results").glob("*-small.json")
    return document, json.loads(written.read_text())


def test_the_suite_completes_and_writes_its_json(smoke):
    document, written = smoke
    assert written["errors"] == {}
    assert set(written["benchmarks"]) == {
        "ingestion", "full_build", "nightly", "rerun", "publish", "breadth_peer", "rate_limits",
    }  # fmt: skip
    assert written["benchmarks"] == json.loads(json.dumps(document["benchmarks"], default=str))
    # every history bar went through the parser and the loader
    ingestion = written["benchmarks"]["ingestion"]
    assert ingestion["rows"] == written["scale"]["history_bars"]
    # 160 symbols make one batch: the ceiling inserts the whole history once more
    assert ingestion["batches"] == 1
    assert ingestion["ceiling_rows"] == written["scale"]["history_bars"]


def test_the_pandas_breadth_peer_equals_the_mart(smoke):
    _, written = smoke
    peer = written["benchmarks"]["breadth_peer"]
    assert peer["equal"] is True
    assert peer["unmatched_rows"] == 0
    assert set(peer["count_mismatches"].values()) == {0}
    # two universes on every history session plus the nightly's day
    assert peer["rows_compared"] == 2 * (written["scale"]["history_sessions"] + 1)


def test_rerunning_the_same_day_changes_no_row(smoke):
    _, written = smoke
    rerun = written["benchmarks"]["rerun"]
    assert rerun["rows"] == rerun["rows_replaced"] > 0
    assert rerun["changed_raw_rows"] == 0
    assert rerun["changed_mart_rows"] == 0


def test_the_client_never_goes_above_a_servers_rate_limit(smoke):
    _, written = smoke
    for source in ("fred", "sec"):
        figures = written["benchmarks"]["rate_limits"][source]
        assert figures["responses_429"] == 0
        assert figures["above_limit"] is False
        assert figures["served"] == figures["requests"]


def test_a_reader_never_fails_while_the_marts_are_published(smoke):
    _, written = smoke
    publish = written["benchmarks"]["publish"]
    assert publish["reader_reads"] > 0
    assert publish["reader_errors"] == 0
