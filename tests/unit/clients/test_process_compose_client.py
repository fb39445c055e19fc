"""ProcessComposeClient (http.client over a unix socket, websocket-client for the log stream)
against a small HTTP server on a real unix socket."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from unix_server_support import (
    Answer,
    Handler,
    Reply,
    Request,
    UnixHTTPServer,
    silent_listener,
    unix_http_server,
)
from websocket import ABNF

from workloadctl.clients.process_compose import (
    TOKEN_HEADER,
    ProcessComposeClient,
    ProcessComposeError,
    _log_message,
)

TOKEN = "s3cret"
JSON = (("Content-Type", "application/json"),)


def _json(status: int, value: Any) -> Answer:
    return Answer(status, json.dumps(value).encode(), JSON)


@contextmanager
def serving(
    tmp_path: Path, respond: Callable[[Request, Handler], Reply]
) -> Iterator[tuple[UnixHTTPServer, ProcessComposeClient]]:
    with unix_http_server(tmp_path / "pc.sock", respond) as server:
        yield server, ProcessComposeClient(server.path, TOKEN, timeout=5)


def test_round_trip_with_token(tmp_path: Path) -> None:
    answer = _json(200, {"data": [{"name": "web", "status": "Running"}]})
    with serving(tmp_path, lambda _r, _h: answer) as (server, client):
        assert client.processes() == [{"name": "web", "status": "Running"}]
    (request,) = server.requests
    assert (request.method, request.path) == ("GET", "/processes")
    assert request.headers[TOKEN_HEADER.lower()] == TOKEN
    assert request.headers["accept"] == "application/json"
    assert request.body == b""


def test_no_token_no_header(tmp_path: Path) -> None:
    with unix_http_server(tmp_path / "pc.sock", lambda _r, _h: _json(200, {})) as server:
        ProcessComposeClient(server.path, None, timeout=5).processes()
    assert TOKEN_HEADER.lower() not in server.requests[0].headers


@pytest.mark.parametrize(
    ("call", "method", "path", "body"),
    [
        (lambda c: c.process("a b/c"), "GET", "/process/a%20b%2Fc", None),
        (lambda c: c.process_info("web"), "GET", "/process/info/web", None),
        (lambda c: c.start("web"), "POST", "/process/start/web", None),
        (lambda c: c.stop("web"), "PATCH", "/process/stop/web", None),
        (lambda c: c.restart("web"), "POST", "/process/restart/web", None),
        (lambda c: c.logs("web", 0, 30), "GET", "/process/logs/web/0/30", None),
        (lambda c: c.reload_configuration(), "POST", "/project/configuration", None),
    ],
)
def test_requests_reach_the_server_as_made(
    tmp_path: Path,
    call: Callable[[ProcessComposeClient], Any],
    method: str,
    path: str,
    body: Any,
) -> None:
    with serving(tmp_path, lambda _r, _h: _json(200, {})) as (server, client):
        call(client)
    (request,) = server.requests
    assert (request.method, request.path) == (method, path)
    if body is None:
        assert request.body == b""
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.body) == body


def test_answers(tmp_path: Path) -> None:
    def respond(request: Request, _handler: Handler) -> Reply:
        if request.path.startswith("/process/logs/"):
            return _json(200, {"logs": ["one", "two"]})
        if request.path == "/project/configuration":
            return _json(200, {"web": "updated"})
        if request.path == "/live":
            return Answer(200, b"")
        return _json(200, {"name": "web"})

    with serving(tmp_path, respond) as (_server, client):
        assert client.logs("web", 0, 2) == ["one", "two"]
        assert client.reload_configuration() == {"web": "updated"}
        assert client.process("web") == {"name": "web"}
        assert client.live()


def test_chunked_answer(tmp_path: Path) -> None:
    body = json.dumps({"data": [{"name": "web"}]}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:7], body[7:]))
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    with serving(tmp_path, lambda _r, _h: raw) as (_server, client):
        assert client.processes() == [{"name": "web"}]


def test_refused_token(tmp_path: Path) -> None:
    with (
        serving(tmp_path, lambda _r, _h: _json(401, {"error": "no"})) as (server, client),
        pytest.raises(ProcessComposeError) as caught,
    ):
        client.processes()
        assert not client.live()
    assert str(caught.value) == f"process-compose at {server.path} refused the API token (401)"


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (_json(404, {"error": "no such process"}), "no such process"),
        (Answer(500, b"plain text"), "plain text"),
        (Answer(400, b""), "None"),
    ],
)
def test_http_errors(tmp_path: Path, answer: Answer, detail: str) -> None:
    with (
        serving(tmp_path, lambda _r, _h: answer) as (_server, client),
        pytest.raises(ProcessComposeError) as caught,
    ):
        client.process("x")
    assert str(caught.value) == f"process-compose: GET /process/x: {answer.status} {detail}"


@pytest.mark.parametrize("raw", [None, b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 abc\r\n\r\n"])
def test_answers_that_are_not_http(tmp_path: Path, raw: bytes | None) -> None:
    with (
        serving(tmp_path, lambda _r, _h: raw) as (server, client),
        pytest.raises(ProcessComposeError) as caught,
    ):
        client.processes()
    assert str(caught.value).startswith(f"process-compose at {server.path}: ")


def test_missing_socket(tmp_path: Path) -> None:
    path = tmp_path / "none.sock"
    client = ProcessComposeClient(path, TOKEN, timeout=1)
    with pytest.raises(ProcessComposeError) as caught:
        client.processes()
    assert str(caught.value) == f"process-compose is not running (no socket at {path})"
    assert not client.live()
    with pytest.raises(ProcessComposeError) as caught:
        next(iter(client.follow_logs("web", 5)))
    assert str(caught.value) == f"process-compose is not running (no socket at {path})"


def test_timeout(tmp_path: Path) -> None:
    with silent_listener(tmp_path / "silent.sock") as path:
        started = time.monotonic()
        with pytest.raises(ProcessComposeError) as caught:
            ProcessComposeClient(path, TOKEN, timeout=0.2).processes()
        elapsed = time.monotonic() - started
    assert str(caught.value) == (
        f"process-compose at {path} did not answer GET /processes within 0.2 s"
    )
    assert elapsed < 5


# --- the log stream (WebSocket) --------------------------------------------------------


def _frame(opcode: int, data: bytes, fin: int = 1) -> bytes:
    return ABNF(fin=fin, opcode=opcode, mask_value=0, data=data).format()


def _read_client_frame(handler: Handler) -> tuple[int, bytes]:
    """One frame from the client (always masked)."""
    first, second = handler.rfile.read(2)
    length = second & 0x7F  # the client only sends short control frames here
    mask = handler.rfile.read(4)
    payload = handler.rfile.read(length)
    return first & 0x0F, ABNF.mask(mask, payload)


def _upgrade(request: Request, handler: Handler) -> None:
    key = request.headers["sec-websocket-key"]
    accept = hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
    handler.send_response(101)
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", base64.b64encode(accept).decode())
    handler.end_headers()
    handler.wfile.flush()


def test_follow_logs(tmp_path: Path) -> None:
    pongs: list[bytes] = []

    def respond(request: Request, handler: Handler) -> Reply:
        _upgrade(request, handler)
        send = handler.wfile.write
        send(_frame(ABNF.OPCODE_TEXT, b'{"message": "one", "process_name": "web"}'))
        send(_frame(ABNF.OPCODE_PING, b"are you there"))
        opcode, payload = _read_client_frame(handler)
        if opcode == ABNF.OPCODE_PONG:
            pongs.append(payload)
        send(_frame(ABNF.OPCODE_TEXT, b'{"message": "t', fin=0))  # one message, two frames
        send(_frame(ABNF.OPCODE_CONT, b'wo \\u00e9", "process_name": "web"}'))
        send(_frame(ABNF.OPCODE_BINARY, b"not json"))
        send(_frame(ABNF.OPCODE_CLOSE, b"\x03\xe8"))
        _read_client_frame(handler)  # the client's close in answer
        return None

    with serving(tmp_path, respond) as (server, client):
        assert list(client.follow_logs("my web", 7)) == ["one", "two \u00e9", "not json"]
    (request,) = server.requests
    target = urlsplit(request.path)
    assert target.path == "/process/logs/ws"
    assert parse_qs(target.query) == {"name": ["my web"], "offset": ["7"], "follow": ["true"]}
    assert request.headers[TOKEN_HEADER.lower()] == TOKEN
    assert request.headers["upgrade"].lower() == "websocket"
    assert pongs == [b"are you there"]


def test_follow_logs_ends_when_the_server_goes(tmp_path: Path) -> None:
    def respond(request: Request, handler: Handler) -> Reply:
        _upgrade(request, handler)
        handler.wfile.write(_frame(ABNF.OPCODE_TEXT, b'{"message": "last"}'))
        return None  # and the connection closes, with no close frame

    with serving(tmp_path, respond) as (_server, client):
        assert list(client.follow_logs("web", 1)) == ["last"]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_json(401, {"error": "no"}), "process-compose at {path} refused the API token (401)"),
        (
            _json(404, {"error": "no"}),
            "process-compose: GET /process/logs/ws?name=web&offset=1&follow=true: "
            "no log stream (HTTP 404 Not Found)",
        ),
        (
            None,
            "process-compose: GET /process/logs/ws?name=web&offset=1&follow=true: "
            "no log stream (Connection to remote host was lost.)",
        ),
    ],
)
def test_follow_logs_refused(tmp_path: Path, answer: Answer | None, message: str) -> None:
    with (
        serving(tmp_path, lambda _r, _h: answer) as (server, client),
        pytest.raises(ProcessComposeError) as caught,
    ):
        list(client.follow_logs("web", 1))
    assert str(caught.value) == message.format(path=server.path)


def test_follow_logs_handshake_times_out(tmp_path: Path) -> None:
    with (
        silent_listener(tmp_path / "silent.sock") as path,
        pytest.raises(ProcessComposeError) as caught,
    ):
        list(ProcessComposeClient(path, TOKEN, timeout=0.2).follow_logs("web", 1))
    assert str(caught.value).startswith("process-compose log stream: ")


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        (b'{"message": "hello", "process_name": "web"}', "hello"),
        (b'{"other": 1}', '{"other": 1}'),
        (b"plain \xc3\xa9", "plain \u00e9"),
        (b"\xff", "\ufffd"),
    ],
)
def test_log_message(payload: bytes, text: str) -> None:
    assert _log_message(payload) == text
