"""FRED and SEC live code paths against a loopback server serving the real recorded payloads."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from orchestration.http import (
    ApiErrorPayload,
    HttpClient,
    HttpStatusError,
    LandingArchive,
    Redactor,
    TransientSourceError,
)
from orchestration.sources import fred, sec
from tests.loopback import ScriptedResponse

KEY = "FRED-LOOPBACK-KEY-9f8e7d6c5b4a"
SEC_AGENT = "rotation-warehouse tests ops@example.com"
NOW = datetime(2024, 11, 1, 15, 0, tzinfo=UTC)


def client(tmp_path) -> HttpClient:
    http = HttpClient(
        user_agent="rotation-warehouse-tests",
        archive=LandingArchive(tmp_path / "landing"),
        redactor=Redactor([KEY]),
        sleep=lambda _seconds: None,
    )
    http.register(fred.FRED_POLICY)
    http.register(sec.SEC_POLICY)
    return http


def json_reply(document: object, status: int = 200, **headers: str) -> ScriptedResponse:
    return ScriptedResponse(
        status, json.dumps(document).encode(), {"Content-Type": "application/json", **headers}
    )


def test_fred_429_is_waited_out_then_all_vintages_load(loopback, tmp_path, fixtures_dir):
    vintages = json.loads(
        (fixtures_dir / "fred" / "series_observations_GDP_alfred_all_vintages.json").read_text()
    )
    loopback.add(
        ScriptedResponse(429, b"Too Many Requests", {"Retry-After": "0"}),
        json_reply(vintages),
    )
    http = client(tmp_path)
    fetched = fred.fetch_vintages(http, loopback.url, "GDP", KEY, window_start=None, now=NOW)
    assert len(fetched.observations) == 3199
    assert http.request_count == 2 and http.retry_count == 1
    path = loopback.requests[-1]["path"]
    assert "realtime_start=1776-07-04" in path and "realtime_end=9999-12-31" in path
    assert "file_type=json" in path


def test_fred_bad_request_is_not_retried_and_never_shows_the_key(loopback, tmp_path):
    loopback.add(
        json_reply(
            {
                "error_code": 400,
                "error_message": "Bad Request.  The value for variable api_key is not registered.",
            },
            status=400,
        )
    )
    http = client(tmp_path)
    with pytest.raises(HttpStatusError) as caught:
        fred.fetch_metadata(http, loopback.url, "GDP", KEY)
    assert http.request_count == 1
    assert "is not registered" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in caught.value.url


def test_fred_error_object_with_http_200_is_an_api_error(loopback, tmp_path):
    loopback.add(json_reply({"error_code": 400, "error_message": "Bad Request.  Series id."}))
    with pytest.raises(ApiErrorPayload, match="Bad Request"):
        fred.fetch_vintages(client(tmp_path), loopback.url, "GDP", KEY, window_start=None, now=NOW)


def test_fredgraph_csv_without_a_key(loopback, tmp_path, fixtures_dir):
    body = (fixtures_dir / "fred" / "fredgraph_multi_DGS_excerpt.csv").read_bytes()
    loopback.add(ScriptedResponse(200, body, {"Content-Type": "text/csv"}))
    fetched = fred.fetch_latest_csv(client(tmp_path), loopback.url, "DGS2", now=NOW)
    assert loopback.requests[0]["path"] == "/graph/fredgraph.csv?id=DGS2"
    frame = fetched.observations
    assert fetched.vintage_mode == "latest" and set(frame["vintage_mode"]) == {"latest"}
    assert frame.loc[frame["date"] == "2000-01-03", "value"].item() == 6.38


def test_sec_company_facts_gzip_with_the_declared_user_agent(loopback, tmp_path, fixtures_dir):
    compressed = fixtures_dir / "sec" / "sec_companyfacts_GOOGL_CIK0001652044.full.json.gz"
    loopback.add(
        ScriptedResponse(
            200,
            compressed.read_bytes(),
            {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
    )
    alphabet = next(c for c in sec.load_companies() if c.ticker == "GOOGL")
    result = sec.fetch_companyfacts(
        client(tmp_path),
        alphabet,
        base_url=loopback.url,
        concepts=sec.load_concepts(),
        user_agent=SEC_AGENT,
    )
    request = loopback.requests[0]
    assert request["path"] == "/api/xbrl/companyfacts/CIK0001652044.json"
    assert request["headers"]["User-Agent"] == SEC_AGENT
    assert "gzip" in request["headers"]["Accept-Encoding"]
    capex = result.frame[
        (result.frame["tag"] == "PaymentsToAcquirePropertyPlantAndEquipment")
        & (result.frame["frame"] == "CY2025")
    ]
    assert capex["val"].item() == 91_447_000_000
    # The archive keeps the decoded document, parsable on its own.
    archived = gzip.decompress((tmp_path / "landing" / result.payload_ref).read_bytes())
    assert json.loads(archived)["cik"] == 1652044


def test_sec_outage_is_retried_then_reported_as_transient(loopback, tmp_path, fixtures_dir):
    submissions = json.loads(
        (fixtures_dir / "sec" / "sec_submissions_MSFT_CIK0000789019.json").read_text()
    )
    microsoft = next(c for c in sec.load_companies() if c.ticker == "MSFT")
    loopback.add(
        ScriptedResponse(503, b"busy"), ScriptedResponse(502, b"bad"), json_reply(submissions)
    )
    latest = sec.fetch_latest_filing(
        client(tmp_path), microsoft, base_url=loopback.url, user_agent=SEC_AGENT
    )
    assert latest.latest.accession_number == "0001193125-26-027207"
    loopback.add(*[ScriptedResponse(503, b"busy")] * (sec.SEC_POLICY.max_retries + 1))
    with pytest.raises(TransientSourceError, match="gave up after"):
        sec.fetch_latest_filing(
            client(tmp_path), microsoft, base_url=loopback.url, user_agent=SEC_AGENT
        )
