"""Look-alike letters from Unicode's confusables data fold back to the Latin letters they imitate."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.brands.catalog import BrandCatalog
from pipeline.text.batch import TextBatch
from pipeline.text.confusables import SOURCE, latin_lookalikes
from pipeline.text.fold import LOOKALIKES, fold

CATALOG = BrandCatalog.load()


def lookalikes_of(letter: str) -> list[str]:
    return sorted(char for char, target in LOOKALIKES.items() if target == letter)


def is_fullwidth_other_letter(char: str, letter: str) -> bool:
    """Fullwidth Latin is how CJK text writes Latin letters, so it reads as NFKC says: Ｉ is an i,
    though Unicode's prototype for I is l. Every alias long enough to bend reads i and l alike;
    a short one (ysl) is matched as written."""
    return unicodedata.name(char).startswith("FULLWIDTH") and fold(char) != letter.lower()


def test_the_table_comes_from_unicode_data_and_covers_far_more_than_a_hand_list():
    assert "confusable-homoglyphs" in SOURCE
    assert len(latin_lookalikes()) > 1000
    for char in ("ս", "Ꮯ", "ᴄ", "ϲ", "𝐠", "ɑ"):  # Armenian, Cherokee, small capital, lunate sigma, math, Latin alpha
        assert char in LOOKALIKES or fold(char).isascii(), char


@pytest.mark.parametrize("text, folded", [
    ("Gսcci", "gucci"), ("Ꮯhanel", "chanel"), ("ᴄhanel", "chanel"), ("ϲhanel", "chanel"), ("ϹHANEL", "chanel"),
    ("ΗERΜES", "hermes"), ("ΝΙΚΕ", "nlke"), ("𝐆𝐮𝐜𝐜𝐢", "gucci"), ("ＧＵＣＣＩ", "gucci"), ("G〇CCI", "g*cci"),
])
def test_look_alikes_fold_to_latin(text, folded):
    assert fold(text) == folded


def test_capital_i_lookalikes_keep_unicodes_prototype_and_brands_still_match():
    assert fold("GUCCΙ") == "guccl"  # Greek capital iota: Unicode's prototype of I is l
    assert {m.brand_id for m in CATALOG.find("GUCCΙ")} == {"gucci"}
    assert {m.brand_id for m in CATALOG.find("ΥSΙ clutch")} == {"saint_laurent"}


def test_native_scripts_are_left_alone():
    assert fold("ＩＶ") == "iv"  # a fullwidth numeral, not LV
    assert fold("二〇二六年 ルイヴィトン 구찌") == "二*二六年 ルイヴィトン 구찌"  # the ideographic zero reads as a mask
    assert fold("グッチ") == "グッチ" and fold("古驰") == "古驰"


def test_plain_ascii_takes_the_fast_path_unchanged():
    assert fold("Gucci  Marmont Bag") == "gucci marmont bag"


def test_every_single_lookalike_of_every_letter_of_every_latin_alias_is_still_that_brand():
    texts, expected = [], []
    for profile in CATALOG.profiles.values():
        for alias in profile.aliases:
            if not alias.isascii():
                continue
            for position, letter in enumerate(alias):
                if not letter.isalpha():
                    continue
                for char in lookalikes_of(letter.lower()):
                    if is_fullwidth_other_letter(char, letter):
                        continue
                    texts.append(f"{alias[:position]}{char}{alias[position + 1:]} bag")
                    expected.append(profile.brand_id)
    assert len(texts) > 5000
    found = CATALOG.find_batch(TextBatch(texts), texts)
    missed = [t for t, brand, matches in zip(texts, expected, found) if brand not in {m.brand_id for m in matches}]
    assert not missed, f"{len(missed)} of {len(texts)} missed, e.g. {missed[:10]}"


@pytest.mark.parametrize("text, brand", [
    ("Ch@nel flap", "chanel"), ("R0L3X sub", "rolex"), ("G.u.c.c.i belt", "gucci"), ("G*cci tote", "gucci"),
    ("L*V 老花 钥匙包", "louis_vuitton"), ("Y.S.L clutch", "saint_laurent"),
])
def test_symbols_masks_and_dots_inside_brand_names(text, brand):
    assert brand in {m.brand_id for m in CATALOG.find(text)}
