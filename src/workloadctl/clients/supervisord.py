"""Client for a live supervisord: Supervisor's own XML-RPC transport over its unix socket."""

from __future__ import annotations

import http.client
import xmlrpc.client
from pathlib import Path
from typing import Any, cast
from xml.parsers.expat import ExpatError

from workloadctl.access import denied_message
from workloadctl.errors import WorkloadctlError
from workloadctl.settings import DEFAULT_CONTROL_GROUP


class SupervisordError(WorkloadctlError):
    """`fault_code` is Supervisor's fault number (`supervisor.xmlrpc.Faults`) when the server
    answered with a fault, None for transport failures."""

    def __init__(self, message: str, fault_code: int | None = None) -> None:
        super().__init__(message)
        self.fault_code = fault_code


# Supervisor's fault numbers (supervisor.xmlrpc.Faults) that callers tell apart.
FAULT_BAD_NAME = 10
FAULT_FAILED = 30  # one process of stopProcessGroup's results did not stop
FAULT_NO_FILE = 20
FAULT_ABNORMAL_TERMINATION = 40  # startProcess(wait=True): exited before startsecs
FAULT_SPAWN_ERROR = 50
FAULT_ALREADY_STARTED = 60
FAULT_NOT_RUNNING = 70


def _one_line(exc: BaseException) -> str:
    """The exception's text on one line (http.client's BadStatusLine is the raw line read)."""
    return " ".join(str(exc).split()) or type(exc).__name__


class SupervisordClient:
    """One method per XML-RPC call workloadctl makes; every failure is a `SupervisordError`."""

    def __init__(
        self,
        socket_path: Path,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        access_group: str = DEFAULT_CONTROL_GROUP,
    ) -> None:
        self.socket_path = socket_path
        self._access_group = access_group  # named when the socket refuses us
        self._username = username
        self._password = password
        self._timeout = timeout

    def _call(self, method: str, *args: Any) -> Any:
        # A fresh connection per call: a call that failed half way (a timeout) leaves the
        # connection unusable, and supervisord may have restarted between two calls.
        # Deferred: importing Supervisor's transport costs ~30-35 ms, paid only by a call.
        from workloadctl.clients.supervisor_transport import TimedSupervisorTransport

        transport = TimedSupervisorTransport(
            self._username, self._password, self.socket_path, self._timeout
        )
        try:
            target: Any = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
            for part in method.split("."):
                target = getattr(target, part)
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
        except (ExpatError, xmlrpc.client.ResponseError, ValueError, TypeError) as exc:
            # The answer was HTTP but not XML-RPC (xmlrpc.client's unmarshaller raises
            # ValueError or TypeError for a malformed <int> or <boolean>).
            raise SupervisordError(
                f"supervisord: {method}: not an XML-RPC answer: {_one_line(exc)}"
            ) from exc
        except FileNotFoundError as exc:
            raise SupervisordError(
                f"supervisord is not running (no socket at {self.socket_path})"
            ) from exc
        except PermissionError as exc:
            raise SupervisordError(
                denied_message(self.socket_path, self._access_group, "reach supervisord")
            ) from exc
        except TimeoutError as exc:
            raise SupervisordError(
                f"supervisord at {self.socket_path} did not answer {method} "
                f"within {self._timeout:g} s"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise SupervisordError(f"supervisord at {self.socket_path}: {_one_line(exc)}") from exc
        finally:
            transport.close()

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

    def log_exists(self, name: str, channel: str) -> bool:
        """Whether the program's `channel` log file exists where supervisord runs.
        `tailProcess*Log` answers a missing file with nothing at all; `readProcess*Log`
        with the fault NO_FILE, which is how we tell."""
        method = (
            "supervisor.readProcessStdoutLog"
            if channel == "stdout"
            else "supervisor.readProcessStderrLog"
        )
        try:
            self._call(method, name, 0, 1)
        except SupervisordError as exc:
            if exc.fault_code == FAULT_NO_FILE:
                return False
            raise
        return True

    def tail(self, name: str, channel: str, offset: int, length: int) -> tuple[str, int, bool]:
        method = (
            "supervisor.tailProcessStdoutLog"
            if channel == "stdout"
            else "supervisor.tailProcessStderrLog"
        )
        text, new_offset, overflow = self._call(method, name, offset, length)
        return cast(str, text), cast(int, new_offset), cast(bool, overflow)
