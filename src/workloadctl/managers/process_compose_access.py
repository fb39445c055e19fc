"""How to reach process-compose's API: a root-only unix socket, the token from its token
file; its own client, its TUI and curl as command lines."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from workloadctl.managers.access import AccessInputs, CommandLine, Remarks, unreadable
from workloadctl.managers.environment import process_compose_token_path, read_secret
from workloadctl.settings import Settings, process_compose_binary


@dataclass(frozen=True)
class ProcessComposeAccess:
    socket: str
    token_file: str
    token: str | None
    client: str  # `workloadctl process-compose ... process list`
    attach: str
    curl: str

    def lines(self) -> list[str]:
        return [
            "process-compose",
            f"  API socket:    {self.socket}",
            f"  token file:    {self.token_file}",
            f"  token:         {self.token or '(not readable: see below)'}",
            f"  client:        {self.client}",
            f"  TUI:           {self.attach}",
            f"  REST:          {self.curl}",
        ]

    def up_lines(self, settings: Settings, own_command: CommandLine) -> list[str]:
        if settings.disabled_marker("process-compose").exists():
            return [
                "process-compose: switched off (start it with "
                f"`{own_command('start', 'process-compose')}`)"
            ]
        return [
            f"process-compose API: unix socket {self.socket}",
            f"  token: in {process_compose_token_path(settings)}",
            f"  TUI: {own_command('attach')}",
        ]


def process_compose_access(inputs: AccessInputs, creds: Remarks) -> ProcessComposeAccess:
    settings = inputs.settings
    socket = settings.process_compose_socket
    token_file = process_compose_token_path(settings)
    token = read_secret(token_file)
    if token is None:
        creds.problems.append(unreadable(token_file, settings.control_group))
    binary = process_compose_binary() or "process-compose"
    quoted_socket, quoted_file = shlex.quote(str(socket)), shlex.quote(str(token_file))
    return ProcessComposeAccess(
        socket=str(socket),
        token_file=str(token_file),
        token=token,
        client=inputs.own_command("process-compose", "process", "list"),
        attach=f"{shlex.quote(binary)} attach -u {quoted_socket} --token-file {quoted_file}",
        curl=(
            f"curl -s --unix-socket {quoted_socket} "
            f'-H "X-PC-Token-Key: $(cat {quoted_file})" http://localhost/processes'
        ),
    )
