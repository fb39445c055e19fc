"""Config files the supervisord loader's unit tests share."""

from __future__ import annotations

from pathlib import Path


def include_conf(tmp_path: Path, pattern: str) -> Path:
    """A minimal main.conf in tmp_path whose [include] files= is pattern."""
    conf = tmp_path / "main.conf"
    conf.write_text(
        "[supervisord]\n"
        "[unix_http_server]\nfile=/tmp/workloadctl-inc.sock\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        f"[include]\nfiles={pattern}\n"
    )
    return conf
