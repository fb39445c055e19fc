"""How to reach a running stack: the lines `up` prints (and `creds` later shows)."""

from __future__ import annotations

from workloadctl import settings as S
from workloadctl.runtime.local_stack import LocalLayout, StackRecord


def describe_access(layout: LocalLayout, record: StackRecord) -> list[str]:
    settings = S.Settings.from_env(record.env)
    secrets = settings.secrets_dir
    return [
        "",
        "supervisord web UI: http://127.0.0.1:9001",
        f"  user: {record.env.get('UNAME', '?')}  password: sudo cat {secrets / 'supervisord-password'}",
        f"  XML-RPC socket: {settings.supervisord_socket}",
        f"process-compose API: unix socket {settings.process_compose_socket}",
        f"  token: sudo cat {secrets / 'process-compose-token'}",
        "  TUI: process-compose attach -u "
        f"{settings.process_compose_socket} --token-file {secrets / 'process-compose-token'}",
        f"log: {layout.log_file}",
    ]
