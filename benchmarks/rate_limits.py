"""Benchmark 8: a simulated backfill through the project's HTTP client against a loopback server
that enforces FRED-like (2 requests/s) and SEC-like (10 requests/s) limits.

Each server is a token bucket of the published limit (capacity = one second of requests, a
0.05-request allowance for arrival jitter) answering 429 to any request above it. The client
uses the sources' own policies (``fred.FRED_POLICY``, ``sec.SEC_POLICY``). Achieved rate is
measured at the server after the initial burst: (requests - burst) / (last arrival - first).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from orchestration.http import HttpClient, SourcePolicy
from orchestration.sources import fred, sec

JITTER_ALLOWANCE = 0.05
REQUESTS = {"small": {"fred": 8, "sec": 30}, "large": {"fred": 60, "sec": 300}}


@dataclass
class LimitedServer:
    """127.0.0.1 server answering JSON within ``limit`` requests/s and 429 above it."""

    limit: float
    arrivals: list[float] = field(default_factory=list)
    rejected: int = 0

    def __post_init__(self) -> None:
        self._tokens = self.limit
        self._updated = time.monotonic()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                allowed = server.admit()
                status, body = (
                    (200, b'{"observations": [], "facts": {}}')
                    if allowed
                    else (429, b'{"error": "rate limit"}')
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if not allowed:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def admit(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.limit, self._tokens + (now - self._updated) * self.limit)
            self._updated = now
            if self._tokens >= 1 - JITTER_ALLOWANCE:
                self._tokens -= 1
                self.arrivals.append(now)
                return True
            self.rejected += 1
            return False

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def backfill(policy: SourcePolicy, limit: float, requests: int, path: str) -> dict:
    server = LimitedServer(limit)
    client = HttpClient(user_agent="rotation-warehouse benchmark bench@example.invalid")
    client.register(policy)
    try:
        for number in range(requests):
            client.get(policy.name, f"{server.url}{path.format(number)}", expect="json")
    finally:
        server.close()
    arrivals = server.arrivals
    burst = policy.burst or max(1.0, policy.requests_per_second)
    span = arrivals[-1] - arrivals[0]
    achieved = (len(arrivals) - burst) / span if span > 0 else float("nan")
    return {
        "requests": requests,
        "served": len(arrivals),
        "limit_per_s": limit,
        "client_policy_per_s": policy.requests_per_second,
        "seconds": round(span, 2),
        "achieved_per_s": round(achieved, 3),
        "achieved_pct_of_limit": round(100 * achieved / limit, 1),
        # the server's bucket is the limit; the steady rate may read a hair above it from timing
        "above_limit": server.rejected > 0 or achieved > limit * 1.01,
        "responses_429": server.rejected,
        "client_retries": client.retry_count,
    }


def run(scale_name: str) -> dict:
    counts = REQUESTS[scale_name]
    outcomes: dict[str, dict] = {}
    jobs = {
        "fred": (fred.FRED_POLICY, 2.0, counts["fred"], "/fred/series/observations?series_id=S{}"),
        "sec": (sec.SEC_POLICY, 10.0, counts["sec"], "/api/xbrl/companyfacts/CIK{:010d}.json"),
    }
    threads = [
        threading.Thread(target=lambda n=name, j=job: outcomes.__setitem__(n, backfill(*j)))
        for name, job in jobs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {name: outcomes[name] for name in jobs}


if __name__ == "__main__":
    print(json.dumps(run("small"), indent=2))
