"""Look-alike characters of Latin letters and digits, from Unicode's confusables data.

Unicode Technical Standard #39 lists, for every character that renders like
another, the prototype it is confused with. Counterfeiters draw on all of it:
Armenian ``ս`` for ``u``, Cherokee ``Ꮯ`` for ``C``, small capitals, Greek
lunate sigma, mathematical and fullwidth letters. A hand-kept table covers a
few dozen; this one takes every single code point whose prototype is an ASCII
letter or digit from the data that ``confusable-homoglyphs`` ships (Unicode's
``confusables.txt``, see :data:`SOURCE`), so it grows with Unicode, not with
the evasions someone happened to see.

Letters of the scripts listings are written in natively (Han, kana, hangul)
are left alone: ``〇`` is a numeral in a Chinese date, not an ``o``.
"""

from __future__ import annotations

import json
import string
import unicodedata
from functools import cache
from importlib import metadata, resources

__all__ = ["SOURCE", "latin_lookalikes", "lookalikes_before_case_folding"]

SOURCE = f"confusable-homoglyphs {metadata.version('confusable-homoglyphs')} (Unicode confusables.txt)"
_TARGETS = string.ascii_lowercase + string.ascii_uppercase + string.digits
_NATIVE_SCRIPTS = ("CJK", "IDEOGRAPHIC", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO")


@cache
def latin_lookalikes() -> dict[str, str]:
    """Non-ASCII character -> the lower-case ASCII letter or digit it renders as.

    Keys include each character's case-folded form, because folding case-folds
    before it replaces look-alikes."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_bytes())
    table: dict[str, str] = {}
    for target in _TARGETS:
        for entry in data.get(target, ()):
            char = entry["c"]
            if len(char) == 1 and not char.isascii() and not _native(char):
                table.setdefault(char, target.lower())
    for char, target in list(table.items()):
        folded = unicodedata.normalize("NFKC", char).casefold()
        if len(folded) == 1 and not folded.isascii() and not _native(folded):
            table.setdefault(folded, target)
    return table


def _native(char: str) -> bool:
    return unicodedata.name(char, "").startswith(_NATIVE_SCRIPTS)


def lookalikes_before_case_folding(table: dict[str, str]) -> dict[str, str]:
    """The entries of ``table`` that normalization would turn into something ``table`` reads
    differently: replaced before folding. Greek capital mu and eta fold to the small letters,
    which read as ``u`` and ``n``; lunate sigma folds to sigma, an ``o``; ogonek decomposes to a
    space and a mark. Capital-I look-alikes keep Unicode's prototype, ``l``: brand matching reads
    ``i`` and ``l`` alike in every name long enough to bend, and ``YSΙ`` is then ``ysl``."""
    early = {}
    for char, target in table.items():
        folded = unicodedata.normalize("NFKC", char).casefold()
        if folded.isascii():
            # mathematical and letterlike forms keep their prototype (𝐈 is an l); fullwidth forms are
            # ordinary CJK typography and read as NFKC reads them (ＩＶ is a numeral, not LV)
            if folded != target and not unicodedata.name(char, "").startswith("FULLWIDTH"):
                early[char] = target
        elif table.get(folded) != target:
            early[char] = target
    return early
