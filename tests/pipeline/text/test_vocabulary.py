import pytest

from pipeline.text.batch import TextBatch
from pipeline.text.vocabulary import COMPATIBILITY_TERMS, COUNTERFEIT_TERMS, TermVocabulary

FAKES = TermVocabulary(COUNTERFEIT_TERMS)


@pytest.mark.parametrize("text, term", [
    ("Gucci bag REPLICA", "replica"), ("1:1 mirror quality", "1:1"), ("AAA+ grade", "aaa+"),
    ("高仿古驰包", "高仿"), ("A货 LV", "a货"), ("Réplique sac", "replique"), ("Fälschung Uhr", "falschung"),
    ("imitación bolso", "imitacion"), ("borsa imitazione", "imitazione"), ("super copy watch", "super copy"),
])
def test_counterfeit_terms_in_several_languages(text, term):
    assert term in FAKES.find(text)


@pytest.mark.parametrize("text", ["a poem about bags", "aaaa battery pack", "duped? no", "genuine leather"])
def test_short_terms_need_word_boundaries(text):
    assert FAKES.find(text) == ()


def test_batch_search_keeps_rows_apart():
    batch = TextBatch(["replica one", "nothing here", "dupe and oem"])
    assert FAKES.find_batch(batch) == [("replica",), (), ("dupe", "oem")]


def test_compatibility_terms():
    assert TermVocabulary(COMPATIBILITY_TERMS).find("Strap compatible with Rolex Submariner") == ("compatible with",)
