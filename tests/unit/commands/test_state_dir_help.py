"""Every command's --state-dir help says where the stack is found without it: outside
the container that is .state/ of the repository (when a stack runs there), not "the
container's" (reload's help said so)."""

from __future__ import annotations

import pytest

from workloadctl.cli import COMMANDS, build_parser


def _help(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        build_parser(name).parse_args([name, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_state_dir_help_names_the_repository_default(capsys: pytest.CaptureFixture[str]) -> None:
    helps = {name: _help(name, capsys) for name in sorted(COMMANDS)}
    with_state_dir = {name: text for name, text in helps.items() if "--state-dir" in text}
    # Commands without the option (boot, launch, validate...) have nothing to say here;
    # the ones that have it must include reload, whose help was wrong.
    assert "reload" in with_state_dir and "status" in with_state_dir
    for name, text in with_state_dir.items():
        assert ".state/" in text, f"{name} --help: where is the stack without --state-dir?"
        assert "default: the container's" not in text, name
        assert "the container's, or with --state-dir" not in text, name
