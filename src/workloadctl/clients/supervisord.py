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
    """`fault_code` is Supervisor's fault number (`supervisor.xmlrpc.Faults`) when the server
    answered with a fault, None for transport failures."""

    def __init__(self, message: str, fault_code: int | None = None) -> None:
        super().__init__(message)
        self.fault_code = fault_code


# Supervisor's fault numbers (supervisor.xmlrpc.Faults) that callers tell apart.
FAULT_BAD_NAME = 10
FAULT_NO_FILE = 20
FAULT_SPAWN_ERROR = 50
FAULT_ALREADY_STARTED = 60
FAULT_NOT_RUNNING = 70


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
            raise SupervisordError(
                f"supervisord: {method}: {fault.faultString}", fault.faultCode
            ) from fault
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

    def config_info(self) -> list[dict[str, Any]]:
        """`getAllConfigInfo`: every process's config (autostart, exitcodes, log files...)."""
        return cast(list[dict[str, Any]], self._call("supervisor.getAllConfigInfo"))

    def processes_and_config(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
        """`getAllProcessInfo` and `getAllConfigInfo` in one round trip (`system.multicall`).

        The config part is None when the server could not give it (the states still count).
        """
        calls = [
            {"methodName": "supervisor.getAllProcessInfo", "params": []},
            {"methodName": "supervisor.getAllConfigInfo", "params": []},
        ]
        answers = self._call("system.multicall", calls)
        processes, config = answers[0], answers[1]
        if isinstance(processes, dict):  # a fault struct: {"faultCode", "faultString"}
            raise SupervisordError(
                f"supervisord: getAllProcessInfo: {processes.get('faultString')}",
                processes.get("faultCode"),
            )
        infos = cast(list[dict[str, Any]], processes[0])
        configs = None if isinstance(config, dict) else cast(list[dict[str, Any]], config[0])
        return infos, configs

    def start(self, name: str, *, wait: bool = True) -> None:
        self._call("supervisor.startProcess", name, wait)

    def stop(self, name: str, *, wait: bool = True) -> None:
        self._call("supervisor.stopProcess", name, wait)

    def reload_config(self) -> tuple[list[str], list[str], list[str]]:
        """Re-read the config file: (added, changed, removed) groups. Nothing is applied yet."""
        result = self._call("supervisor.reloadConfig")
        added, changed, removed = result[0]
        return list(added), list(changed), list(removed)

    def add_group(self, name: str) -> None:
        self._call("supervisor.addProcessGroup", name)

    def remove_group(self, name: str) -> None:
        self._call("supervisor.removeProcessGroup", name)

    def stop_group(self, name: str) -> list[dict[str, Any]]:
        """Stop every process of the group and wait; one result per process
        (`status` is `supervisor.xmlrpc.Faults.SUCCESS` or a fault code)."""
        return cast(list[dict[str, Any]], self._call("supervisor.stopProcessGroup", name, True))

    def tail(self, name: str, channel: str, offset: int, length: int) -> tuple[str, int, bool]:
        method = (
            "supervisor.tailProcessStdoutLog"
            if channel == "stdout"
            else "supervisor.tailProcessStderrLog"
        )
        text, new_offset, overflow = self._call(method, name, offset, length)
        return cast(str, text), cast(int, new_offset), cast(bool, overflow)
