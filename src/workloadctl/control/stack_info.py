"""How to reach a running stack: the lines `up` prints. The same facts as `creds`, read
from the configs the managers really run, but never the secrets themselves (the log of
`make up` may be shared); `workloadctl creds` shows those on request."""

from __future__ import annotations

from workloadctl.control.context import ControlContext
from workloadctl.control.creds import collect_creds
from workloadctl.managers.environment import process_compose_token_path, supervisord_password_path
from workloadctl.runtime.local_stack import LocalLayout
from workloadctl.runtime.own_command import own_command


def describe_access(layout: LocalLayout) -> list[str]:
    context = ControlContext.load(layout.top)
    creds = collect_creds(context)
    sv, pc = creds.supervisord, creds.process_compose
    top = layout.top
    lines = [""]
    if sv.web_ui is None:
        lines.append("supervisord web UI: off (no [inet_http_server] in its config)")
    else:
        lines += [
            f"supervisord web UI: {sv.web_ui.url}",
            f"  user: {sv.web_ui.username}  password: in "
            f"{supervisord_password_path(context.settings)} (or `{own_command('creds', top=top)}`)",
        ]
    lines.append(f"  XML-RPC socket: {sv.socket}")
    marker = context.settings.disabled_marker("process-compose")
    if marker.exists():
        lines.append(
            "process-compose: switched off (start it with "
            f"`{own_command('start', 'process-compose', top=top)}`)"
        )
    else:
        lines += [
            f"process-compose API: unix socket {pc.socket}",
            f"  token: in {process_compose_token_path(context.settings)}",
            f"  TUI: {own_command('attach', top=top)}",
        ]
    lines += [f"status: {own_command('status', top=top)}", f"log: {layout.log_file}"]
    return lines
