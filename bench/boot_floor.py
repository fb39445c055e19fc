"""The floor of our work before a manager's exec, in Python: what the design makes
irreducible. `launch supervisord` must have Supervisor's own parser accept the config
before it execs supervisord, so a Python start, `import supervisor.options` and
`ServerOptions.realize` on the same project.conf come before supervisord's own start.
`launch process-compose` must read project.yaml with line marks: a Python start,
`import yaml` and libyaml composing the same file. bench.py times this beside boot to
ready and process-compose's restart share.

`--stdlib MODULES` (comma-separated) first imports those standard-library modules: the
floor of a program of ours, which needs some of them whatever it does (a command line,
JSON records, a hash of the config) and is written with others (pathlib, dataclasses and
typing in every module). bench.py names the sets it measures.
Usage: python bench/boot_floor.py [--stdlib M,M...] supervisord CONFIG | process-compose YAML
"""

import importlib
import sys


def parse_supervisord(config: str) -> None:
    from supervisor.options import ServerOptions

    options = ServerOptions()
    options.realize(args=["-c", config], doc="", progname="supervisord")
    if not options.process_group_configs:
        raise SystemExit(f"boot_floor: {config}: no programs")


def compose_process_compose(path: str) -> None:
    import yaml

    with open(path, "rb") as stream:
        node = yaml.compose(stream, Loader=yaml.CSafeLoader)
    if not isinstance(node, yaml.MappingNode) or node.start_mark.line != 0:
        raise SystemExit(f"boot_floor: {path}: not a mapping from line 1")


def main() -> int:
    args = sys.argv[1:]
    if args[0] == "--stdlib":
        for module in args[1].split(","):
            importlib.import_module(module)
        args = args[2:]
    manager, path = args[:2]
    if manager == "supervisord":
        parse_supervisord(path)
    else:
        compose_process_compose(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
