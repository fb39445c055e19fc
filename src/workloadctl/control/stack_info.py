"""How to reach a running stack: the lines `up` prints. The same facts as `creds`, read
from the configs the managers really run, but never the secrets themselves (the log of
`make up` may be shared); `workloadctl creds` shows those on request."""

from __future__ import annotations

from workloadctl.control.context import ControlContext
from workloadctl.control.creds import collect_creds
from workloadctl.managers.environment import process_compose_token_path, supervisord_password_path
from workloadctl.runtime.local_stack import LocalLayout


def describe_access(layout: LocalLayout) -> list[str]:
    context = ControlContext.load(layout.top)
    creds = collect_creds(context)
    sv, pc = creds.supervisord, creds.process_compose
    state = f"--state-dir {layout.top}"
    lines = [""]
    if sv.web_ui is None:
        lines.append("supervisord web UI: off (no [inet_http_server] in its config)")
    else:
        lines += [
            f"supervisord web UI: {sv.web_ui.url}",
            f"  user: {sv.web_ui.username}  password: in "
            f"{supervisord_password_path(context.settings)} (or `workloadctl creds {state}`)",
        ]
    lines.append(f"  XML-RPC socket: {sv.socket}")
    marker = context.settings.disabled_marker("process-compose")
    if marker.exists():
        lines.append(
            f"process-compose: switched off (start it with `workloadctl start process-compose "
            f"{state}`)"
        )
    else:
        lines += [
            f"process-compose API: unix socket {pc.socket}",
            f"  token: in {process_compose_token_path(context.settings)}",
            f"  TUI: workloadctl attach {state}",
        ]
    lines += [f"status: workloadctl status {state}", f"log: {layout.log_file}"]
    return lines
