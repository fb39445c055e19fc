"""The small HTTP and XML-RPC layer the clients use, against the standard library's own
XML-RPC marshalling and a real unix socket server."""

from __future__ import annotations

import socket
import threading
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workloadctl.clients import wire


def _response(value: Any) -> bytes:
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True).encode()


@pytest.mark.parametrize(
    "value",
    [
        0,
        -17,
        True,
        False,
        1.5,
        "",
        "plain",
        "a <b> & 'c' \u00e9\u6f22",
        None,
        [],
        {},
        [1, "two", [3, {"four": 4}]],
        {"name": "web", "pid": 12, "nested": {"ok": True, "list": [None, 2.25]}},
        b"\x00\x01bytes",
    ],
)
def test_decodes_what_xmlrpc_client_encodes(value: Any) -> None:
    assert wire.decode_response(_response(value)) == value


def test_untyped_value_is_a_string() -> None:
    body = b"<methodResponse><params><param><value>  raw text </value></param></params></methodResponse>"
    assert wire.decode_response(body) == "  raw text "


def test_fault_becomes_an_exception_with_code_and_message() -> None:
    body = xmlrpc.client.dumps(xmlrpc.client.Fault(60, "ALREADY_STARTED: web"), methodresponse=True)
    with pytest.raises(wire.XmlRpcFault) as caught:
        wire.decode_response(body.encode())
    assert caught.value.code == 60
    assert caught.value.message == "ALREADY_STARTED: web"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
        b"<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
        b"<methodResponse><params><param><value><blob>1</blob></value></param></params></methodResponse>",
        b"<methodResponse><params></params></methodResponse>",
    ],
)
def test_malformed_answers_are_wire_errors(body: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.decode_response(body)


@pytest.mark.parametrize(
    "params",
    [
        (),
        ("web", True),
        ("name", 0, 4096),
        ([{"methodName": "supervisor.getState", "params": []}],),
        ("<&>", None, 2.5, b"\xff"),
    ],
)
def test_encoded_calls_read_back_with_xmlrpc_client(params: tuple[Any, ...]) -> None:
    loaded, method = xmlrpc.client.loads(
        wire.encode_call("supervisor.x", params), use_builtin_types=True
    )
    assert method == "supervisor.x"
    assert loaded == params


def test_unsupported_parameter_type() -> None:
    with pytest.raises(TypeError):
        wire.encode_call("m", (object(),))


def test_parse_response_with_content_length_and_headers() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\nhelloEXTRA"
    response = wire.parse_response(raw)
    assert (response.status, response.reason, response.body) == (200, "OK", b"hello")
    assert response.headers["content-type"] == "text/xml"


def test_parse_response_chunked() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n"
    assert wire.parse_response(raw).body == b"hello world"


@pytest.mark.parametrize(
    "raw", [b"", b"HTTP/1.1 200 OK\r\n", b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 abc\r\n\r\n"]
)
def test_parse_response_rejects_what_is_not_http(raw: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.parse_response(raw)


def test_basic_auth() -> None:
    assert wire.basic_auth("user", "pa:ss") == "Basic dXNlcjpwYTpzcw=="


class _OneShotServer:
    """A unix socket server answering every connection with `answer`; keeps the requests."""

    def __init__(self, path: Path, answer: bytes) -> None:
        self.path = path
        self.answer = answer
        self.requests: list[bytes] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(path))
        self._sock.listen()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(body) < length:
                    body += conn.recv(4096)
                self.requests.append(head + b"\r\n\r\n" + body)
                conn.sendall(self.answer)

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[_OneShotServer]:
    body = _response({"statename": "RUNNING"})
    answer = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    srv = _OneShotServer(tmp_path / "api.sock", answer)
    yield srv
    srv.close()


def test_request_round_trip(server: _OneShotServer) -> None:
    response = wire.request(
        server.path,
        "POST",
        "/RPC2",
        headers={"Authorization": wire.basic_auth("u", "p")},
        body=wire.encode_call("supervisor.getState", ()),
        timeout=5,
    )
    assert response.status == 200
    assert wire.decode_response(response.body) == {"statename": "RUNNING"}
    sent = server.requests[0]
    assert sent.startswith(b"POST /RPC2 HTTP/1.0\r\n")
    assert b"Authorization: Basic dTpw" in sent
    assert b"<methodName>supervisor.getState</methodName>" in sent


def test_request_to_a_missing_socket(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        wire.request(tmp_path / "none.sock", "GET", "/", timeout=1)


def test_request_times_out(tmp_path: Path) -> None:
    path = tmp_path / "silent.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    try:
        with pytest.raises(TimeoutError):
            wire.request(path, "GET", "/", timeout=0.2)
    finally:
        listener.close()
