"""Client for a live supervisord: XML-RPC over its unix socket (see `wire` for why not
xmlrpc.client)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from workloadctl.clients import wire
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
        self._timeout = timeout
        self._headers = {"Content-Type": "text/xml", "Accept": "text/xml"}
        if username is not None and password is not None:
            self._headers["Authorization"] = wire.basic_auth(username, password)

    def _call(self, method: str, *args: Any) -> Any:
        try:
            response = wire.request(
                self.socket_path,
                "POST",
                "/RPC2",
                headers=self._headers,
                body=wire.encode_call(method, args),
                timeout=self._timeout,
            )
            if response.status == 401:
                raise SupervisordError(
                    f"supervisord at {self.socket_path} refused the credentials (401)"
                )
            if response.status != 200:
                raise SupervisordError(
                    f"supervisord: {method}: HTTP {response.status} {response.reason}"
                )
            return wire.decode_response(response.body)
        except wire.XmlRpcFault as fault:
            raise SupervisordError(f"supervisord: {method}: {fault.message}", fault.code) from fault
        except wire.WireError as exc:
            raise SupervisordError(f"supervisord: {method}: {exc}") from exc
        except FileNotFoundError as exc:
            raise SupervisordError(
                f"supervisord is not running (no socket at {self.socket_path})"
            ) from exc
        except TimeoutError as exc:
            raise SupervisordError(
                f"supervisord at {self.socket_path} did not answer {method} "
                f"within {self._timeout:g} s"
            ) from exc
        except OSError as exc:
            raise SupervisordError(f"supervisord at {self.socket_path}: {exc}") from exc

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
        # Supervisor's multicall answers each call with its bare value, or a fault struct
        # ({"faultCode", "faultString"}) in its place.
        processes, config = self._call("system.multicall", calls)
        if isinstance(processes, dict):
            raise SupervisordError(
                f"supervisord: getAllProcessInfo: {processes.get('faultString')}",
                processes.get("faultCode"),
            )
        configs = cast(list[dict[str, Any]], config) if isinstance(config, list) else None
        return cast(list[dict[str, Any]], processes), configs

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
