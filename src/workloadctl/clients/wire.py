"""HTTP and XML-RPC over a unix socket, built on the socket module and expat alone.

Why not http.client and xmlrpc.client: importing them (with the email parser and ssl
they pull in) costs a fresh `workloadctl status` process more time than asking both
managers takes, and `status` has to answer in about half the time of `supervisorctl
status` plus `process-compose process list` (issue 4). The two managers need very
little of HTTP: one request per connection (HTTP/1.0, so the server closes it and never
chunks), a status line, a few headers and a body. XML-RPC is the subset in the spec
(http://xmlrpc.com/spec.md) plus the `nil` extension, as xmlrpc.client writes it.

Errors: OSError (socket missing, refused, timeout) from the socket as is;
`WireError` for an answer that is not HTTP or not XML-RPC; `XmlRpcFault` for a fault.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

# Far above any real answer (getAllConfigInfo of 1000 programs is about 2 MiB).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_READ_BYTES = 256 * 1024


class WireError(ValueError):
    """The peer answered, but not in the protocol we speak (one line)."""


class XmlRpcFault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes


# --- HTTP -----------------------------------------------------------------------------


def _receive(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection (HTTP/1.0), within a limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = sock.recv(_READ_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise WireError(f"answer larger than {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)


def _dechunk(body: bytes) -> bytes:
    """A chunked body, should a server chunk despite HTTP/1.0."""
    out: list[bytes] = []
    position = 0
    while True:
        end = body.find(b"\r\n", position)
        if end < 0:
            raise WireError("truncated chunked body")
        try:
            size = int(body[position:end].split(b";", 1)[0], 16)
        except ValueError:
            raise WireError("bad chunk size in chunked body") from None
        if size == 0:
            return b"".join(out)
        start = end + 2
        out.append(body[start : start + size])
        position = start + size + 2


def parse_response(raw: bytes) -> Response:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise WireError("no complete HTTP answer" if raw else "empty answer (connection closed)")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise WireError(f"not an HTTP answer: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    elif headers.get("content-length", "").isdigit():
        body = body[: int(headers["content-length"])]
    return Response(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body)


def request(
    socket_path: Path,
    method: str,
    target: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float,
) -> Response:
    """One HTTP/1.0 request on a fresh connection to the unix socket."""
    lines = [f"{method} {target} HTTP/1.0", "Host: localhost"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(str(socket_path))
        sock.sendall(payload)
        raw = _receive(sock)
    finally:
        sock.close()
    return parse_response(raw)


def basic_auth(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


# --- XML-RPC: encoding ----------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _encode(value: Any, out: list[str]) -> None:
    out.append("<value>")
    if value is None:
        out.append("<nil/>")
    elif isinstance(value, bool):  # before int: bool is an int
        out.append(f"<boolean>{int(value)}</boolean>")
    elif isinstance(value, int):
        out.append(f"<int>{value}</int>")
    elif isinstance(value, float):
        out.append(f"<double>{value!r}</double>")
    elif isinstance(value, str):
        out.append(f"<string>{_escape(value)}</string>")
    elif isinstance(value, bytes):
        out.append(f"<base64>{base64.b64encode(value).decode('ascii')}</base64>")
    elif isinstance(value, Mapping):
        out.append("<struct>")
        for key, item in value.items():
            out.append(f"<member><name>{_escape(str(key))}</name>")
            _encode(item, out)
            out.append("</member>")
        out.append("</struct>")
    elif isinstance(value, (list, tuple)):
        out.append("<array><data>")
        for item in value:
            _encode(item, out)
        out.append("</data></array>")
    else:
        raise TypeError(f"cannot send a {type(value).__name__} over XML-RPC")
    out.append("</value>")


def encode_call(method: str, params: Sequence[Any]) -> bytes:
    out = ["<?xml version='1.0'?>\n<methodCall>\n<methodName>", _escape(method), "</methodName>"]
    out.append("\n<params>\n")
    for param in params:
        out.append("<param>")
        _encode(param, out)
        out.append("</param>\n")
    out.append("</params>\n</methodCall>\n")
    return "".join(out).encode("utf-8")


# --- XML-RPC: decoding ----------------------------------------------------------------

_INTEGERS = frozenset({"int", "i1", "i2", "i4", "i8", "biginteger"})
_FLOATS = frozenset({"double", "float", "bigdecimal"})
_SCALARS = _INTEGERS | _FLOATS | {"string", "boolean", "nil", "base64", "dateTime.iso8601"}
_KNOWN = _SCALARS | {
    "value",
    "array",
    "data",
    "struct",
    "member",
    "name",
    "params",
    "param",
    "fault",
    "methodResponse",
}


class _Decoder:
    """A stack machine over expat's events, as xmlrpc.client's Unmarshaller is."""

    def __init__(self) -> None:
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.text: list[str] = []
        self.bare_value = False  # inside <value> before any typed element
        self.fault = False

    def start(self, tag: str, _attrs: Any) -> None:
        tag = tag.rsplit(":", 1)[-1]  # ex:nil
        if tag not in _KNOWN:
            raise WireError(f"unknown XML-RPC element <{tag}>")
        if tag in ("array", "struct"):
            self.marks.append(len(self.stack))
        self.fault = self.fault or tag == "fault"
        self.text = []
        self.bare_value = tag == "value"

    def characters(self, text: str) -> None:
        self.text.append(text)

    def end(self, tag: str) -> None:
        tag = tag.rsplit(":", 1)[-1]
        text = "".join(self.text)
        if tag in _SCALARS:
            self.stack.append(_scalar(tag, text))
        elif tag == "value" and self.bare_value:
            self.stack.append(text)  # a value with no type is a string
        elif tag == "name":
            self.stack.append(text)
        elif tag == "array":
            mark = self.marks.pop()
            self.stack[mark:] = [self.stack[mark:]]
        elif tag == "struct":
            mark = self.marks.pop()
            items = self.stack[mark:]
            self.stack[mark:] = [dict(zip(items[::2], items[1::2], strict=True))]
        self.bare_value = False
        self.text = []


def _scalar(tag: str, text: str) -> Any:
    try:
        if tag in _INTEGERS:
            return int(text.strip())
        if tag in _FLOATS:
            return float(text.strip())
        if tag == "boolean":
            if text.strip() not in ("0", "1"):
                raise WireError(f"bad XML-RPC boolean {text!r}")
            return text.strip() == "1"
        if tag == "base64":
            return base64.b64decode(text)
    except ValueError as exc:
        raise WireError(f"bad XML-RPC <{tag}>: {exc}") from None
    if tag == "nil":
        return None
    return text  # string, dateTime.iso8601 (kept as its text)


def decode_response(body: bytes) -> Any:
    """The one value of a methodResponse; XmlRpcFault for a fault; WireError otherwise."""
    decoder = _Decoder()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = decoder.start
    parser.EndElementHandler = decoder.end
    parser.CharacterDataHandler = decoder.characters
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise WireError(f"not XML: {exc}") from None
    except WireError:
        raise
    except ValueError as exc:  # zip(strict=True): a struct member without a value
        raise WireError(f"malformed XML-RPC: {exc}") from None
    if len(decoder.stack) != 1:
        raise WireError(f"expected one value in the answer, got {len(decoder.stack)}")
    value = decoder.stack[0]
    if decoder.fault:
        if not isinstance(value, dict):
            raise WireError("malformed XML-RPC fault")
        raise XmlRpcFault(int(value.get("faultCode", 0)), str(value.get("faultString", "")))
    return value
