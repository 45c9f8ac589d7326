import pytest

from pipeline.brands.catalog import BrandCatalog
from pipeline.text.fold import fold


@pytest.fixture(scope="module")
def catalog() -> BrandCatalog:
    return BrandCatalog.load()


@pytest.mark.parametrize("text, brand, obfuscated", [
    ("Gucci Marmont bag", "gucci", False),
    ("Gucc1 belt", "gucci", True),
    ("G U C C I bag", "gucci", True),
    ("G*cci wallet", "gucci", True),
    ("Guċci bag", "gucci", True),
    ("Gu\u0441ci bag", "gucci", True),  # Cyrillic es
    ("Ba1enciaga Triple S", "balenciaga", True),
    ("YSL Loulou", "saint_laurent", False),
    ("Yves Saint Laurent clutch", "saint_laurent", False),
    ("Hermès Birkin 30", "hermes", False),
    ("高仿古驰包", "gucci", False),
    ("Rolex Submariner", "rolex", False),
    ("G\u200bucci zero width", "gucci", True),
])
def test_finds_brand_through_evasions(catalog, text, brand, obfuscated):
    matches = catalog.find(text)
    assert matches and matches[0].brand_id == brand
    assert any(m.obfuscated for m in matches if m.evidence == "alias") == obfuscated


@pytest.mark.parametrize("text", [
    "genuine leather handbag", "velvet bag", "channel strap for guitar", "lvl 3 vest", "pradaxx", "nikel plated",
])
def test_no_brand_in_ordinary_text(catalog, text):
    assert catalog.find(text) == []


def test_declared_brand_and_authorization(catalog):
    assert catalog.declared_brand("  GUCCI ") == "gucci"
    assert catalog.declared_brand("Unbranded") is None
    assert catalog.is_authorized("gucci", "tmall", "gucci-official")
    assert not catalog.is_authorized("gucci", "taobao", "gucci-official")


def test_catalog_covers_the_task_force_brands(catalog):
    assert {"gucci", "saint_laurent", "balenciaga", "bottega_veneta", "alexander_mcqueen", "louis_vuitton",
            "chanel", "hermes", "prada", "rolex", "nike"} <= set(catalog.profiles)
    for profile in catalog.profiles.values():
        assert profile.reference_prices_usd
        for low, high in profile.reference_prices_usd.values():
            assert 0 < low < high


def test_fold_removes_case_accents_and_lookalikes():
    assert fold("ＧＵＣＣＩ  Hermès\u202e") == "gucci hermes"


def test_skeleton_reads_leetspeak_and_drops_spacing():
    from pipeline.text.fold import skeleton

    assert skeleton(fold("G U C C I")) == skeleton(fold("Gucc1")) == skeleton("gucci") == "gucci"
    assert skeleton(fold("L0UIS  V.U.I.T.T.0.N")) == skeleton("louis vuitton")


def test_separator_inside_a_text_cannot_merge_rows(catalog):
    from pipeline.text.batch import TextBatch

    texts = ["plain bag guc", "ci bag", "gucci\x00bag"]
    found = catalog.find_batch(TextBatch(texts), texts)
    assert found[0] == [] and found[1] == [] and found[2][0].brand_id == "gucci"
