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


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_state_dir_help_names_the_repository_default(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    text = _help(name, capsys)
    if "--state-dir" not in text:
        pytest.skip(f"{name} has no --state-dir")
    assert ".state/" in text, f"{name} --help: where is the stack without --state-dir?"
    assert "default: the container's" not in text
    assert "the container's, or with --state-dir" not in text
