"""Crafted worst-case titles and descriptions (those of benchmarks.adversarial) each get exactly
one outcome: a decision while the listing keeps to the contract, a dead letter with the right
reason past its limits. How long they take is the benchmark's business, not this test's."""

from __future__ import annotations

import unicodedata

import orjson
import pytest

from benchmarks.adversarial import CASES, DESCRIPTION_CHARS, TITLE_CHARS
from pipeline import topics
from pipeline.intake.normalize import SCAN_DESCRIPTION_CHARS
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.testing import listing
from pipeline.text.fold import MAX_MARK_RUN, fold, plain
from pipeline.types import InputRecord

SETTINGS = Settings.load(env={})
SCANNER = Scanner(SETTINGS.scoring)
# (title chars, description chars, expected outcome)
SIZES = [
    (64, 512, "decision"),
    (TITLE_CHARS, SCAN_DESCRIPTION_CHARS, "decision"),
    (TITLE_CHARS, DESCRIPTION_CHARS, "decision"),
    (TITLE_CHARS, DESCRIPTION_CHARS + 1, "oversized_field"),
    (TITLE_CHARS, SETTINGS.max_record_bytes, "record_too_large"),
]


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_crafted_text_gets_exactly_one_outcome(case: str):
    records = []
    for index, (title_chars, description_chars, _) in enumerate(SIZES):
        text = CASES[case].text(description_chars)
        value = orjson.dumps(listing(listing_id=f"{case}-{index}", title=text[:title_chars], description=text))
        records.append(InputRecord(topics.LISTINGS_RAW.name, 0, index, f"{case}-{index}".encode(), value))
    result = SCANNER.process(records)
    outcomes: dict[str, list[str]] = {}
    for output in result.outputs:
        record = orjson.loads(output.value)
        if output.topic == topics.DECISIONS.name:
            outcomes.setdefault(record["listing_id"], []).append("decision")
        elif output.topic == topics.DEADLETTER.name:
            outcomes.setdefault(record["source"]["key"], []).append(record["reason"])
    assert outcomes == {f"{case}-{i}": [expected] for i, (_, _, expected) in enumerate(SIZES)}


def test_long_runs_of_combining_marks_are_cut_and_ordinary_accents_stay():
    attack = "g" + "\u0301\u0316" * 2000 + " gucci"
    assert fold(attack) == "g gucci"
    kept = unicodedata.normalize("NFD", plain(attack))  # NFKC composes the first acute into the g
    assert kept.count("\u0301") + kept.count("\u0316") == MAX_MARK_RUN
    assert fold("Hermès café " * 40) == ("hermes cafe " * 40).strip()
    assert plain("Hermès café " * 40) == "hermès café " * 40
    assert len(plain("\u0f73\u0f75" * 1000)) <= 2 * MAX_MARK_RUN + 4
