"""A scriptable HTTP server on 127.0.0.1 for client and fault tests (never the internet)."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ScriptedResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (to provoke a client read timeout)
    declared_length: int | None = None  # announce more bytes than are sent (truncation)


class LoopbackServer:
    """An HTTP server on 127.0.0.1 that answers with a queue of scripted responses."""

    def __init__(self) -> None:
        self.script: deque[ScriptedResponse] = deque()
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                reply = (
                    server.script.popleft()
                    if server.script
                    else ScriptedResponse(404, b"no script")
                )
                if reply.delay:
                    threading.Event().wait(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                length = (
                    reply.declared_length if reply.declared_length is not None else len(reply.body)
                )
                self.send_header("Content-Length", str(length))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply.body)
                if reply.declared_length is not None:
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, *responses: ScriptedResponse) -> None:
        self.script.extend(responses)
