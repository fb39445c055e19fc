"""How to reach a running stack: the lines `up` prints. The same facts as `creds`, read
from the configs the managers really run, but never the secrets themselves (the log of
`make up` may be shared); `workloadctl creds` shows those on request."""

from __future__ import annotations

from functools import partial

from workloadctl.control.context import ControlContext
from workloadctl.control.creds import collect_creds
from workloadctl.runtime.local_stack import LocalLayout
from workloadctl.runtime.own_command import own_command


def describe_access(layout: LocalLayout) -> list[str]:
    context = ControlContext.load(layout.top)
    creds = collect_creds(context)
    top = layout.top
    lines = [""]
    for access in creds.access.values():
        lines += access.up_lines(context.settings, partial(own_command, top=top))
    lines += [f"status: {own_command('status', top=top)}", f"log: {layout.log_file}"]
    return lines
