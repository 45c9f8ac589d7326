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


def test_every_vocabulary_file_follows_its_schema_and_covers_the_eight_languages():
    import json

    import jsonschema

    import schemas
    from pipeline.text.vocabulary import VOCABULARY_DIR, load_vocabularies

    validator = jsonschema.Draft202012Validator(schemas.load("vocabulary.v1.json"))
    for path in sorted(VOCABULARY_DIR.glob("*.json")):
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert not errors, f"{path.name}: {errors}"
    assert set(load_vocabularies()) >= {"en", "zh", "fr", "de", "it", "es", "ja", "ko"}


def test_no_condition_phrase_means_new_in_one_language_and_secondhand_in_another():
    from pipeline.text.fold import fold
    from pipeline.text.vocabulary import CONDITIONS, load_vocabularies

    # 中古 is vintage in Chinese and used in Japanese: both secondhand, which is what prices follow
    meaning: dict[str, bool] = {}
    for vocabulary in load_vocabularies().values():
        for condition in CONDITIONS:
            for phrase in vocabulary.condition[condition]:
                assert meaning.setdefault(fold(phrase), condition == "new") == (condition == "new"), phrase


@pytest.mark.parametrize("text", [
    "not a replica, receipt included", "正品 不是高仿", "偽物ではありません", "가품이면 환불해 드려요", "si es falso te devuelvo el dinero",
    "keine Fälschung, mit Rechnung", "non è una replica", "pas une copie", "faux leather strap", "AAA batteries included",
    "Kopie der Rechnung liegt bei",
])
def test_denials_guarantees_and_materials_count_neither_way(text):
    from pipeline.text.vocabulary import denials

    assert TermVocabulary(COUNTERFEIT_TERMS, negation=denials()).find(text) == ()


def test_a_denial_far_from_the_term_does_not_cancel_it():
    from pipeline.text.vocabulary import denials

    assert TermVocabulary(COUNTERFEIT_TERMS, negation=denials()).find("No box. Replica AAA grade") == ("aaa", "replica")


def test_brand_scoped_terms_count_only_in_that_brands_listings():
    from pipeline.text.vocabulary import ScopedVocabulary

    scoped = ScopedVocabulary({"nike": ["ua batch"]})
    batch = TextBatch(["Jordan 4 UA batch", "Prada ua batch", "plain"])
    assert scoped.find_batch(batch, ["nike", "prada", None]) == [("ua batch",), (), ()]
