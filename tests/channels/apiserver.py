"""A real HTTP server on a loopback port playing a provider's API (Meta's Graph API, X's API v2)
for the channel tests: every request is recorded, and a route function answers it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


# A route answers (status, content type, body bytes), optionally with more headers.
Route = Callable[[Call], tuple[int, str, bytes] | tuple[int, str, bytes, dict[str, str]]]


@dataclass
class ApiServer:
    base_url: str
    calls: list[Call] = field(default_factory=list)

    def made(self, method: str, path_start: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(path_start)]


def as_json(status: int, data: Any) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(data).encode()


@contextmanager
def running_api(route: Route) -> Iterator[ApiServer]:
    server_holder: dict[str, ApiServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            call = Call(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()),
                        self.rfile.read(length) if length else b"")  # fmt: skip
            server_holder["api"].calls.append(call)
            status, content_type, body, *more = route(call)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (more[0] if more else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api = ApiServer(base_url=f"http://127.0.0.1:{httpd.server_address[1]}")
    server_holder["api"] = api
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        httpd.shutdown()
        httpd.server_close()
