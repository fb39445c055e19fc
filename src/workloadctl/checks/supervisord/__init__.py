"""supervisord configs: Supervisor's own verdict (`verdict`) plus the checks it does not make.

`loader.load_supervisord` is the one entry point; the other modules each do one job:
`ini` reads sections and keys with their lines, `tables` knows Supervisor's sections and
keys, `expand`/`refs` check `%(name)s` expansions, `verdict`/`translate` run Supervisor's
parser and turn its messages into findings, `structure`, `include`, `servers` and
`programs` make our own checks, `context` holds what they share.
"""

from workloadctl.checks.supervisord.loader import (
    SupervisordResult,
    SupervisordServer,
    load_supervisord,
)

__all__ = ["SupervisordResult", "SupervisordServer", "load_supervisord"]
