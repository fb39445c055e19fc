"""A tiny HTTP server on a unix socket (http.server over socketserver.UnixStreamServer) for
the clients' unit tests: it keeps every request and answers with what the test says."""

from __future__ import annotations

import http.server
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    version: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


# What the server sends back: an Answer, raw bytes written as they are (no HTTP framing
# added), or None to close the connection without a word.
Reply = Answer | bytes | None
Respond = Callable[[Request, "Handler"], Reply]


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, path: Path, respond: Respond) -> None:
        super().__init__(str(path), Handler)
        self.respond = respond
        self.requests: list[Request] = []

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up
            super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            self.command,
            self.path,
            self.request_version,
            {name.lower(): value for name, value in self.headers.items()},
            self.rfile.read(length) if length else b"",
        )
        self.server.requests.append(request)
        reply = self.server.respond(request, self)
        self.close_connection = True
        if isinstance(reply, Answer):
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if reply.body:
                self.wfile.write(reply.body)
        elif reply is not None:
            self.wfile.write(reply)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet (and a unix socket's client address is "", which the default trips on)


@dataclass
class UnixHTTPServer:
    path: Path
    requests: list[Request]


@contextmanager
def unix_http_server(path: Path, respond: Respond) -> Iterator[UnixHTTPServer]:
    server = _Server(path, respond)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield UnixHTTPServer(path, server.requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        path.unlink(missing_ok=True)


@contextmanager
def silent_listener(path: Path) -> Iterator[Path]:
    """A unix socket that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    try:
        yield path
    finally:
        listener.close()
