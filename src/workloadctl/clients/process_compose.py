"""Client for a live process-compose: its REST API over a unix socket, with the API token."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlencode

from workloadctl.access import denied_message
from workloadctl.errors import WorkloadctlError
from workloadctl.settings import DEFAULT_CONTROL_GROUP

TOKEN_HEADER = "X-PC-Token-Key"


class ProcessComposeError(WorkloadctlError):
    pass


class _UnixHTTPConnection(http.client.HTTPConnection):
    """http.client's connection to a unix socket instead of a TCP port."""

    def __init__(self, socket_path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(str(self._socket_path))
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class ProcessComposeClient:
    def __init__(
        self,
        socket_path: Path,
        token: str | None,
        timeout: float = 10.0,
        access_group: str = DEFAULT_CONTROL_GROUP,
    ) -> None:
        self.socket_path = socket_path
        self._token = token
        self._timeout = timeout
        self._access_group = access_group  # named when the socket refuses us

    def _unreachable(self, exc: OSError | http.client.HTTPException) -> ProcessComposeError:
        """Why its socket did not take the request, in one line."""
        if isinstance(exc, FileNotFoundError):
            why = f"process-compose is not running (no socket at {self.socket_path})"
        elif isinstance(exc, PermissionError):
            why = denied_message(self.socket_path, self._access_group, "reach process-compose")
        else:
            why = f"process-compose at {self.socket_path}: {exc}"
        return ProcessComposeError(why)

    def _token_refused(self) -> ProcessComposeError:
        return ProcessComposeError(
            f"process-compose at {self.socket_path} refused the API token (401)"
        )

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        if self._token:
            headers[TOKEN_HEADER] = self._token
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = _UnixHTTPConnection(self.socket_path, self._timeout)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except TimeoutError as exc:
            raise ProcessComposeError(
                f"process-compose at {self.socket_path} did not answer {method} {path} "
                f"within {self._timeout:g} s"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise self._unreachable(exc) from exc
        finally:
            connection.close()
        if response.status == 401:
            raise self._token_refused()
        data: Any = None
        if raw:
            try:
                data = json.loads(raw)
            except ValueError:
                data = raw.decode(errors="replace")
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

    def follow_logs(self, name: str, tail: int) -> Iterator[str]:
        """The last `tail` lines of NAME's log, then every new line until the server closes
        the stream: `GET /process/logs/ws?follow=true`, the WebSocket `process logs -f` uses."""
        # Imported here: only `logs -f` needs it, and every other command starts faster.
        import websocket

        target = "/process/logs/ws?" + urlencode(
            {"name": name, "offset": str(tail), "follow": "true"}
        )
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self._timeout)
            try:
                sock.connect(str(self.socket_path))
            except OSError as exc:
                raise self._unreachable(exc) from exc
            headers = [f"{TOKEN_HEADER}: {self._token}"] if self._token else []
            try:
                # The library speaks HTTP and WebSocket over the socket it is given; the
                # host in the URL only goes into the Host header.
                ws = websocket.create_connection(
                    f"ws://localhost{target}",
                    timeout=self._timeout,
                    socket=sock,
                    header=headers,
                    suppress_origin=True,
                )
            except websocket.WebSocketBadStatusException as exc:
                if exc.status_code == 401:
                    raise self._token_refused() from exc
                raise ProcessComposeError(
                    f"process-compose: GET {target}: no log stream "
                    f"(HTTP {exc.status_code} {exc.status_message})"
                ) from exc
            except websocket.WebSocketTimeoutException as exc:
                raise ProcessComposeError(f"process-compose log stream: {exc}") from exc
            except websocket.WebSocketException as exc:
                raise ProcessComposeError(
                    f"process-compose: GET {target}: no log stream ({str(exc) or 'no answer'})"
                ) from exc
            try:
                ws.settimeout(None)  # following: wait for the next line as long as it takes
                while True:
                    try:
                        opcode, payload = ws.recv_data()  # answers pings itself
                    except (websocket.WebSocketConnectionClosedException, BrokenPipeError):
                        return  # the server is gone (BrokenPipe: while answering its close)
                    if opcode == websocket.ABNF.OPCODE_CLOSE:
                        return
                    if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                        yield _log_message(payload)
            except websocket.WebSocketException as exc:
                raise ProcessComposeError(f"process-compose log stream: {exc}") from exc
        except OSError as exc:
            raise ProcessComposeError(f"process-compose log stream: {exc}") from exc
        finally:
            sock.close()  # the WebSocket's own socket: no close handshake, as a reader


def _log_message(payload: bytes) -> str:
    """The text of one `{"message": ..., "process_name": ...}` message."""
    try:
        data = json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return cast(str, data["message"])
    return payload.decode(errors="replace")
