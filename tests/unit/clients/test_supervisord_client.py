"""SupervisordClient (Supervisor's own XML-RPC transport) against a small XML-RPC server on a
real unix socket: what goes over the wire, what comes back, and how failures read."""

from __future__ import annotations

import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from unix_server_support import (
    Answer,
    Handler,
    Reply,
    Request,
    UnixHTTPServer,
    silent_listener,
    unix_http_server,
)

from workloadctl.clients.supervisord import (
    FAULT_ALREADY_STARTED,
    FAULT_BAD_NAME,
    FAULT_NO_FILE,
    SupervisordClient,
    SupervisordError,
)

Methods = dict[str, Callable[..., Any]]


def _xml_answer(body: str | bytes) -> Answer:
    raw = body.encode() if isinstance(body, str) else body
    return Answer(200, raw, (("Content-Type", "text/xml"),))


def _response(value: Any) -> bytes:
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True).encode()


def _call_value(methods: Methods, method: str, params: tuple[Any, ...]) -> Any:
    if method == "system.multicall":  # as Supervisor's: bare values, fault structs
        results: list[Any] = []
        for call in params[0]:
            try:
                results.append(methods[call["methodName"]](*call["params"]))
            except xmlrpc.client.Fault as fault:
                results.append({"faultCode": fault.faultCode, "faultString": fault.faultString})
        return results
    return methods[method](*params)


def fake_supervisord(methods: Methods) -> Callable[[Request, Handler], Reply]:
    """Answers XML-RPC calls with `methods` (a method raises xmlrpc.client.Fault to fault)."""

    def respond(request: Request, _handler: Handler) -> Reply:
        params, method = xmlrpc.client.loads(request.body, use_builtin_types=True)
        try:
            value = _call_value(methods, method or "", params)
        except xmlrpc.client.Fault as fault:
            return _xml_answer(xmlrpc.client.dumps(fault, methodresponse=True))
        return _xml_answer(_response(value))

    return respond


def _calls(server: UnixHTTPServer) -> list[tuple[str | None, tuple[Any, ...]]]:
    out = []
    for request in server.requests:
        params, method = xmlrpc.client.loads(request.body, use_builtin_types=True)
        out.append((method, params))
    return out


@contextmanager
def serving(
    tmp_path: Path, respond: Callable[[Request, Handler], Reply]
) -> Iterator[tuple[UnixHTTPServer, SupervisordClient]]:
    with unix_http_server(tmp_path / "supervisor.sock", respond) as server:
        yield server, SupervisordClient(server.path, "user", "pa:ss", timeout=5)


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
    ],
)
def test_values_arrive_as_the_server_sent_them(tmp_path: Path, value: Any) -> None:
    with serving(tmp_path, fake_supervisord({"supervisor.getProcessInfo": lambda _n: value})) as (
        _server,
        client,
    ):
        assert client.process("web") == value


def test_untyped_value_is_a_string(tmp_path: Path) -> None:
    body = b"<methodResponse><params><param><value>  raw text </value></param></params></methodResponse>"
    with serving(tmp_path, lambda _r, _h: _xml_answer(body)) as (_server, client):
        assert client.process("web") == "  raw text "


def test_fault_becomes_an_error_with_code_and_message(tmp_path: Path) -> None:
    def start(name: str, _wait: bool) -> None:
        raise xmlrpc.client.Fault(FAULT_ALREADY_STARTED, f"ALREADY_STARTED: {name}")

    with (
        serving(tmp_path, fake_supervisord({"supervisor.startProcess": start})) as (_s, client),
        pytest.raises(SupervisordError) as caught,
    ):
        client.start("web")
    assert caught.value.fault_code == FAULT_ALREADY_STARTED
    assert str(caught.value) == "supervisord: supervisor.startProcess: ALREADY_STARTED: web"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
        b"<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
        b"<methodResponse><params><param><value><blob>1</blob></value></param></params></methodResponse>",
    ],
)
def test_malformed_answers_are_one_line_errors(tmp_path: Path, body: bytes) -> None:
    with (
        serving(tmp_path, lambda _r, _h: _xml_answer(body)) as (_server, client),
        pytest.raises(SupervisordError) as caught,
    ):
        client.state()
    assert caught.value.fault_code is None
    assert str(caught.value).startswith("supervisord: supervisor.getState: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda c: c.start("web"), ("supervisor.startProcess", ("web", True))),
        (lambda c: c.stop("web", wait=False), ("supervisor.stopProcess", ("web", False))),
        (lambda c: c.stop_group("grp"), ("supervisor.stopProcessGroup", ("grp", True))),
        (lambda c: c.process("<&> \u00e9"), ("supervisor.getProcessInfo", ("<&> \u00e9",))),
        (
            lambda c: c.tail("web", "stderr", 0, 4096),
            ("supervisor.tailProcessStderrLog", ("web", 0, 4096)),
        ),
        (
            lambda c: c.tail("web", "stdout", 10, 20),
            ("supervisor.tailProcessStdoutLog", ("web", 10, 20)),
        ),
    ],
)
def test_calls_reach_the_server_as_made(
    tmp_path: Path, call: Callable[[SupervisordClient], Any], expected: tuple[str, Any]
) -> None:
    methods: Methods = {
        "supervisor.startProcess": lambda _n, _w: True,
        "supervisor.stopProcess": lambda _n, _w: True,
        "supervisor.stopProcessGroup": lambda _n, _w: [],
        "supervisor.getProcessInfo": lambda _n: {},
        "supervisor.tailProcessStderrLog": lambda _n, _o, _l: ["", 0, False],
        "supervisor.tailProcessStdoutLog": lambda _n, _o, _l: ["", 0, False],
        "supervisor.getAllProcessInfo": lambda: [],
        "supervisor.getAllConfigInfo": lambda: [],
    }
    with serving(tmp_path, fake_supervisord(methods)) as (server, client):
        call(client)
    assert _calls(server) == [expected]


def test_round_trip_with_credentials(tmp_path: Path) -> None:
    methods: Methods = {"supervisor.getState": lambda: {"statename": "RUNNING", "statecode": 1}}
    with serving(tmp_path, fake_supervisord(methods)) as (server, client):
        assert client.state() == "RUNNING"
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/RPC2")
    assert request.headers["authorization"] == "Basic dXNlcjpwYTpzcw=="  # user:pa:ss
    assert request.headers["content-type"] == "text/xml"
    assert b"<methodName>supervisor.getState</methodName>" in request.body


def test_no_credentials_no_authorization_header(tmp_path: Path) -> None:
    respond = fake_supervisord({"supervisor.getPID": lambda: 42})
    with unix_http_server(tmp_path / "s.sock", respond) as server:
        assert SupervisordClient(server.path, timeout=5).pid() == 42
    assert "authorization" not in server.requests[0].headers


def test_results_of_the_other_calls(tmp_path: Path) -> None:
    methods: Methods = {
        "supervisor.reloadConfig": lambda: [[["added"], ["changed"], ["gone"]]],
        "supervisor.tailProcessStdoutLog": lambda _n, _o, _l: ["text", 44, True],
        "supervisor.stopProcessGroup": lambda _n, _w: [{"name": "a", "status": 80}],
        "supervisor.getAllProcessInfo": lambda: [{"name": "a", "statename": "RUNNING"}],
        "supervisor.getAllConfigInfo": lambda: [{"name": "a", "autostart": True}],
        "supervisor.addProcessGroup": lambda _n: True,
        "supervisor.removeProcessGroup": lambda _n: True,
    }
    with serving(tmp_path, fake_supervisord(methods)) as (_server, client):
        assert client.reload_config() == (["added"], ["changed"], ["gone"])
        assert client.tail("a", "stdout", 0, 100) == ("text", 44, True)
        assert client.stop_group("g") == [{"name": "a", "status": 80}]
        assert client.processes() == [{"name": "a", "statename": "RUNNING"}]
        assert client.config_info() == [{"name": "a", "autostart": True}]
        client.add_group("g")
        client.remove_group("g")


def test_chunked_answer(tmp_path: Path) -> None:
    body = _response({"statename": "RUNNING"})
    half = len(body) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:half], body[half:]))
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    with serving(tmp_path, lambda _r, _h: raw) as (_server, client):
        assert client.state() == "RUNNING"


def test_answer_is_cut_at_its_content_length(tmp_path: Path) -> None:
    body = _response({"statename": "RUNNING"})
    raw = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%sEXTRA" % (len(body), body)
    with serving(tmp_path, lambda _r, _h: raw) as (_server, client):
        assert client.state() == "RUNNING"


@pytest.mark.parametrize(
    "raw", [None, b"HTTP/1.1 200 OK\r\n", b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 abc\r\n\r\n"]
)
def test_answers_that_are_not_http(tmp_path: Path, raw: bytes | None) -> None:
    with (
        serving(tmp_path, lambda _r, _h: raw) as (_server, client),
        pytest.raises(SupervisordError) as caught,
    ):
        client.state()
    assert caught.value.fault_code is None
    assert "\n" not in str(caught.value)


def test_refused_credentials(tmp_path: Path) -> None:
    with (
        serving(tmp_path, lambda _r, _h: Answer(401, b"Unauthorized")) as (server, client),
        pytest.raises(SupervisordError) as caught,
    ):
        client.state()
    assert str(caught.value) == f"supervisord at {server.path} refused the credentials (401)"


def test_other_http_status(tmp_path: Path) -> None:
    with (
        serving(tmp_path, lambda _r, _h: Answer(500, b"oops")) as (_server, client),
        pytest.raises(SupervisordError) as caught,
    ):
        client.state()
    assert str(caught.value) == "supervisord: supervisor.getState: HTTP 500 Internal Server Error"


def test_missing_socket(tmp_path: Path) -> None:
    path = tmp_path / "none.sock"
    with pytest.raises(SupervisordError) as caught:
        SupervisordClient(path, timeout=1).state()
    assert str(caught.value) == f"supervisord is not running (no socket at {path})"
    assert caught.value.fault_code is None


def test_refused_connection(tmp_path: Path) -> None:
    path = tmp_path / "stale.sock"
    with silent_listener(path):
        pass  # bound then closed: the file stays, nobody listens
    with pytest.raises(SupervisordError) as caught:
        SupervisordClient(path, timeout=1).state()
    assert str(caught.value).startswith(f"supervisord at {path}: ")


def test_timeout(tmp_path: Path) -> None:
    with silent_listener(tmp_path / "silent.sock") as path:
        started = time.monotonic()
        with pytest.raises(SupervisordError) as caught:
            SupervisordClient(path, timeout=0.2).state()
        elapsed = time.monotonic() - started
    assert str(caught.value) == (
        f"supervisord at {path} did not answer supervisor.getState within 0.2 s"
    )
    assert elapsed < 5


def test_log_exists_asks_read_for_the_no_file_fault(tmp_path: Path) -> None:
    """tailProcess*Log answers a missing file with ['', 0, False]; readProcess*Log faults."""

    def read(name: str, _offset: int, _length: int) -> str:
        if name == "gone":
            raise xmlrpc.client.Fault(FAULT_NO_FILE, "NO_FILE: /l/gone.log")
        if name == "nosuch":
            raise xmlrpc.client.Fault(FAULT_BAD_NAME, "BAD_NAME: nosuch")
        return ""

    methods: Methods = {
        "supervisor.readProcessStdoutLog": read,
        "supervisor.readProcessStderrLog": lambda _n, _o, _l: "x",
    }
    with serving(tmp_path, fake_supervisord(methods)) as (server, client):
        assert client.log_exists("web", "stdout")
        assert not client.log_exists("gone", "stdout")
        assert client.log_exists("gone", "stderr")
        with pytest.raises(SupervisordError, match="BAD_NAME"):
            client.log_exists("nosuch", "stdout")
    assert _calls(server)[0] == ("supervisor.readProcessStdoutLog", ("web", 0, 1))


def test_calls_go_through_supervisors_own_transport(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project's rule: Supervisor's own XML-RPC transport, not a hand-written one."""
    from supervisor.xmlrpc import SupervisorTransport

    used: list[str] = []
    own_request = SupervisorTransport.request

    def spy(transport: Any, host: str, handler: str, body: bytes, verbose: int = 0) -> Any:
        used.append(handler)
        return own_request(transport, host, handler, body, verbose)

    monkeypatch.setattr(SupervisorTransport, "request", spy)
    methods: Methods = {"supervisor.getPID": lambda: 42}
    with serving(tmp_path, fake_supervisord(methods)) as (_server, client):
        assert client.pid() == 42
    assert used == ["/RPC2"]


def test_supervisor_xmlrpc_is_imported_only_for_a_call() -> None:
    """`validate` and `launch` import the clients package but never call supervisord."""
    code = "import sys, workloadctl.clients.supervisord;print('supervisor.xmlrpc' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
