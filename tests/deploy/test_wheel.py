"""The wheel works on its own: built from the sources the image's builder copies, installed into a
fresh virtual environment outside the checkout, run from a directory outside it, it reports its
version, scores listings as the checkout does, and starts and stops the local broker from the
templates it ships, with the jars named by COUNTERSCAN_KAFKA_LIBS. While it runs, nothing is
written into the installation (as in the image, whose root filesystem may be read-only).

Tests never reach the network, so the wheel is built without build isolation and installed with
--no-deps; its dependencies are those of this environment, reached through a .pth path line
(which adds site-packages to the path without running the editable install's hooks), and
`pip check` proves they satisfy what the wheel declares."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from agents.processes import alive, terminate
from pipeline import __version__
from pipeline.settings import PROJECT_ROOT, Settings
from tests.deploy.dockerfile import stages

pytestmark = pytest.mark.integration  # the broker part needs Java and the Kafka jars (make kafka)

BROKER_FILES = ("log4j2.properties", "pom.xml", "server.properties.template")


class Installed:
    """The fresh environment, and the environment its commands run in."""

    def __init__(self, root: Path, wheel: Path) -> None:
        self.root = root
        self.wheel = wheel
        self.venv = root / "venv"
        self.home = root / "home"
        self.cwd = root / "work"
        self.home.mkdir()
        self.cwd.mkdir()
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith("COUNTERSCAN_") and k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
                                                                   "XDG_CACHE_HOME", "PYTHONSTARTUP"}}
        self.env = {**keep, "HOME": str(self.home), "PYTHONDONTWRITEBYTECODE": "1",
                    "PATH": f"{self.venv / 'bin'}{os.pathsep}{keep.get('PATH', '')}",
                    "COUNTERSCAN_KAFKA_LIBS": str(Settings.load().kafka_libs_dir)}

    def run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / command[0]), *command[1:]], env=self.env, cwd=self.cwd,
                              capture_output=True, text=True, timeout=timeout)

    def tree(self) -> dict[str, tuple[int, int]]:
        """Every file of the installation with its size and modification time."""
        return {str(p.relative_to(self.venv)): (p.stat().st_size, p.stat().st_mtime_ns)
                for p in self.venv.rglob("*") if p.is_file()}


def said(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    assert PROJECT_ROOT not in (root, *root.parents)
    builder, _ = stages()
    source = root / "src"
    source.mkdir()
    for name in builder.copy_sources():  # exactly what the image's builder stage has
        if (PROJECT_ROOT / name).is_dir():
            shutil.copytree(PROJECT_ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(PROJECT_ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(root / "dist"),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (root / "dist").glob("counterscan-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True, timeout=120)
    env = Installed(root, wheel)
    python = str(env.venv / "bin" / "python")
    _pip("--python", python, "install", "--no-index", "--no-deps", str(wheel))
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_counterscan_test_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    _pip("--python", python, "check")
    yield env


def test_the_wheel_ships_the_packages_and_their_data_and_nothing_else(installed: Installed):
    names = zipfile.ZipFile(installed.wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"agents", "pipeline", "schemas"}
    for name in BROKER_FILES:
        assert f"agents/kafka/resources/{name}" in names
    assert "pipeline/data/brands.json" in names and "schemas/decision.v1.json" in names
    for name in ("layout.html", "console.css", "console.js"):  # what the review console's pages load
        assert f"agents/console/resources/{name}" in names
    metadata = zipfile.ZipFile(installed.wheel).read(f"counterscan-{__version__}.dist-info/METADATA").decode()
    assert "Requires-Dist: numpy>=2" in metadata


def test_installed_code_comes_from_the_wheel(installed: Installed):
    done = installed.run("python", "-c", "import agents.kafka.broker as b, pipeline, schemas; "
                                         "print(b.KAFKA_RESOURCES); print(pipeline.__file__); print(schemas.__file__)")
    assert done.returncode == 0, done.stderr
    for line in done.stdout.split():
        assert installed.venv in Path(line).parents, line
    version_line = installed.run("counterscan", "--version")
    assert version_line.returncode == 0 and version_line.stdout.strip() == f"counterscan {__version__}"


def test_the_installed_command_scores_listings_as_the_checkout_does(installed: Installed):
    before = installed.tree()
    listings = installed.cwd / "listings.jsonl"
    generated = installed.run("counterscan", "generate", "--count", "40", "--seed", "11", "--to-file", str(listings),
                              "--no-progress")
    assert generated.returncode == 0, generated.stderr
    with listings.open("ab") as out:
        out.write(b"{not json\n")  # and one dead letter
    scored = installed.run("counterscan", "score", "--input", "listings.jsonl", "--output", "decisions.jsonl",
                           "--no-progress")
    assert scored.returncode == 0, scored.stderr
    ours = subprocess.run([sys.executable, "-m", "agents.cli", "score", "--input", str(listings), "--output",
                           str(installed.root / "checkout.jsonl"), "--no-progress"],
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert ours.returncode == 0, ours.stderr
    got = [json.loads(line) for line in (installed.cwd / "decisions.jsonl").read_text().splitlines()]
    want = [json.loads(line) for line in (installed.root / "checkout.jsonl").read_text().splitlines()]
    assert len(got) == 41
    assert {"reason": "malformed_json", "offset": 40} in [
        {"reason": r["reason"], "offset": r["source"]["offset"]} for r in got if "reason" in r]
    decision, dead_letter = (json.loads((PROJECT_ROOT / "schemas" / name).read_text())
                             for name in ("decision.v1.json", "deadletter.v1.json"))
    for record in got:
        jsonschema.validate(record, decision if "decision_id" in record else dead_letter)
    assert sum("decision_id" in record for record in got) > 30
    for record in (*got, *want):
        record.pop("decided_at", None)
        record.pop("failed_at", None)
    assert got == want
    assert installed.tree() == before


def test_the_installed_command_starts_and_stops_the_local_broker(installed: Installed):
    before = installed.tree()
    state = installed.home / ".cache" / "counterscan" / "broker" / "state.json"  # the installed default cache dir
    try:
        started = installed.run("counterscan", "broker", "start")
        assert started.returncode == 0 and "apache-kafka 4." in said(started), said(started)
        status = installed.run("counterscan", "broker", "status")
        assert status.returncode == 0 and "answering Metadata" in said(status), said(status)
        pid = json.loads(state.read_text())["pid"]
    finally:
        stopped = installed.run("counterscan", "broker", "stop")
        if state.exists():  # the stop failed: end the JVM here
            terminate(json.loads(state.read_text())["pid"], 30.0)
    assert stopped.returncode == 0 and "stopped" in said(stopped), said(stopped)
    assert not alive(pid, None) and not state.exists()
    assert installed.tree() == before
