"""The command line's conventions, run as a user runs them: the real `counterscan` process on real files.

`-` is stdin or stdout, results go to stdout or the named file and summaries and
progress to stderr, progress bars only on a terminal, no output file without its
input, and `--json PATH` (or `-`) the same on every command with a result.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from agents.arguments import build_parser
from pipeline.settings import PROJECT_ROOT
from pipeline.synthetic.generator import ListingGenerator, label_line


def counterscan(*args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """`counterscan ARGS` in its own process, with none of the caller's COUNTERSCAN_* settings."""
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], input=stdin, capture_output=True, cwd=cwd,
                          env=clean_env(**(env or {})), timeout=timeout)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTERSCAN_")}
    return {**env, "PYTHONPATH": str(PROJECT_ROOT), **extra}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """60 generated listings (a few of them malformed, so dead letters too) and their labels."""
    items = ListingGenerator(7).take(60)
    listings, labels = tmp_path / "listings.jsonl", tmp_path / "truth.jsonl"
    listings.write_bytes(b"".join(i.value + b"\n" for i in items))
    labels.write_bytes(b"".join(label_line(i) for i in items))
    return listings, labels


def test_dash_is_stdin_and_stdout_for_score(files: tuple[Path, Path], tmp_path: Path):
    listings, _ = files
    piped = counterscan("score", "--input", "-", "--output", "-", stdin=listings.read_bytes(), cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert not (tmp_path / "-").exists()
    filed = counterscan("score", "--input", str(listings), "--output", "decisions.jsonl", cwd=tmp_path)
    assert filed.returncode == 0, filed.stderr
    expected = (tmp_path / "decisions.jsonl").read_bytes()
    assert len(expected.splitlines()) == 60 and b'"reason"' in expected  # decisions and dead letters
    assert comparable(piped.stdout.replace(b"file:stdin", b"file:listings.jsonl")) == comparable(expected)


def comparable(lines: bytes) -> list[dict]:
    """Output records without the moment they were made."""
    records = [json.loads(line) for line in lines.splitlines()]
    for record in records:
        record.pop("decided_at", None)
        record.pop("failed_at", None)
    return records


def test_dash_for_generate_evaluate_and_train(files: tuple[Path, Path], tmp_path: Path):
    listings, labels = files
    items = ListingGenerator(7).take(60)
    listed = counterscan("generate", "--count", "60", "--seed", "7", "--to-file", "-", "--labels", "labels.jsonl",
                         cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout == listings.read_bytes()
    assert (tmp_path / "labels.jsonl").read_bytes() == labels.read_bytes()
    truth = counterscan("generate", "--count", "60", "--seed", "7", "--to-file", "again.jsonl", "--labels", "-",
                        cwd=tmp_path)
    assert truth.returncode == 0 and truth.stdout == labels.read_bytes()
    assert (tmp_path / "again.jsonl").read_bytes() == b"".join(i.value + b"\n" for i in items)

    # with feedback, evaluate reads its listings twice: from a pipe too
    from_stdin = counterscan("evaluate", "--input", "-", "--labels", str(labels), "--json", "-",
                             stdin=listings.read_bytes(), cwd=tmp_path)
    assert from_stdin.returncode == 0, from_stdin.stderr
    from_files = counterscan("evaluate", "--input", str(listings), "--labels", str(labels), "--json", "report.json",
                             cwd=tmp_path)
    assert json.loads(from_stdin.stdout) == json.loads((tmp_path / "report.json").read_text())
    assert json.loads(from_stdin.stdout)["listings"] > 50 and b"takedown precision" in from_stdin.stderr
    labels_in = counterscan("evaluate", "--input", str(listings), "--labels", "-", "--no-feedback",
                            stdin=labels.read_bytes(), cwd=tmp_path)
    assert labels_in.returncode == 0 and b"takedown precision" in labels_in.stdout
    assert b"takedown precision" in from_files.stdout

    model = counterscan("train", "--count", "300", "--output", "-", "--json", "provenance.json", "--no-progress",
                        cwd=tmp_path)
    assert model.returncode == 0, model.stderr
    document = json.loads(model.stdout)
    provenance = json.loads((tmp_path / "provenance.json").read_text())
    assert set(document["weights"]) and provenance["version"] == document["version"]
    assert provenance["trained_on"] == document["trained_on"] and provenance["model_file"] == "stdout"


@pytest.mark.parametrize("argv", [
    ["score", "--input", "listings.jsonl", "--output", "-", "--json", "-"],
    ["evaluate", "--input", "-", "--labels", "-"],
    ["generate", "--count", "3", "--to-file", "-", "--labels", "-"],
    ["train", "--count", "10", "--output", "-", "--json", "-"],
], ids=["score", "evaluate", "generate", "train"])
def test_one_stream_is_not_named_twice(argv: list[str], files: tuple[Path, Path]):
    run = counterscan(*argv, cwd=files[0].parent, stdin=b"")
    assert run.returncode == 2 and b"can be - (std" in run.stderr and run.stdout == b""


def test_summaries_go_to_stderr_so_dev_stdout_gets_results_only(files: tuple[Path, Path], tmp_path: Path):
    listings, _ = files
    scored = counterscan("score", "--input", str(listings), "--output", "/dev/stdout", cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    records = [json.loads(line) for line in scored.stdout.splitlines()]
    assert len(records) == 60 and all(r["schema_version"] == 1 for r in records)
    assert scored.stderr.decode().strip().endswith("written to /dev/stdout")
    generated = counterscan("generate", "--count", "60", "--seed", "7", "--to-file", "/dev/stdout", cwd=tmp_path)
    assert generated.stdout == listings.read_bytes() and b"wrote 60 listings" in generated.stderr
    trained = counterscan("train", "--count", "300", "--output", "/dev/stdout", "--no-progress", cwd=tmp_path)
    assert json.loads(trained.stdout)["version"] and b"wrote the model to /dev/stdout" in trained.stderr


def on_a_terminal(*args: str, cwd: Path) -> tuple[int, bytes]:
    """Run `counterscan ARGS` with stderr a pseudo-terminal; its exit code and what reached the terminal."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # a terminal has a size
    proc = subprocess.Popen([sys.executable, "-m", "agents.cli", *args], stdout=subprocess.DEVNULL, stderr=follower,
                            cwd=cwd, env=clean_env())
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return proc.wait(timeout=120), seen


def test_progress_bars_only_on_a_terminal_and_never_with_no_progress(files: tuple[Path, Path], tmp_path: Path):
    listings, _ = files
    piped = counterscan("score", "--input", str(listings), "--output", "out.jsonl", cwd=tmp_path)
    (summary,) = piped.stderr.decode().splitlines()  # stderr is a pipe here: no bar, only the summary
    assert summary.endswith("dead letters written to out.jsonl") and "\r" not in summary, piped.stderr
    code, terminal = on_a_terminal("score", "--input", str(listings), "--output", "out.jsonl", cwd=tmp_path)
    assert code == 0 and b"score:" in terminal and b"listing" in terminal and b"\r" in terminal, terminal
    code, quiet = on_a_terminal("score", "--input", str(listings), "--output", "out.jsonl", "--no-progress",
                                cwd=tmp_path)
    assert code == 0 and b"score:" not in quiet and b"written to out.jsonl" in quiet, quiet


@pytest.mark.parametrize("argv, missing, output", [
    (["score", "--input", "missing.jsonl", "--output", "out.jsonl"], "missing.jsonl", "out.jsonl"),
    (["score", "--input", "listings.jsonl", "--brands", "gone.json", "--output", "out.jsonl"], "gone.json",
     "out.jsonl"),
    (["evaluate", "--input", "missing.jsonl", "--labels", "truth.jsonl", "--json", "r.json"], "missing.jsonl",
     "r.json"),
    (["evaluate", "--input", "listings.jsonl", "--labels", "gone.jsonl", "--json", "r.json"], "gone.jsonl", "r.json"),
], ids=["score-input", "score-brands", "evaluate-input", "evaluate-labels"])
def test_a_missing_input_is_named_and_leaves_no_output(argv: list[str], missing: str, output: str,
                                                       files: tuple[Path, Path]):
    where = files[0].parent
    run = counterscan(*argv, cwd=where)
    assert run.returncode in (1, 2) and missing in run.stderr.decode(), run.stderr
    assert run.stderr.startswith(b"counterscan: ") and b"Traceback" not in run.stderr
    assert not (where / output).exists()


MINIMAL = {"evaluate": ["--corpus", "c"], "demo": [], "seller": ["S-1"], "status": [], "train": [],
           "score": ["--input", "a", "--output", "b"]}


@pytest.mark.parametrize("command", sorted(MINIMAL))
def test_json_takes_a_path_or_dash_on_every_command_with_a_result(command: str, capsys: pytest.CaptureFixture[str]):
    parser = build_parser()
    assert parser.parse_args([command, *MINIMAL[command], "--json", "-"]).json == Path("-")
    assert parser.parse_args([command, *MINIMAL[command], "--json", "r/x.json"]).json == Path("r/x.json")
    with pytest.raises(SystemExit) as refused:
        parser.parse_args([command, *MINIMAL[command], "--json"])  # no longer a switch anywhere
    assert refused.value.code == 2 and "--json" in capsys.readouterr().err


def test_json_dash_takes_stdout_and_sends_the_text_for_people_to_stderr(files: tuple[Path, Path], tmp_path: Path):
    listings, labels = files
    counts = counterscan("score", "--input", str(listings), "--output", "out.jsonl", "--json", "-", cwd=tmp_path)
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines()
    assert json.loads(counts.stdout) == {"decisions": sum(b'"decision_id"' in line for line in lines),
                                         "deadletter": sum(b'"reason"' in line for line in lines)}
    report = counterscan("evaluate", "--input", str(listings), "--labels", str(labels), "--no-feedback",
                         "--json", "-", cwd=tmp_path)
    assert json.loads(report.stdout)["listings"] and b"takedown precision" in report.stderr
    written = counterscan("evaluate", "--input", str(listings), "--labels", str(labels), "--no-feedback",
                          "--json", "reports/r.json", cwd=tmp_path)
    assert b"takedown precision" in written.stdout and json.loads((tmp_path / "reports/r.json").read_text())


def test_a_reader_that_leaves_early_ends_the_command_quietly(tmp_path: Path):
    listings = tmp_path / "many.jsonl"
    listings.write_bytes(b"".join(i.value + b"\n" for i in ListingGenerator(3).take(3000)))
    proc = subprocess.Popen([sys.executable, "-m", "agents.cli", "score", "--input", str(listings), "--output", "-",
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=clean_env())
    assert proc.stdout.readline()  # then the reader goes, like `| head -1`
    proc.stdout.close()
    errors = proc.stderr.read()
    assert proc.wait(timeout=60) == 141 and b"Traceback" not in errors and b"Exception" not in errors, errors
