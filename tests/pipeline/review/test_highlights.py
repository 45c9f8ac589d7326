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


def test_a_card_marks_text_prices_images_and_orders_signals():
    from pipeline.review.card import build_card, listing_summary

    known = f"{int(CATALOG.images.hashes[0]):016x}"
    near = f"{int(CATALOG.images.hashes[0]) ^ 0b111:016x}"  # three bits away
    raw = listing_summary({"title": "Gucc1 bag replica", "description": "<b>x</b>", "brand": "",
                           "price": {"amount": 30.0, "currency": "USD"}, "category": "bags/handbags",
                           "image_phashes": [near, "0000000000000001"],
                           "seller": {"id": "s", "contact_hashes": ["secret-hash"]}})
    assert "secret-hash" not in str(raw)
    decision = {"signals": [{"name": "brand_mentioned", "value": True, "unit": "flag", "contribution": 0.5},
                            {"name": "price_ratio_to_retail", "value": 0.02, "unit": "ratio", "contribution": 2.0},
                            {"name": "authorized_seller", "value": False, "unit": "flag", "contribution": -0.7}]}
    card = build_card({"review_id": "r", "brand": "gucci"}, decision, raw, CATALOG, None, [])
    assert [s["name"] for s in card["signals"]] == ["price_ratio_to_retail", "authorized_seller", "brand_mentioned"]
    assert card["listing"]["price_usd"] == 30.0 and card["listing"]["reference_usd"] == 1500.0
    assert card["listing"]["images"][0] == {"image": near, "distance": 3, "known": known,
                                            "brand": CATALOG.brand_ids[int(CATALOG.images.owners[0])]}
    assert card["listing"]["images"][1]["distance"] is None
    assert [k for _, k in card["listing"]["title"]["pieces"] if k] == ["disguised", "counterfeit"]


def test_the_store_keeps_pinned_listings_and_a_bounded_window():
    from pipeline.review.listings import ListingStore

    store = ListingStore(recent=2)
    store.pin(("m", "L0"))
    for n in range(4):
        store.add(("m", f"L{n}"), {"revision": 0, "n": n})
    assert store.get(("m", "L0"))["n"] == 0  # pinned before it was read: kept
    assert store.get(("m", "L1")) is None and store.get(("m", "L3"))["n"] == 3
    store.pin(("m", "L2"))
    store.add(("m", "L2"), {"revision": 1, "n": 22})
    store.add(("m", "L2"), {"revision": 0, "n": 99})  # an older revision, redelivered
    assert store.get(("m", "L2"))["n"] == 22
