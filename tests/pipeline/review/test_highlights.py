"""Highlights mark terms in the text as written, also disguised spellings, and never invent markup."""

from pipeline.brands.catalog import BrandCatalog
from pipeline.review.highlights import guess_language, listing_terms, pieces, spans

CATALOG = BrandCatalog.load()


def marked(text: str) -> list[tuple[str, str]]:
    return [(piece, kind) for piece, kind in pieces(text, spans(text, listing_terms(text, CATALOG))) if kind]


def test_brand_disguise_and_counterfeit_words_are_marked_where_they_stand():
    assert marked("Gucc1 Marmont bag REPLICA quality") == [
        ("Gucc1", "disguised"), ("Marmont", "brand"), ("REPLICA", "counterfeit")]


def test_a_lookalike_letter_is_marked_in_the_original_script():
    text = "Bag by Gu\u0441\u0441i, 1:1 copy"  # two Cyrillic es
    kinds = dict(marked(text))
    assert kinds.get("Gu\u0441\u0441i") == "disguised"


def test_pieces_rebuild_the_text_exactly_and_short_terms_stand_alone():
    text = "<script>alert(1)</script> poem aaa"
    cut = pieces(text, spans(text, [("oem", "counterfeit"), ("aaa", "counterfeit")]))
    assert "".join(p for p, _ in cut) == text
    assert [(p, k) for p, k in cut if k] == [("aaa", "counterfeit")]


def test_language_guess():
    assert guess_language("Sac neuf avec facture et boîte") == "fr"
    assert guess_language("Tasche neu mit Rechnung und Versand") == "de"
    assert guess_language("グッチ バッグ 新品") == "ja"
    assert guess_language("구찌 가방") == "ko"
    assert guess_language("古驰 包") == "zh"
    assert guess_language("12345") is None
