"""The layout keeps its promises: pipeline/ decides without Kafka, and no module grows past one job.

Walks the syntax tree of every module, so an import hidden inside a function
counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT

# pipeline/ is computed without a broker: no Kafka client or Faust, and nothing that sits above it
FORBIDDEN_IN_PIPELINE = ("aiokafka", "faust", "mode", "agents", "benchmarks")
MAX_LINES = 400
PRODUCT = [path for package in ("pipeline", "agents") for path in sorted((PROJECT_ROOT / package).rglob("*.py"))]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def forbidden_imports(path: Path) -> list[str]:
    return [f"{path.relative_to(PROJECT_ROOT)}:{line} imports {module}"
            for line, module in imported_modules(path)
            if module.split(".")[0] in FORBIDDEN_IN_PIPELINE]


def test_nothing_under_pipeline_imports_a_kafka_client_faust_or_the_layers_above():
    offenders = [o for path in sorted((PROJECT_ROOT / "pipeline").rglob("*.py")) for o in forbidden_imports(path)]
    assert offenders == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    module = tmp_path / "hidden.py"
    module.write_text("def probe():\n    from aiokafka.admin import AIOKafkaAdminClient\n    import mode\n")
    monkeypatch.setattr("tests.test_layout.PROJECT_ROOT", tmp_path)
    assert forbidden_imports(module) == ["hidden.py:2 imports aiokafka.admin", "hidden.py:3 imports mode"]


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_module_is_over_400_lines(path: Path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_every_package_says_what_it_is_for_and_exports_a_chosen_api():
    for init in sorted(p for package in ("pipeline", "agents") for p in (PROJECT_ROOT / package).rglob("__init__.py")):
        tree = ast.parse(init.read_text())
        assert ast.get_docstring(tree), f"{init.relative_to(PROJECT_ROOT)} has no docstring"
        names = [t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                 for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)]
        assert "__all__" in names, f"{init.relative_to(PROJECT_ROOT)} has no __all__"
