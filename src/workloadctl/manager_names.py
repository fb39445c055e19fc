"""The managers' names and what each config calls one program: the bottom layer, so a
command that only names a manager (`status`) imports nothing else for it."""

from __future__ import annotations

from typing import Literal

Manager = Literal["supervisord", "process-compose"]
# What its config calls one program (supervisord `[program:x]`, process-compose
# `processes:`): for the loaders' and rules' messages.
PROGRAM_NOUN: dict[Manager, str] = {"supervisord": "program", "process-compose": "process"}
