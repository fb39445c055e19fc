"""Supervisor's own XML-RPC transport over supervisord's unix socket, with a timeout.

Its own module so that only a call to supervisord pays for importing `supervisor.xmlrpc`
(which imports supervisord's HTTP server and `importlib.metadata`: ~30-35 ms):
`clients/supervisord.py` imports this where it makes a call, not at its top.
"""

from __future__ import annotations

import socket
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport, UnixStreamHTTPConnection


class _TimedUnixConnection(UnixStreamHTTPConnection):  # type: ignore[misc]
    """Supervisor's unix socket connection, with the HTTPConnection's timeout applied to
    the socket (`UnixStreamHTTPConnection.connect` leaves it blocking forever)."""

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socketfile)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class TimedSupervisorTransport(SupervisorTransport):  # type: ignore[misc]
    """`SupervisorTransport` for a unix socket whose connections time out after `timeout`
    seconds (connecting, sending, or waiting for the answer). Supervisor's own request,
    basic auth and response parsing; only the connection it makes is ours."""

    def __init__(
        self, username: str | None, password: str | None, socket_path: Path, timeout: float
    ) -> None:
        super().__init__(username, password, f"unix://{socket_path}")
        self._socket_file = str(socket_path)
        self._timeout = timeout
        # SupervisorTransport.request makes its connection with this factory.
        self._get_connection = self._timed_connection

    def _timed_connection(self) -> _TimedUnixConnection:
        # "localhost": the host name only goes into the Host header.
        connection = _TimedUnixConnection("localhost", timeout=self._timeout)
        connection.socketfile = self._socket_file
        return connection
