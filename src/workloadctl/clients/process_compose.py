"""Client for a live process-compose: its REST API over a unix socket, with the API token."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from workloadctl.errors import WorkloadctlError

TOKEN_HEADER = "X-PC-Token-Key"


class ProcessComposeError(WorkloadctlError):
    pass


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(str(self._socket_path))
        self.sock = sock


class ProcessComposeClient:
    def __init__(self, socket_path: Path, token: str | None, timeout: float = 10.0) -> None:
        self.socket_path = socket_path
        self._token = token
        self._timeout = timeout

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        connection = _UnixHTTPConnection(self.socket_path, self._timeout)
        headers = {"Accept": "application/json"}
        if self._token:
            headers[TOKEN_HEADER] = self._token
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except FileNotFoundError as exc:
            raise ProcessComposeError(
                f"process-compose is not running (no socket at {self.socket_path})"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise ProcessComposeError(f"process-compose at {self.socket_path}: {exc}") from exc
        finally:
            connection.close()
        if response.status == 401:
            raise ProcessComposeError(
                f"process-compose at {self.socket_path} refused the API token (401)"
            )
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

    def update_project(self, project: dict[str, Any]) -> dict[str, Any]:
        """POST /project: what `process-compose project update` sends; returns per-process status."""
        return cast(dict[str, Any], self._request("POST", "/project", project) or {})
