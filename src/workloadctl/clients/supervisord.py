"""Client for a live supervisord: Supervisor's own XML-RPC transport over its unix socket."""

from __future__ import annotations

import http.client
import socket
import xmlrpc.client
from pathlib import Path
from typing import Any, cast

from supervisor.xmlrpc import SupervisorTransport

from workloadctl.errors import WorkloadctlError


class SupervisordError(WorkloadctlError):
    pass


class SupervisordClient:
    """One method per XML-RPC call workloadctl makes; every failure is a `SupervisordError`."""

    def __init__(
        self,
        socket_path: Path,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.socket_path = socket_path
        transport = SupervisorTransport(username, password, f"unix://{socket_path}")
        # SupervisorTransport has no timeout of its own; its connection is made lazily.
        self._timeout = timeout
        self._proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def _call(self, method: str, *args: Any) -> Any:
        target: Any = self._proxy
        for part in method.split("."):
            target = getattr(target, part)
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(self._timeout)
        try:
            return target(*args)
        except xmlrpc.client.Fault as fault:
            raise SupervisordError(f"supervisord: {method}: {fault.faultString}") from fault
        except xmlrpc.client.ProtocolError as exc:
            if exc.errcode == 401:
                raise SupervisordError(
                    f"supervisord at {self.socket_path} refused the credentials (401)"
                ) from exc
            raise SupervisordError(
                f"supervisord: {method}: HTTP {exc.errcode} {exc.errmsg}"
            ) from exc
        except FileNotFoundError as exc:
            raise SupervisordError(
                f"supervisord is not running (no socket at {self.socket_path})"
            ) from exc
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise SupervisordError(f"supervisord at {self.socket_path}: {exc}") from exc
        finally:
            socket.setdefaulttimeout(previous)

    def state(self) -> str:
        return cast(str, self._call("supervisor.getState")["statename"])

    def pid(self) -> int:
        return cast(int, self._call("supervisor.getPID"))

    def processes(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self._call("supervisor.getAllProcessInfo"))

    def process(self, name: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("supervisor.getProcessInfo", name))

    def start(self, name: str) -> None:
        self._call("supervisor.startProcess", name, True)

    def stop(self, name: str) -> None:
        self._call("supervisor.stopProcess", name, True)

    def reload_config(self) -> tuple[list[str], list[str], list[str]]:
        """Re-read the config file: (added, changed, removed) groups. Nothing is applied yet."""
        result = self._call("supervisor.reloadConfig")
        added, changed, removed = result[0]
        return list(added), list(changed), list(removed)

    def add_group(self, name: str) -> None:
        self._call("supervisor.addProcessGroup", name)

    def remove_group(self, name: str) -> None:
        self._call("supervisor.removeProcessGroup", name)

    def stop_group(self, name: str) -> None:
        self._call("supervisor.stopProcessGroup", name, True)

    def tail(self, name: str, channel: str, offset: int, length: int) -> tuple[str, int, bool]:
        method = (
            "supervisor.tailProcessStdoutLog"
            if channel == "stdout"
            else "supervisor.tailProcessStderrLog"
        )
        text, new_offset, overflow = self._call(method, name, offset, length)
        return cast(str, text), cast(int, new_offset), cast(bool, overflow)
