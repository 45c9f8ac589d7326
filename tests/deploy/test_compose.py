"""deploy/docker-compose.yml is valid under the Compose Specification's JSON Schema, checked by
check-jsonschema (the real validator) against the copy in deploy/schemas/, whose source and hash
deploy/schemas/compose-spec.md records; broken copies of the file are rejected."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
SCHEMA = DEPLOY / "schemas" / "compose-spec.json"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def check(path: Path) -> subprocess.CompletedProcess[str]:
    assert CHECK_JSONSCHEMA.exists(), "check-jsonschema comes with the test extra: pip install -e '.[test]'"
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA), str(path)],
                          capture_output=True, text=True, timeout=60)


def test_compose_file_is_valid():
    done = check(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr


BROKEN = {
    "an unknown service key": ("\n  worker:\n", "\n  worker:\n    replica_count: 3\n", "$.services.worker"),
    "a depends_on condition that does not exist": (
        "condition: service_completed_successfully", "condition: service_finished", "$.services.worker.depends_on"),
    "ports given as a number": ('ports: ["127.0.0.1:9090:9090"]', "ports: 9090", "$.services.prometheus.ports"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_compose_file_is_rejected(case: str, tmp_path: Path):
    old, new, where = BROKEN[case]
    text = COMPOSE.read_text()
    assert text.count(old) == 1, old
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace(old, new))
    done = check(broken)
    assert done.returncode == 1 and where in done.stdout, done.stdout + done.stderr


def test_the_vendored_schema_is_the_recorded_one():
    """The bytes are the ones compose-spec.md names, and the ones the pinned check-jsonschema ships
    as its own copy (vendor.compose-spec): a check-jsonschema bump says when to refresh ours."""
    data = SCHEMA.read_bytes()
    recorded = re.search(r"sha256: ([0-9a-f]{64})", (DEPLOY / "schemas" / "compose-spec.md").read_text())
    assert recorded and hashlib.sha256(data).hexdigest() == recorded.group(1)
    shipped = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    assert shipped.read_bytes() == data
