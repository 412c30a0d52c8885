"""The HTTP client against a loopback server: retries, content checks, secrets, archive."""

from __future__ import annotations

import gzip
import json
import logging
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from orchestration.http import (
    ApiErrorPayload,
    EmptyBodyError,
    HttpClient,
    HttpStatusError,
    LandingArchive,
    Redactor,
    SourcePolicy,
    TokenBucket,
    TransientSourceError,
    TruncatedBodyError,
    UnexpectedHtmlError,
    parse_retry_after,
)
from tests.loopback import ScriptedResponse

CANARY = "CANARY-SECRET-7f3a9c"
JSON = {"Content-Type": "application/json"}


class Sleeps:
    """Records requested sleeps instead of sleeping: tests never wait for luck."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(tmp_path, sleeps: Sleeps, **policy) -> HttpClient:
    client = HttpClient(
        user_agent="rotation-warehouse-tests/1.0 (tests@example.com)",
        archive=LandingArchive(tmp_path / "landing"),
        redactor=Redactor([CANARY]),
        rate_limits_enabled=False,
        sleep=sleeps,
    )
    client.register(SourcePolicy(name="test", max_retries=3, backoff_base=0.5, **policy))
    return client


def test_retries_5xx_with_backoff_then_succeeds(loopback, tmp_path):
    # GIVEN a server that fails twice with 503 and then answers
    loopback.add(
        ScriptedResponse(503, b"busy"),
        ScriptedResponse(502, b"bad gateway"),
        ScriptedResponse(200, b'{"ok": true}', JSON),
    )
    sleeps = Sleeps()
    client = make_client(tmp_path, sleeps)
    # WHEN the client fetches
    payload = client.get("test", f"{loopback.url}/data", expect="json")
    # THEN it retried twice, with exponential backoff inside the jitter band
    assert payload.json() == {"ok": True}
    assert len(loopback.requests) == 3
    assert client.retry_count == 2
    assert 0.25 <= sleeps.calls[0] <= 0.5
    assert 0.5 <= sleeps.calls[1] <= 1.0


def test_retry_after_seconds_is_honoured(loopback, tmp_path):
    loopback.add(
        ScriptedResponse(429, b"slow down", {"Retry-After": "7"}),
        ScriptedResponse(200, b"[]", JSON),
    )
    sleeps = Sleeps()
    make_client(tmp_path, sleeps).get("test", f"{loopback.url}/x")
    assert sleeps.calls == [7.0]


def test_retry_after_http_date_is_honoured():
    when = datetime.now(UTC) + timedelta(seconds=30)
    waited = parse_retry_after(format_datetime(when, usegmt=True))
    assert 25 <= waited <= 31
    assert parse_retry_after("garbage") is None


def test_gives_up_after_max_retries_with_a_named_error(loopback, tmp_path):
    loopback.add(*[ScriptedResponse(500, b"boom") for _ in range(4)])
    client = make_client(tmp_path, Sleeps())
    with pytest.raises(TransientSourceError) as caught:
        client.get("test", f"{loopback.url}/always-broken?api_key={CANARY}")
    assert len(loopback.requests) == 4  # one try plus three retries
    message = str(caught.value)
    assert "gave up after 4 attempts" in message and "HTTP 500" in message
    assert "/always-broken" in message
    assert CANARY not in message and "api_key=***" in message


def test_client_errors_are_not_retried(loopback, tmp_path):
    body = b'{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}'
    loopback.add(ScriptedResponse(404, body, JSON))
    with pytest.raises(HttpStatusError) as caught:
        make_client(tmp_path, Sleeps()).get("test", f"{loopback.url}/v8/finance/chart/NOPE")
    assert caught.value.status == 404
    assert "symbol may be delisted" in str(caught.value)
    assert len(loopback.requests) == 1


@pytest.mark.parametrize(
    ("reply", "expect", "error", "words"),
    [
        (
            ScriptedResponse(
                200,
                b"<!DOCTYPE html><html><head><title>Stooq</title></head></html>",
                {"Content-Type": "text/html"},
            ),
            "csv",
            UnexpectedHtmlError,
            "HTML page ('Stooq'",
        ),
        (
            ScriptedResponse(200, b"<html><body>login</body></html>"),
            "json",
            UnexpectedHtmlError,
            "expected JSON",
        ),
        (ScriptedResponse(200, b""), "json", EmptyBodyError, "empty response body"),
        (
            ScriptedResponse(200, b'{"observations": [{"date": "2024-01-01", "val', JSON),
            "json",
            TruncatedBodyError,
            "truncated or malformed",
        ),
        (
            ScriptedResponse(
                200,
                b'{"error_code":400,"error_message":"Bad Request.  The value for variable api_key is not registered."}',
                JSON,
            ),
            "json",
            ApiErrorPayload,
            "400: Bad Request.",
        ),
        (
            ScriptedResponse(200, b'{"detail":"Error: Ticker \'ZZZZ\' not found"}', JSON),
            "json",
            ApiErrorPayload,
            "Ticker 'ZZZZ' not found",
        ),
    ],
    ids=[
        "html-for-csv",
        "html-for-json",
        "empty",
        "truncated-json",
        "fred-error-200",
        "tiingo-detail-200",
    ],
)
def test_bad_payloads_are_named_errors_and_not_retried(
    loopback, tmp_path, reply, expect, error, words
):
    loopback.add(reply)
    client = make_client(tmp_path, Sleeps())
    with pytest.raises(error) as caught:
        client.get(
            "test", f"{loopback.url}/payload?token={CANARY}", expect=expect, archive_name="payload"
        )
    assert words in str(caught.value)
    assert "/payload" in str(caught.value) and CANARY not in str(caught.value)
    assert len(loopback.requests) == 1, "a bad payload is an error, not a retry"
    assert not (tmp_path / "landing").exists(), "nothing is archived from a bad payload"


def test_body_shorter_than_content_length_is_truncation(loopback, tmp_path):
    loopback.add(ScriptedResponse(200, b'{"a": 1', JSON, declared_length=500))
    with pytest.raises(TruncatedBodyError):
        make_client(tmp_path, Sleeps()).get("test", f"{loopback.url}/cut")


def test_read_timeout_is_transient(loopback, tmp_path):
    loopback.add(ScriptedResponse(200, b"{}", JSON, delay=1.0))
    client = make_client(tmp_path, Sleeps(), read_timeout=0.2)
    client.register(SourcePolicy(name="test", max_retries=0, read_timeout=0.2))
    with pytest.raises(TransientSourceError, match="ReadTimeout"):
        client.get("test", f"{loopback.url}/slow")


def test_connection_refused_never_leaks_the_key(tmp_path, caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(tmp_path, Sleeps())
    client.register(SourcePolicy(name="test", max_retries=1))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TransientSourceError) as caught:
        client.get("test", f"http://127.0.0.1:{port}/fred/series?api_key={CANARY}&series_id=GDP")
    rendered = [
        str(caught.value),
        repr(caught.value),
        str(caught.value.__cause__),
        str(caught.value.__context__),
    ]
    assert all(CANARY not in text for text in rendered)
    assert CANARY not in caplog.text
    assert "ConnectionError" in str(caught.value)


def test_secret_in_header_and_query_stays_out_of_logs_archive_and_errors(
    loopback, tmp_path, caplog
):
    # GIVEN a key sent both as a header and in the query string, and debug logging on
    caplog.set_level(logging.DEBUG)
    loopback.add(ScriptedResponse(200, b'{"value": "42"}', JSON))
    client = make_client(tmp_path, Sleeps())
    # WHEN a payload is fetched and archived
    payload = client.get(
        "test",
        f"{loopback.url}/obs",
        params={"series_id": "GDP", "api_key": CANARY},
        headers={"Authorization": f"Token {CANARY}"},
        archive_name="obs_GDP.json",
    )
    # THEN the server got the key, but no log line, URL or archive file mentions it
    assert CANARY in loopback.requests[0]["path"]
    assert loopback.requests[0]["headers"]["Authorization"] == f"Token {CANARY}"
    assert CANARY not in payload.url and "api_key=***" in payload.url
    assert CANARY not in caplog.text
    archived = list((tmp_path / "landing").rglob("*"))
    assert archived
    for path in archived:
        if path.is_file():
            raw = path.read_bytes()
            assert CANARY.encode() not in raw
            if path.suffix == ".gz":
                assert CANARY.encode() not in gzip.decompress(raw)


def test_landing_archive_stores_gzip_and_an_index(loopback, tmp_path):
    body = b'{"value": "42"}'
    loopback.add(ScriptedResponse(200, body, JSON))
    client = make_client(tmp_path, Sleeps())
    payload = client.get("test", f"{loopback.url}/obs", archive_name="obs GDP.json")
    day = payload.fetched_at.strftime("%Y-%m-%d")
    assert payload.payload_ref == f"test/{day}/obs_GDP.json.gz"
    assert client.archive.read(payload.payload_ref) == body
    index = [
        json.loads(line)
        for line in (tmp_path / "landing" / "test" / day / "index.jsonl").read_text().splitlines()
    ]
    assert index[-1]["file"] == payload.payload_ref
    assert index[-1]["bytes"] == len(body)


def test_user_agent_is_sent(loopback, tmp_path):
    loopback.add(ScriptedResponse(200, b"{}", JSON))
    make_client(tmp_path, Sleeps()).get("test", f"{loopback.url}/ua")
    assert (
        loopback.requests[0]["headers"]["User-Agent"]
        == "rotation-warehouse-tests/1.0 (tests@example.com)"
    )


def test_token_bucket_paces_requests_with_a_fake_clock():
    # GIVEN 2 requests/second with a burst of 2, on a clock that only moves when we sleep
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(2.0, 2, clock=lambda: now[0], sleep=sleep)
    # WHEN ten requests go out back to back
    waits = [bucket.acquire() for _ in range(10)]
    # THEN the first two are free and the other eight are spaced 0.5 s apart
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([0.5] * 8)
    assert now[0] == pytest.approx(4.0)


def test_redactor_masks_registered_secrets_and_known_parameter_names():
    redact = Redactor(["s3cr3t-value"])
    assert redact("https://x/y?apikey=abc&s=spy.us") == "https://x/y?apikey=***&s=spy.us"
    assert redact("header Token s3cr3t-value") == "header Token ***"
    assert redact("https://x/?series_id=GDP&api_key=zzz&file_type=json").endswith(
        "api_key=***&file_type=json"
    )
