"""The compiled folder (``native/src/fold.rs``) against Python's ``fold``, the reference, byte for byte:
every code point it accepts, in several neighbourhoods and in every branch of ``fold``; random and
hostile texts, with the declined ones folded by Python; and it does fold the generator's texts
itself, or the comparisons would prove little."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.adversarial import CASES
from pipeline.intake.normalize import normalize
from pipeline.intake.validation import decode_listing
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator
from pipeline.text import native
from pipeline.text.batch import TextBatch, fold_joined
from pipeline.text.fold import LOOKALIKES, SEPARATOR, skeletons_joined

pytestmark = pytest.mark.skipif(native.compiled is None, reason="counterscan_native not built")


def python_fold(texts: list[str]) -> tuple[bytes, bytes]:
    folded = fold_joined(texts)
    return folded, skeletons_joined(folded)


def declined_by_folder(texts: list[str], folder: object | None = None) -> list[str]:
    """The texts the folder (the process's unless given) hands back to Python; it folds the batch
    too, as ``fold_batch`` would."""
    declined: list[str] = []

    def fallback(text: str) -> bytes:
        declined.append(text)
        return native._fold_declined(text)

    (folder or native._folder()).fold_joined(texts, fallback)
    return declined


def uncapped_folder() -> object:
    """A folder that learns every code point it meets: the process's stops at ``MAX_LEARNED``."""
    return native._Folder(native.fold_entry, native.SPACES, native.skeleton_table(), sys.maxsize)


def test_the_folder_is_built_and_chosen_by_the_native_setting():
    assert native.compiled is not None, "make install builds native/; without it this suite tests nothing"
    assert Scanner(Settings.load(env={}, native="on").scoring).extractor.native is True
    assert Scanner(Settings.load(env={}, native="off").scoring).extractor.native is False


def test_the_python_tables_the_folder_is_given_are_fold_py_s():
    assert native.SPACES == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if not c.split())
    assert len(native.skeleton_table()) == 256 and native.skeleton_table()[0x80:] == bytes(range(0x80, 0x100))
    texts = ["G1ucc!|0@$5+", " é€ 4€€", "€\x00€"]
    euro = "€".encode()
    expected = (b"g1ucc!|0@$5+\x00e" + euro + b" 4" + euro * 2 + b"\x00" + euro + b" " + euro, b"giucciioasst\x00eeaee\x00ee")
    assert native.fold_batch(texts) == python_fold(texts) == expected


# One text per neighbourhood of each code point: alone; inside a brand name with irregular spacing;
# beside an accent (NFC recomposes); in a hangul text (fold's per-character hangul branch); beside a
# look-alike and an invisible character (fold's other branch); after a separator and a final sigma.
CONTEXTS = ("{c}", "Gu{c}{c}i  {c}", "x{c}é", "가{c} {c}", "{c}с{c}\u200b", "ς{c}\x00{c}Σ")


def test_every_code_point_the_folder_accepts_folds_as_python_does():
    accepted = [code for code in range(sys.maxunicode + 1)
                if not 0xD800 <= code < 0xE000 and native.fold_entry(code) is not None]
    assert len(accepted) > 140_000  # every assigned character of Unicode 14 but marks, jamo and their kin
    folder = uncapped_folder()
    for start in range(0, len(accepted), 4000):
        texts = [context.format(c=chr(code)) for code in accepted[start:start + 4000] for context in CONTEXTS]
        native_folded, python_folded = folder.fold_joined(texts, native._fold_declined), python_fold(texts)
        if native_folded != python_folded:  # name the first text that differs
            for text in texts:
                assert folder.fold_joined([text], native._fold_declined) == python_fold([text]), ascii(text)
        assert not declined_by_folder(texts, folder)


def test_what_the_folder_declines_python_folds():
    declined = [chr(c) for c in (0x0301, 0x0345, 0x1161, 0x11A8, 0x3099, 0xFF9E, 0x0378, 0xE000, 0x10FFFF)]
    assert all(native.fold_entry(ord(c)) is None for c in declined)
    texts = ["e" + c + " Gucci" for c in declined] + ["ｶﾞ", "가\u11a8", "GUCCİ\u0307", "ᄀ\u1161"]
    assert declined_by_folder(texts) == texts
    assert native.fold_batch(texts) == python_fold(texts)


def test_generated_texts_are_folded_natively_and_identically():
    decoded = (decode_listing(item.value, 1 << 20) for item in ListingGenerator(5).take(3000))
    texts = [normalize(d).text for d in decoded if isinstance(d, dict)]
    assert sum(not t.isascii() for t in texts) > 0.05 * len(texts)  # the languages the mix has
    assert not declined_by_folder(texts)
    assert native.fold_batch(texts) == python_fold(texts)
    assert TextBatch(texts, native=True).skeleton_bytes == TextBatch(texts).skeleton_bytes


def test_adversarial_texts_fold_as_python_does():
    texts = [case.text(3000) for _, case in sorted(CASES.items())]
    assert native.fold_batch(texts) == python_fold(texts)


def test_surrogates_raise_as_python_does():
    for texts in (["a\ud800"], ["ok", "é\udfff"]):
        with pytest.raises(UnicodeEncodeError):
            python_fold(texts)
        with pytest.raises(UnicodeEncodeError):
            native.fold_batch(texts)


# Characters that take fold's every branch: marks (declined), jamo, half-width voiced marks, look-alikes,
# invisible and bidirectional controls, every kind of space str.split knows, the separator, leet and
# mask characters, ligatures and characters NFKC expands many times over.
SPECIAL = (
    "\u0300\u0301\u0316\u0345\u034f\u0308\u20dd\ufe20\u1ab0\u1dc0\u0f73\u0f75"
    "\u1100\u1161\u11a8\u3131\u314f\uffa0\uac00\uac01\ud7a3가각"
    "ｶﾞﾟ\u3099\u309a\uff9e\uff9fガ"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202e\u2066\u2069"
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\x00"
    "€$@!|0134579+28○●〇×✕ßẞİıſﬁﬀﷺ㍿ǅǄΣσςϲͅ"
    "éèêëÉçñøłđÅåŒæ𝐆𝔤ＧＵＣＣＩ"
) + "".join(sorted(LOOKALIKES))[:400]
hostile_chars = st.sampled_from(SPECIAL) | st.characters(blacklist_categories=("Cs",))
hostile_text = st.text(hostile_chars, max_size=60) | st.text(st.sampled_from(SPECIAL + "Gucci "), max_size=300)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_text | st.text(max_size=40), max_size=12))
def test_hostile_batches_fold_as_python_folds_them(texts):
    assert native.fold_batch(texts) == python_fold(texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("aBc \t\n\r\x0b\x0c\x1c\x1f\x00é!1|$"), max_size=30), max_size=8))
def test_ascii_spacing_and_separators_fold_as_python_folds_them(texts):
    assert native.fold_batch(texts) == python_fold(texts)
    assert native.fold_batch(texts)[0].count(SEPARATOR.encode()) == max(0, len(texts) - 1)


def test_the_folder_learns_each_code_point_once():
    folder = native._folder()
    before = folder.known()
    native.fold_batch(["ключ " * 3, "ключ"])
    after = folder.known()
    native.fold_batch(["ключ ключ"])
    assert folder.known() == after >= before
    assert unicodedata.unidata_version  # what the entries were computed with, whatever it is


def test_past_its_cap_the_folder_learns_nothing_more_and_python_folds_the_rest():
    folder = native._Folder(native.fold_entry, native.SPACES, native.skeleton_table(), 3)
    texts = ["ключ", "Ѕиреr ΑΒΓ", "中文标题 包", "déjà vu"]  # far more than three distinct code points
    assert folder.fold_joined(texts, native._fold_declined) == python_fold(texts)
    assert folder.known() == 3
    assert folder.fold_joined(texts, native._fold_declined) == python_fold(texts)
    assert folder.known() == 3
