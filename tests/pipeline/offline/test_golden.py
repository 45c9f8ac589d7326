"""Golden test: pins the exact outputs of offline scoring across refactors.

``tests/data/golden/listings.jsonl`` is 1500 listings written by
``counterscan generate --count 1500 --seed 31337 --to-file ...`` (its malformed
records included, byte for byte), followed by 31 hand-written edge cases.
``expected.jsonl`` is every record that scoring them produced, in order, one
``{"topic", "key", "headers", "value"}`` object a line. The test scores the input
through the path ``counterscan score`` takes (``pipeline.offline.scoring``: default
settings and brand profiles, no reputation file) and compares each record field
by field, so moving modules between packages cannot change a decision unnoticed.

Regenerate expected.jsonl only when a change of behaviour is intended (and say
so in the commit), never to make this test pass:

    .venv/bin/python -m tests.pipeline.offline.test_golden --regenerate
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from pipeline.offline.scoring import offline_scanner, read_lines, score_records
from pipeline.settings import Settings

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"
INPUT = GOLDEN / "listings.jsonl"
EXPECTED = GOLDEN / "expected.jsonl"

# Paths whose values are not compared (their presence still is), and why.
IGNORED_FIELDS: dict[str, str] = {
    # decisions: Scanner.process stamps each batch with datetime.now() when no `now` is passed, as offline never does
    "value.decided_at": "wall-clock time the batch was scored",
    # dead letters: the same wall-clock batch stamp, taken when the record was rejected
    "value.failed_at": "wall-clock time the record was rejected",
}

Record = dict[str, Any]


def score_golden_input(path: Path = INPUT, native: str = "auto") -> list[Record]:
    """Every output of ``counterscan score`` on ``path``, with its topic, key and headers; ``native``
    chooses the intake and the text folding (``on``: the compiled ones, ``off``: Python's)."""
    # the defaults: a COUNTERSCAN_* variable must not leak in
    scanner = offline_scanner(Settings.load(env={}, native=native))
    return [
        {"topic": o.topic, "key": None if o.key is None else o.key.decode(),
         "headers": None if o.headers is None else [[k, v.hex()] for k, v in o.headers],
         "value": orjson.loads(o.value)}
        for o in score_records(scanner, read_lines(path))
    ]


def load_expected(path: Path = EXPECTED) -> list[Record]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def field_differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """``path: expected X, got Y`` for each differing leaf; types count (``True`` is not ``1``)."""
    if path in IGNORED_FIELDS:
        return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in list(expected) + [k for k in actual if k not in expected]:
            where = f"{path}.{key}" if path else str(key)
            if key not in actual or key not in expected:
                side = "missing" if key not in actual else "unexpected"
                found.append(f"{where}: {side} field (expected {expected.get(key, '<absent>')!r}, "
                             f"got {actual.get(key, '<absent>')!r})")
            else:
                found += field_differences(expected[key], actual[key], where)
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        found = [f"{path}: expected {len(expected)} items, got {len(actual)}"] if len(expected) != len(actual) else []
        for index, (want, got) in enumerate(zip(expected, actual)):
            found += field_differences(want, got, f"{path}[{index}]")
        return found
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path or '(record)'}: expected {expected!r}, got {actual!r}"]
    return []


def compare_records(expected: list[Record], actual: list[Record]) -> list[str]:
    """Differences, each prefixed with its line number in expected.jsonl (1-based)."""
    found = [f"expected {len(expected)} output records, got {len(actual)}"] if len(expected) != len(actual) else []
    for number, (want, got) in enumerate(zip(expected, actual), 1):
        found += [f"line {number}: {difference}" for difference in field_differences(want, got)]
    return found


@pytest.fixture(scope="module")
def expected() -> list[Record]:
    return load_expected()


@pytest.mark.parametrize("native", ["on", "off"])
def test_offline_scoring_matches_the_golden_outputs(expected: list[Record], native: str) -> None:
    differences = compare_records(expected, score_golden_input(native=native))
    shown = "\n".join(differences[:50])
    assert not differences, f"{len(differences)} differences from {EXPECTED.name} (first 50):\n{shown}"


def test_a_changed_signal_value_is_reported(expected: list[Record]) -> None:
    number, record = next((n, r) for n, r in enumerate(expected, 1)
                          if r["topic"] == "listings.decisions" and r["value"]["signals"])
    changed = copy.deepcopy(expected)
    signal = changed[number - 1]["value"]["signals"][0]
    original = signal["value"]
    signal["value"] = 12345.678
    assert compare_records(expected, changed) == [
        f"line {number}: value.signals[0].value: expected {original!r}, got 12345.678"]
    assert record["value"]["signals"][0]["value"] == original  # the fixture is untouched


def regenerate(path: Path = EXPECTED) -> int:
    records = score_golden_input()
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return len(records)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Rewrite tests/data/golden/expected.jsonl from the current code.")
    parser.add_argument("--regenerate", action="store_true", required=True,
                        help="score listings.jsonl and overwrite expected.jsonl (only for intended changes)")
    parser.parse_args()
    print(f"wrote {regenerate()} records to {EXPECTED}")
