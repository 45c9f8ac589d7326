"""Each command's --help lists only the settings it reads; --version says which counterscan this is."""

from __future__ import annotations

import pytest

from agents.arguments import build_parser
from pipeline import __version__


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*argv, "--help"] if argv else ["--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_score_help_has_no_kafka_flags_and_fits_on_a_screen(capsys: pytest.CaptureFixture[str]):
    text = help_of(capsys, "score")
    assert "--takedown-threshold" in text and "--log-level" in text
    assert "--bootstrap-servers" not in text and "--sasl-password" not in text
    assert len(text.splitlines()) < 40


def test_the_worker_lists_every_section(capsys: pytest.CaptureFixture[str]):
    text = help_of(capsys, "worker")
    for flag in ("--bootstrap-servers", "--sasl-password", "--batch-max-records", "--takedown-threshold",
                 "--repeat-infringer-strikes", "--metrics-port", "--kafka-heap", "--lag-interval-s"):
        assert flag in text, flag


def test_version(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--version"])
    assert capsys.readouterr().out.strip() == f"counterscan {__version__}"
