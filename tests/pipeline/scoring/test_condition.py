"""Condition read from the field and the text, in the eight languages the vocabularies cover."""

from __future__ import annotations

import pytest

from pipeline.intake.normalize import normalize
from pipeline.scoring.condition import CONDITION_NAMES, ConditionReader
from pipeline.testing import listing
from pipeline.text.batch import TextBatch

READER = ConditionReader()


def read(text: str, field: str | None = None) -> str:
    return CONDITION_NAMES[READER.read_batch(TextBatch([text]), [field])[0]]


@pytest.mark.parametrize("text, condition", [
    ("Gucci Marmont, worn twice, comes with dust bag", "used"),
    ("Brand new with tags, never opened", "new"),
    ("LV 老花 二手 九成新 自用", "used"),
    ("全新未拆 吊牌还在", "new"),
    ("sac Chanel d'occasion, très bon état", "used"),
    ("Tasche gebraucht, wie neu", "used"),
    ("borsa Prada usata poche volte", "used"),
    ("bolso Loewe de segunda mano, buen estado", "used"),
    ("ルイヴィトン 財布 中古 目立った傷や汚れなし", "used"),
    ("구찌 가방 중고 사용감 있어요", "used"),
    ("Rolex Datejust 1990s, recently serviced", "vintage"),
    ("montre révisée, reconditionnée", "refurbished"),
    ("Classic tote bag black", "unknown"),
])
def test_condition_in_eight_languages(text, condition):
    assert read(text) == condition


def test_a_secondhand_state_wins_over_new_in_the_same_text():
    assert read("like new, barely used") == "used"
    assert read("come nuovo") == "used"  # "like new" is used; "nuovo" alone would not say so in text


def test_the_field_wins_over_the_text_and_unknown_values_are_searched():
    assert read("brand new!!", field="Used - Good") == "used"
    assert read("worn once", field="Neu") == "new"
    assert read("", field="目立った傷や汚れなし") == "used"
    assert read("", field="whatever the marketplace says") == "unknown"


def test_a_condition_field_that_is_not_text_is_ignored_not_rejected():
    assert normalize(listing(condition=5)).condition is None
    assert normalize(listing(condition="x" * 500)).condition == "x" * 64
    assert normalize(listing(condition="used")).condition == "used"
