"""`workloadctl start NAME...`: start programs of either manager, or a manager itself."""

from __future__ import annotations

import argparse

from workloadctl.commands.command_support import add_action_command

HELP = "start programs (of either manager) or a manager, and wait until they run"

DESCRIPTION = """\
Start each NAME and wait for the result (its state and PID, as seen by you).

NAME is a program of supervisord or process-compose, found by name. supervisord
programs in a group are `group:name` (the bare name works when it is unique). A
name both managers have is an error that lists `supervisord:NAME` and
`process-compose:NAME`; give one of those. `supervisord` or `process-compose` as
NAME starts the manager itself through s6 (also one switched off at boot with
WORKLOADCTL_ENABLE_<MANAGER>=0), and waits until s6 wants it up, runs it and its
API answers, even when s6 was stopping it. Every NAME is looked up before anything
starts.

A program runs once supervisord calls it RUNNING (it stayed up for its startsecs), or
once a process-compose process's readiness probe says Ready (without a probe: once it
has kept one PID for 2 s). An exit before that is a failure, with its state.

A manager that keeps dying while it starts (quarantined, or its seed dying too: its
web UI's port held, say) ends the wait at once: the line says what happened, the cause
(a held port and its holder, as `doctor` names them), what to run after the fix, and
where its log is.

Exit status: 0 every NAME runs (or a one-shot exited cleanly; a manager on its project
config), 1 otherwise (also a manager on its SEED config: the line says why), 2 unknown
or ambiguous NAME.

examples:
  workloadctl start web
  workloadctl start supervisord:web process-compose:api
  workloadctl start process-compose
  workloadctl start --state-dir .state worker --json
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_action_command(subparsers, "start", HELP, DESCRIPTION)
