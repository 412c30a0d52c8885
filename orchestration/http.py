"""The one HTTP client every source uses.

It owns everything between a source module's request and the bytes its parser reads:
timeouts, retries with exponential backoff and jitter (honouring ``Retry-After``), a token-bucket
rate limiter per host, content checks (HTML where data was expected, empty or truncated bodies,
JSON error objects sent with HTTP 200), secret redaction, and the landing archive.

Nothing here knows about Dagster or about any particular source's payload schema.
"""

from __future__ import annotations

import csv
import email.utils
import gzip
import hashlib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
import urllib3

log = logging.getLogger(__name__)

Expect = Literal["json", "csv", "text"]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Query-string and header names whose values are secrets even if nobody registered them.
SECRET_PARAM_NAMES = ("api_key", "apikey", "token", "access_token", "key", "crumb")
REDACTED = "***"
# A redirect chain longer than this is a loop or a misconfigured proxy, not a data source.
MAX_REDIRECTS = 5


# --------------------------------------------------------------------------------------------
# Errors. Every message names the (redacted) URL and what arrived.
# --------------------------------------------------------------------------------------------
class SourceError(Exception):
    """Base class for every failure to get a usable payload from a source."""

    def __init__(self, message: str, *, url: str, source: str):
        super().__init__(f"[{source}] {message} (url: {url})")
        self.url = url
        self.source = source


class TransientSourceError(SourceError):
    """The source kept failing in a way that may pass (429, 5xx, timeouts) after all retries."""


class HttpStatusError(SourceError):
    """A non-retryable HTTP status (e.g. 400 bad request, 401 bad key, 404 unknown symbol)."""

    def __init__(self, message: str, *, url: str, source: str, status: int):
        super().__init__(message, url=url, source=source)
        self.status = status


class PayloadError(SourceError):
    """The response arrived but is not the payload that was asked for. Never retried."""


class UnexpectedHtmlError(PayloadError):
    """An HTML page arrived where JSON or CSV was expected (login walls, key pages, captchas)."""


class EmptyBodyError(PayloadError):
    """The response body was empty."""


class TruncatedBodyError(PayloadError):
    """The body is shorter than announced, or its JSON stops mid-document."""


class ApiErrorPayload(PayloadError):
    """A JSON error object arrived with a success status."""


class CorruptBodyError(PayloadError):
    """The body does not decode as its ``Content-Encoding`` says (e.g. a corrupt gzip stream)."""


class RedirectLoopError(SourceError):
    """The source kept redirecting (a loop, or more than :data:`MAX_REDIRECTS` hops)."""


class SlowBodyError(TransientSourceError):
    """The body kept arriving, but too slowly to finish within the policy's ``total_timeout``."""


# --------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------
class Redactor:
    """Removes secrets from anything that may be logged, raised or stored."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)
        names = "|".join(re.escape(n) for n in SECRET_PARAM_NAMES)
        self._param_pattern = re.compile(rf"(?i)\b({names})=([^&#\s'\"]+)")

    def add(self, secret: str | None) -> None:
        # Very short values would redact innocent text; real keys are long.
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def __call__(self, text: object) -> str:
        result = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            result = result.replace(secret, REDACTED)
        return self._param_pattern.sub(rf"\1={REDACTED}", result)

    def scrub_bytes(self, body: bytes) -> bytes:
        """``body`` with every registered secret replaced (a server may echo a key back)."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            body = body.replace(secret.encode("utf-8"), REDACTED.encode())
        return body


class _RedactingLogFilter(logging.Filter):
    """urllib3 logs full request lines (with query strings) at DEBUG; scrub them."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor(record.getMessage())
        record.args = ()
        return True


# --------------------------------------------------------------------------------------------
# Rate limiting
# --------------------------------------------------------------------------------------------
class TokenBucket:
    """A token bucket: ``rate`` requests per second on average, bursts up to ``capacity``."""

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is available. Returns the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return waited
                wait = (1 - self._tokens) / self.rate
                self._sleep(wait)
                waited += wait


# --------------------------------------------------------------------------------------------
# Landing archive
# --------------------------------------------------------------------------------------------
class LandingArchive:
    """Raw payload bytes, gzip-compressed, by source and fetch date, plus a JSONL index."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def save(self, *, source: str, name: str, body: bytes, url: str, fetched_at: datetime) -> str:
        day = fetched_at.strftime("%Y-%m-%d")
        safe_name = re.sub(r"[^A-Za-z0-9._=-]+", "_", name).strip("_") or "payload"
        relative = Path(source) / day / f"{safe_name}.gz"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".gz.tmp")
        # mtime=0 keeps archives byte-identical when the same payload is fetched twice.
        temporary.write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
        temporary.replace(target)
        entry = {
            "file": relative.as_posix(),
            "url": url,
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "fetched_at": fetched_at.isoformat(),
        }
        with (target.parent / "index.jsonl").open("a", encoding="utf-8") as index:
            index.write(json.dumps(entry) + "\n")
        return relative.as_posix()

    def read(self, ref: str) -> bytes:
        return gzip.decompress((self.root / ref).read_bytes())


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourcePolicy:
    """How politely to talk to one source."""

    name: str
    requests_per_second: float = 2.0
    burst: float | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 60.0  # longest silence between two reads
    total_timeout: float = 600.0  # longest time for one response, however it trickles in
    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 60.0


@dataclass
class Payload:
    """One successful response: the bytes a parser reads and where they were archived."""

    source: str
    url: str  # redacted
    status: int
    body: bytes
    fetched_at: datetime
    content_type: str = ""
    payload_ref: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8-sig")


class HttpClient:
    """A requests Session with the project's retry, rate-limit, content and secret rules."""

    def __init__(
        self,
        *,
        user_agent: str,
        archive: LandingArchive | None = None,
        redactor: Redactor | None = None,
        session: requests.Session | None = None,
        rate_limits_enabled: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ):
        self.session = session or requests.Session()
        self.session.max_redirects = MAX_REDIRECTS
        self.session.headers["User-Agent"] = user_agent
        self.session.headers.setdefault("Accept-Encoding", "gzip, deflate")
        self.archive = archive
        self.redact = redactor or Redactor()
        self.rate_limits_enabled = rate_limits_enabled
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._policies: dict[str, SourcePolicy] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self.request_count = 0
        self.retry_count = 0
        url_logger = logging.getLogger("urllib3.connectionpool")
        if not any(isinstance(f, _RedactingLogFilter) for f in url_logger.filters):
            url_logger.addFilter(_RedactingLogFilter(self.redact))

    def register(self, policy: SourcePolicy) -> None:
        self._policies[policy.name] = policy

    def policy(self, source: str) -> SourcePolicy:
        return self._policies.get(source) or SourcePolicy(name=source)

    def _bucket(self, host: str, policy: SourcePolicy) -> TokenBucket:
        bucket = self._buckets.get(host)
        if bucket is None:
            bucket = TokenBucket(
                policy.requests_per_second, policy.burst, clock=self._clock, sleep=self._sleep
            )
            self._buckets[host] = bucket
        return bucket

    def get(
        self,
        source: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Expect = "json",
        archive_name: str | None = None,
    ) -> Payload:
        """GET ``url`` and return a checked payload, or raise a :class:`SourceError`."""
        policy = self.policy(source)
        prepared = self.session.prepare_request(
            requests.Request("GET", url, params=params, headers=dict(headers or {}))
        )
        safe_url = self.redact(prepared.url)
        host = urlsplit(prepared.url).netloc
        attempt = 0
        while True:
            if self.rate_limits_enabled:
                self._bucket(host, policy).acquire()
            self.request_count += 1
            failure: str
            retry_after: float | None = None
            slow = False
            try:
                response = self.session.send(
                    prepared,
                    timeout=(policy.connect_timeout, policy.read_timeout),
                    stream=True,
                )
                try:
                    body = self._read_body(
                        response, self._clock() + policy.total_timeout, source, safe_url
                    )
                finally:
                    response.close()
            except requests.exceptions.TooManyRedirects:
                raise RedirectLoopError(
                    f"more than {self.session.max_redirects} redirects (a redirect loop?)",
                    url=safe_url,
                    source=source,
                ) from None
            except requests.exceptions.ContentDecodingError as exc:
                raise CorruptBodyError(
                    f"body does not decode as its Content-Encoding says: {self.redact(exc)}",
                    url=safe_url,
                    source=source,
                ) from None
            except requests.exceptions.ChunkedEncodingError as exc:
                if not _connection_reset(exc):
                    raise TruncatedBodyError(
                        f"body cut off: {self.redact(exc)}", url=safe_url, source=source
                    ) from None
                failure = f"connection reset mid-body: {self.redact(exc)}"
            except _SlowBody as exc:
                failure = f"{SlowBodyError.__name__}: {exc}"
                slow = True
            except (requests.ConnectionError, requests.Timeout) as exc:
                # The exception text contains the full URL: never chain it.
                failure = f"{type(exc).__name__}: {self.redact(exc)}"
            else:
                if response.status_code in RETRYABLE_STATUSES:
                    failure = f"HTTP {response.status_code}"
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                elif response.status_code >= 400:
                    raise HttpStatusError(
                        f"HTTP {response.status_code}: {self._snippet(body)}",
                        url=safe_url,
                        source=source,
                        status=response.status_code,
                    )
                else:
                    return self._accept(source, safe_url, response, body, expect, archive_name)
            if attempt >= policy.max_retries:
                raise (SlowBodyError if slow else TransientSourceError)(
                    f"gave up after {attempt + 1} attempts; last failure: {failure}",
                    url=safe_url,
                    source=source,
                )
            delay = self._backoff(policy, attempt, retry_after)
            log.warning(
                "%s: %s on %s; retry %d/%d in %.2fs",
                source,
                failure,
                safe_url,
                attempt + 1,
                policy.max_retries,
                delay,
            )
            self.retry_count += 1
            self._sleep(delay)
            attempt += 1

    def _read_body(
        self, response: requests.Response, deadline: float, source: str, safe_url: str
    ) -> bytes:
        """The whole body, read as it arrives; raises :class:`_SlowBody` past ``deadline``.

        ``read_timeout`` bounds each silence only: a server that sends a byte now and then
        would hold the connection for ever without the deadline.
        """
        raw = response.raw
        if response._content_consumed or not isinstance(raw, urllib3.BaseHTTPResponse):
            return response.content  # adapters that hand over the body whole
        chunks: list[bytes] = []
        try:
            while chunk := raw.read1(64 * 1024, decode_content=True):
                chunks.append(chunk)
                if self._clock() > deadline:
                    raise _SlowBody(
                        f"only {sum(map(len, chunks))} bytes had arrived when the policy's "
                        "total_timeout ran out (a slow drip)"
                    )
        except urllib3.exceptions.DecodeError as exc:
            raise CorruptBodyError(
                f"body does not decode as its Content-Encoding "
                f"{response.headers.get('Content-Encoding')!r} says: {self.redact(exc)}",
                url=safe_url,
                source=source,
            ) from None
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(self.redact(exc)) from None
        except (urllib3.exceptions.ProtocolError, OSError) as exc:
            if _connection_reset(exc):
                # The network dropped the connection: as transient as a refused one.
                raise requests.exceptions.ConnectionError(
                    f"connection reset mid-body: {self.redact(exc)}"
                ) from None
            raise TruncatedBodyError(
                f"body cut off: {self.redact(exc)}", url=safe_url, source=source
            ) from None
        body = b"".join(chunks)
        response._content = body
        response._content_consumed = True
        return body

    def _backoff(self, policy: SourcePolicy, attempt: int, retry_after: float | None) -> float:
        exponential = min(policy.backoff_max, policy.backoff_base * (2**attempt))
        # Jitter spreads retries of parallel clients; Retry-After is a floor, not a suggestion.
        delay = exponential * self._rng.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, policy.backoff_max))
        return delay

    def _snippet(self, body: bytes, limit: int = 300) -> str:
        text = body[:limit].decode("utf-8", errors="replace").replace("\n", " ").strip()
        return self.redact(text) or "<empty body>"

    def _accept(
        self,
        source: str,
        safe_url: str,
        response: requests.Response,
        body: bytes,
        expect: Expect,
        archive_name: str | None,
    ) -> Payload:
        content_type = response.headers.get("Content-Type", "")
        check_body(
            body,
            expect=expect,
            content_type=content_type,
            url=safe_url,
            source=source,
            redact=self.redact,
        )
        announced = response.headers.get("Content-Length")
        if (
            announced
            and announced.isdigit()
            and not response.headers.get("Content-Encoding")
            and int(announced) != len(body)
        ):
            raise TruncatedBodyError(
                f"body has {len(body)} bytes but Content-Length announced {announced}",
                url=safe_url,
                source=source,
            )
        fetched_at = datetime.now(UTC)
        payload_ref = None
        if self.archive is not None and archive_name:
            payload_ref = self.archive.save(
                source=source,
                name=archive_name,
                body=self.redact.scrub_bytes(body),
                url=safe_url,
                fetched_at=fetched_at,
            )
        return Payload(
            source=source,
            url=safe_url,
            status=response.status_code,
            body=body,
            fetched_at=fetched_at,
            content_type=content_type,
            payload_ref=payload_ref,
        )


class _SlowBody(Exception):
    """Internal: the body missed the policy's total deadline (becomes :class:`SlowBodyError`)."""


def _connection_reset(exc: BaseException) -> bool:
    """Whether the peer reset the connection (the network), rather than closed it early."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectionResetError):
            return True
        pending.extend([*item.args, item.__cause__, item.__context__])
    return False


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml|<!--)", re.IGNORECASE)


def check_body(
    body: bytes,
    *,
    expect: Expect,
    content_type: str,
    url: str,
    source: str,
    redact: Callable[[object], str] = str,
) -> None:
    """Reject bodies that are not the payload kind asked for. Raises a :class:`PayloadError`.

    ``redact`` scrubs what the body contributes to a message: a server may echo a key back.
    """
    if not body.strip():
        raise EmptyBodyError("empty response body", url=url, source=source)
    if expect in ("json", "csv") and (
        _HTML_START.match(body[:200]) or content_type.lower().startswith("text/html")
    ):
        title = re.search(rb"<title>(.*?)</title>", body[:4000], re.IGNORECASE | re.DOTALL)
        seen = title.group(1).decode("utf-8", "replace").strip() if title else "no title"
        raise UnexpectedHtmlError(
            f"expected {expect.upper()} but received an HTML page "
            f"({redact(seen)!r}, {len(body)} bytes)",
            url=url,
            source=source,
        )
    if expect == "csv":
        _check_csv_ending(body, url=url, source=source)
    if expect == "json":
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise TruncatedBodyError(
                f"JSON does not parse ({exc.msg} at byte {exc.pos} of {len(body)}): "
                "truncated or malformed",
                url=url,
                source=source,
            ) from None
        message = json_error_message(document)
        if message:
            raise ApiErrorPayload(
                f"error object in a success response: {redact(message)}", url=url, source=source
            )


def _check_csv_ending(body: bytes, *, url: str, source: str) -> None:
    """A CSV whose last line stops without a newline and with fewer fields than the header was
    cut off (a complete last line without a newline is accepted)."""
    if body.endswith((b"\n", b"\r")):
        return
    lines = [line for line in body.decode("utf-8-sig", errors="replace").splitlines() if line]
    if len(lines) < 2:
        return
    header, last = (next(csv.reader([line])) for line in (lines[0], lines[-1]))
    if len(last) < len(header):
        raise TruncatedBodyError(
            f"CSV cut off: the last line (line {len(lines)}) has {len(last)} of the header's "
            f"{len(header)} fields and no line ending",
            url=url,
            source=source,
        )


def json_error_message(document: Any) -> str | None:
    """Recognise the error envelopes of the APIs we use when they arrive with HTTP 200."""
    if not isinstance(document, dict):
        return None
    if "error_message" in document or "error_code" in document:  # FRED
        return f"{document.get('error_code')}: {document.get('error_message')}"
    if document.get("error"):  # generic {"error": ...}
        return str(document["error"])[:300]
    if set(document) == {"detail"}:  # Tiingo
        return str(document["detail"])[:300]
    if len(document) == 1:  # Yahoo: {"chart": {"result": null, "error": {...}}}
        (inner,) = document.values()
        if isinstance(inner, dict) and inner.get("error"):
            error = inner["error"]
            if isinstance(error, dict):
                return f"{error.get('code')}: {error.get('description')}"
            return str(error)[:300]
    return None
