"""A loopback HTTP server that serves the sources' real wire formats and injects faults.

The bytes come from an upstream ``requests`` transport adapter: by default the offline sample
market (:class:`orchestration.sample.transport.SampleTransport`), which renders each source's
real wire format (Yahoo chart v8, Tiingo, Stooq CSV, FRED JSON and fredgraph.csv, SEC company
facts, Yahoo quoteSummary with its cookie and crumb, the index membership files). A
:class:`Fault` changes what a matching request gets: a status, a delay, a reset connection,
a slow drip, a redirect loop, a rewritten body.

Bounded by construction: it listens on 127.0.0.1 only, answers at most ``max_requests``
requests (then 503 and it stops), and stops by itself after ``lifetime`` seconds.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from requests.adapters import BaseAdapter

# What a fault can do to a request (see Fault.kind).
KINDS = (
    "status",  # answer `status` with `body` (and `headers`), never reaching upstream
    "delay",  # wait `delay` seconds, then answer upstream's response
    "reset",  # send the headers and half the body, then reset the connection (RST)
    "drip",  # send upstream's body `chunk` bytes every `delay` seconds
    "redirect_loop",  # 302 back to the same URL
    "garbage",  # a line of non-HTTP bytes, then close
    "rewrite",  # upstream's response with the body passed through `transform`
    "gzip_corrupt",  # upstream's body gzip-compressed, then damaged, as Content-Encoding gzip
)


@dataclass
class Fault:
    """One fault, applied to the first ``times`` requests whose path contains ``path``
    (``times=None``: every matching request)."""

    kind: str
    path: str = ""
    times: int | None = 1
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None  # rewrite: replace the upstream Content-Type
    delay: float = 0.0
    chunk: int = 16
    transform: Callable[[bytes], bytes] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {KINDS}")


@dataclass
class Upstream:
    status: int
    headers: dict[str, str]
    body: bytes


class FaultServer:
    """``with FaultServer(upstream_adapter) as server:`` then point base URLs at ``server.url``."""

    def __init__(
        self, upstream: BaseAdapter, *, max_requests: int = 200, lifetime: float = 60.0
    ) -> None:
        self.upstream = upstream
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.faults: list[Fault] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._closed = threading.Event()  # the listening socket is closed: connections refused
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                server._handle(self)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    # lifecycle --------------------------------------------------------------------------------
    def __enter__(self) -> FaultServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._timer.cancel()
        # shutdown() waits for serve_forever; from a handler thread that must not block it.
        stopper = threading.Thread(target=self._shutdown, daemon=True)
        stopper.start()
        if threading.current_thread() not in (self._thread,):
            stopper.join(timeout=5)

    def _shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._closed.set()

    def wait_closed(self, timeout: float) -> bool:
        """True once the server has stopped and closed its socket (within ``timeout`` s)."""
        return self._closed.wait(timeout)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    # serving ----------------------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in path and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _fetch_upstream(self, handler: BaseHTTPRequestHandler) -> Upstream:
        prepared = requests.Request(
            "GET",
            f"{self.url}{handler.path}",
            headers={k: v for k, v in handler.headers.items() if k.lower() != "host"},
        ).prepare()
        response = self.upstream.send(prepared)
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding", "connection")
        }
        return Upstream(response.status_code, headers, response.content)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append({"path": handler.path, "headers": dict(handler.headers)})
            over_budget = len(self.requests) > self.max_requests
        if over_budget or self._stopped.is_set():
            _send(handler, 503, {"Content-Type": "text/plain"}, b"fault server budget spent")
            self.stop()
            return
        fault = self._take_fault(handler.path)
        kind = fault.kind if fault else None
        if kind == "status":
            headers = {"Content-Type": fault.content_type or "text/plain", **fault.headers}
            _send(handler, fault.status, headers, fault.body)
            return
        if kind == "redirect_loop":
            _send(handler, 302, {"Location": handler.path, "Content-Type": "text/plain"}, b"")
            return
        if kind == "garbage":
            handler.wfile.write(b"this is not HTTP at all\r\n\r\n")
            handler.close_connection = True
            return
        if kind == "delay":
            self._stopped.wait(fault.delay)
        upstream = self._fetch_upstream(handler)
        status, headers, body = upstream.status, upstream.headers, upstream.body
        if kind == "rewrite":
            if fault.transform is not None:
                body = fault.transform(body)
            if fault.content_type is not None:
                headers["Content-Type"] = fault.content_type
            headers.update(fault.headers)
        if kind == "gzip_corrupt":
            packed = bytearray(gzip.compress(body))
            middle = len(packed) // 2
            packed[middle : middle + 8] = b"\xff" * 8
            body = bytes(packed)
            headers["Content-Encoding"] = "gzip"
        if kind == "reset":
            _send_then_reset(handler, status, headers, body)
            return
        if kind == "drip":
            _send_drip(handler, status, headers, body, fault, self._stopped)
            return
        _send(handler, status, headers, body)


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict, body: bytes) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.wfile.write(body)


def _send_then_reset(
    handler: BaseHTTPRequestHandler, status: int, headers: dict, body: bytes
) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    with contextlib.suppress(OSError):
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        # SO_LINGER 0: close() sends a TCP RST instead of a FIN, as a dropped link does.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
    handler.close_connection = True


def _send_drip(
    handler: BaseHTTPRequestHandler,
    status: int,
    headers: dict,
    body: bytes,
    fault: Fault,
    stopped: threading.Event,
) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        for start in range(0, len(body), fault.chunk):
            handler.wfile.write(body[start : start + fault.chunk])
            handler.wfile.flush()
            if stopped.wait(fault.delay):
                break
    except OSError:
        pass  # the client gave up: that is the point
    handler.close_connection = True


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (for connection-refused faults)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
