"""Client for a live process-compose: its REST API over a unix socket, with the API token."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import quote, urlencode

from workloadctl.clients import wire
from workloadctl.errors import WorkloadctlError

TOKEN_HEADER = "X-PC-Token-Key"


class ProcessComposeError(WorkloadctlError):
    pass


class ProcessComposeClient:
    def __init__(self, socket_path: Path, token: str | None, timeout: float = 10.0) -> None:
        self.socket_path = socket_path
        self._token = token
        self._timeout = timeout

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        if self._token:
            headers[TOKEN_HEADER] = self._token
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            response = wire.request(
                self.socket_path,
                method,
                path,
                headers=headers,
                body=payload,
                timeout=self._timeout,
            )
        except FileNotFoundError as exc:
            raise ProcessComposeError(
                f"process-compose is not running (no socket at {self.socket_path})"
            ) from exc
        except TimeoutError as exc:
            raise ProcessComposeError(
                f"process-compose at {self.socket_path} did not answer {method} {path} "
                f"within {self._timeout:g} s"
            ) from exc
        except (OSError, wire.WireError) as exc:
            raise ProcessComposeError(f"process-compose at {self.socket_path}: {exc}") from exc
        if response.status == 401:
            raise ProcessComposeError(
                f"process-compose at {self.socket_path} refused the API token (401)"
            )
        data: Any = None
        if response.body:
            try:
                data = json.loads(response.body)
            except ValueError:
                data = response.body.decode(errors="replace")
        if response.status >= 400:
            detail = data.get("error") if isinstance(data, dict) else data
            raise ProcessComposeError(
                f"process-compose: {method} {path}: {response.status} {detail}"
            )
        return data

    def live(self) -> bool:
        try:
            self._request("GET", "/live")
        except ProcessComposeError:
            return False
        return True

    def processes(self) -> list[dict[str, Any]]:
        data = self._request("GET", "/processes")
        return cast(list[dict[str, Any]], (data or {}).get("data") or [])

    def process(self, name: str) -> dict[str, Any]:
        """`GET /process/NAME`: one process's state (same fields as in `processes()`)."""
        return cast(dict[str, Any], self._request("GET", f"/process/{quote(name, safe='')}"))

    def process_info(self, name: str) -> dict[str, Any]:
        """`GET /process/info/NAME`: the process's config as loaded (disabled, command...)."""
        return cast(dict[str, Any], self._request("GET", f"/process/info/{quote(name, safe='')}"))

    def project_state(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._request("GET", "/project/state"))

    def start(self, name: str) -> None:
        self._request("POST", f"/process/start/{quote(name, safe='')}")

    def stop(self, name: str) -> None:
        self._request("PATCH", f"/process/stop/{quote(name, safe='')}")

    def restart(self, name: str) -> None:
        self._request("POST", f"/process/restart/{quote(name, safe='')}")

    def logs(self, name: str, end_offset: int, limit: int) -> list[str]:
        data = self._request("GET", f"/process/logs/{quote(name, safe='')}/{end_offset}/{limit}")
        return cast(list[str], (data or {}).get("logs") or [])

    def reload_configuration(self) -> dict[str, str]:
        """POST /project/configuration: process-compose re-reads its own -f files and applies
        them; returns process name -> "added" | "updated" | "removed" | "error"."""
        return cast(dict[str, str], self._request("POST", "/project/configuration") or {})

    def update_project(self, project: dict[str, Any]) -> dict[str, Any]:
        """POST /project: what `process-compose project update` sends; returns per-process status."""
        return cast(dict[str, Any], self._request("POST", "/project", project) or {})

    def follow_logs(self, name: str, tail: int) -> Iterator[str]:
        """The last `tail` lines of NAME's log, then every new line until the server closes
        the stream: `GET /process/logs/ws?follow=true`, the WebSocket `process logs -f` uses."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self._timeout)
            try:
                sock.connect(str(self.socket_path))
            except FileNotFoundError as exc:
                raise ProcessComposeError(
                    f"process-compose is not running (no socket at {self.socket_path})"
                ) from exc
            except OSError as exc:
                raise ProcessComposeError(f"process-compose at {self.socket_path}: {exc}") from exc
            query = urlencode({"name": name, "offset": str(tail), "follow": "true"})
            reader = sock.makefile("rb")
            self._websocket_handshake(sock, reader, f"/process/logs/ws?{query}")
            sock.settimeout(None)  # following: wait for the next line as long as it takes
            for payload in _websocket_messages(sock, reader):
                yield _log_message(payload)
        except OSError as exc:
            raise ProcessComposeError(f"process-compose log stream: {exc}") from exc
        finally:
            sock.close()

    def _websocket_handshake(self, sock: socket.socket, reader: BinaryIO, target: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {target} HTTP/1.1",
            "Host: localhost",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if self._token:
            lines.append(f"{TOKEN_HEADER}: {self._token}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = reader.readline().decode("latin-1").strip()
        while reader.readline() not in (b"\r\n", b"\n", b""):
            pass  # the response headers: nothing in them is needed
        parts = status_line.split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if status == 401:
            raise ProcessComposeError(
                f"process-compose at {self.socket_path} refused the API token (401)"
            )
        if status != 101:
            raise ProcessComposeError(
                f"process-compose: GET {target}: no log stream ({status_line or 'no answer'})"
            )


_WS_CONTINUATION, _WS_TEXT, _WS_BINARY, _WS_CLOSE, _WS_PING = 0x0, 0x1, 0x2, 0x8, 0x9
_WS_PONG = 0xA


def _read_exactly(reader: BinaryIO, count: int) -> bytes:
    data = reader.read(count)
    if data is None or len(data) < count:
        raise EOFError
    return data


def _websocket_frame(reader: BinaryIO) -> tuple[bool, int, bytes]:
    """One frame: (final, opcode, payload). Frames from a server are never masked, but
    a mask is honoured anyway."""
    first, second = _read_exactly(reader, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exactly(reader, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exactly(reader, 8))
    mask = _read_exactly(reader, 4) if second & 0x80 else b""
    payload = _read_exactly(reader, length)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bool(first & 0x80), first & 0x0F, payload


def _send_websocket_frame(sock: socket.socket, opcode: int, payload: bytes) -> None:
    """A client frame: always masked (RFC 6455 5.3); only short control frames are sent."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


def _websocket_messages(sock: socket.socket, reader: BinaryIO) -> Iterator[bytes]:
    """Whole data messages until the server closes the stream (or the connection drops)."""
    pending = b""
    while True:
        try:
            final, opcode, payload = _websocket_frame(reader)
        except EOFError:
            return
        if opcode == _WS_CLOSE:
            return
        if opcode == _WS_PING:
            _send_websocket_frame(sock, _WS_PONG, payload[:125])
            continue
        if opcode not in (_WS_TEXT, _WS_BINARY, _WS_CONTINUATION):
            continue
        pending += payload
        if final:
            yield pending
            pending = b""


def _log_message(payload: bytes) -> str:
    """The text of one `{"message": ..., "process_name": ...}` message."""
    try:
        data = json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return cast(str, data["message"])
    return payload.decode(errors="replace")
