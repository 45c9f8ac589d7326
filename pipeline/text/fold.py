"""Fold listing text so that evasions of brand and keyword filters stop working.

Sellers of counterfeits write ``Gucc1``, ``G U C C I``, ``Guċci`` or put a
Cyrillic ``с`` or an Armenian ``ս`` inside a Latin word. :func:`fold` removes
what Unicode can remove (compatibility forms, case, accents, and every
look-alike of a Latin letter in Unicode's confusables data, see
:mod:`pipeline.text.confusables`); the brand
matcher in :mod:`pipeline.brands.catalog` handles digits and spacing with character
classes, so ``fold`` never has to guess whether a ``1`` was an ``i`` or an ``l``.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import unicodedata

import numpy as np

from pipeline.text.confusables import latin_lookalikes, lookalikes_before_case_folding

# Letter variants Unicode's confusables data does not list, or lists under another letter than
# the one sellers use them for: a barred or slashed letter, final sigma, eta for n, mu for u.
_LETTER_VARIANTS = {
    "ё": "e", "ї": "i", "ς": "c", "η": "n", "μ": "u", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
}
# Symbols that mask a letter the way "*" does (G〇CCI, G●cci): read as "*", which brand matching knows.
_MASKS = {"○": "*", "◯": "*", "●": "*", "〇": "*", "×": "*", "✕": "*", "✖": "*"}
LOOKALIKES = {**latin_lookalikes(), **_LETTER_VARIANTS, **_MASKS}
_CONFUSABLES = str.maketrans(LOOKALIKES)
_EARLY_CONFUSABLES = str.maketrans(lookalikes_before_case_folding(LOOKALIKES))
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
     0x2066, 0x2067, 0x2068, 0x2069]
)
# a set, not a regex character class: a class of 1400 characters (some astral) is searched many
# times slower than a set is probed in C
_DISGUISES = frozenset(chr(c) for c in (*_INVISIBLE, *_CONFUSABLES))


def _disguised(text: str) -> bool:
    return not _DISGUISES.isdisjoint(text)


SEPARATOR = "\x00"  # joins a batch's texts; folding and skeletons drop it from each text


def plain(text: str) -> str:
    """Compatibility-normalized and case-folded, nothing more: what the seller literally wrote."""
    return unicodedata.normalize("NFKC", bounded_marks(text)).casefold()


MAX_MARK_RUN = 30  # consecutive combining marks Unicode's stream-safe format allows (UAX #15)
_HARMLESS_CHARS = 256  # normalizing a text this short costs microseconds, however its marks are ordered


def bounded_marks(text: str) -> str:
    """Runs of combining marks cut to :data:`MAX_MARK_RUN` in long texts that are not NFKC-normal.

    Normalization sorts each run of marks by combining class with an insertion sort,
    so a description of a few thousand marks of alternating classes costs tens of
    milliseconds where a normal one costs microseconds; no writing system stacks
    more than a handful of marks on one letter. Normal texts pass the C quick check
    and skip the search."""
    if len(text) <= _HARMLESS_CHARS or text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    is_mark = _mark_table()[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    edges = np.flatnonzero(np.diff(is_mark, prepend=False, append=False))
    starts, ends = edges[0::2], edges[1::2]
    long_runs = np.flatnonzero(ends - starts > MAX_MARK_RUN)
    if not len(long_runs):
        return text
    pieces, kept_from = [], 0
    for start, end in zip(starts[long_runs].tolist(), ends[long_runs].tolist()):
        pieces.append(text[kept_from:start + MAX_MARK_RUN])
        kept_from = end
    pieces.append(text[kept_from:])
    return "".join(pieces)


@functools.cache
def _mark_table() -> np.ndarray:
    """Per code point: is it, or does it decompose into, combining marks only (built on first use)."""
    combining, decomposition, normalize = unicodedata.combining, unicodedata.decomposition, unicodedata.normalize
    table = np.zeros(sys.maxunicode + 1, dtype=bool)
    # planes 4-13 are unassigned and 15-16 private use: no marks there, and skipping them is 4x faster
    codes = itertools.chain(range(0x40000), range(0xE0000, 0xF0000))
    table[[c for c in codes
           if combining(chr(c)) or (decomposition(chr(c)) and all(map(combining, normalize("NFKD", chr(c)))))]] = True
    return table


def fold(text: str) -> str:
    """Plain text with accents, look-alike letters, invisible characters and extra spaces removed."""
    if text.isascii():  # most listings: nothing to fold but case and spacing
        text = text.lower()
        return " ".join(text.split()) if _irregular_spacing(text) else text
    # translate is slow on non-ASCII text and most of it needs none, hence the searches; look-alikes
    # are replaced before case folding too, which merges some of them (lunate sigma becomes sigma)
    if _disguised(text):
        text = plain(text.translate(_INVISIBLE).translate(_EARLY_CONFUSABLES)).translate(_CONFUSABLES)
    else:
        text = plain(text)
    if not text.isascii():
        if _HANGUL.search(text) and not _COMBINING.search(text):
            # hangul syllables decompose into three jamo each: one table lookup per character is
            # cheaper than decomposing and recomposing a Korean text
            text = text.translate(_accent_table())
        else:  # decompose, drop the marks, recompose: native code, fastest for mostly-Latin text
            text = unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", text)))
    return " ".join(text.split())


@functools.cache
def _accent_table() -> dict[int, str]:
    """Each precomposed letter whose decomposition is a base letter and accents -> the base letter
    (é -> e, ệ -> e, ї -> і): what decomposing, dropping the marks and recomposing gives, for one lookup."""
    table = {}
    for code in range(0x80, 0x2000):
        decomposed = unicodedata.normalize("NFD", chr(code))
        stripped = _COMBINING.sub("", decomposed)
        if len(decomposed) > 1 and stripped != decomposed and len(stripped) == 1:
            table[code] = stripped
    return table


# Anything but single spaces between words; substring tests are far cheaper than splitting.
IRREGULAR_SPACING = ("  ", "\n", "\t", "\r", "\x0b", "\x0c")


def _irregular_spacing(text: str) -> bool:
    return any(needle in text for needle in IRREGULAR_SPACING)


_HANGUL = re.compile("[\uac00-\ud7a3]")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SKELETON = str.maketrans("1l|!03€4@$57+928", "iiiioeeaassttgbz")
_LEET_ASCII = b"1l|!034@$57+928"
_SKELETON_ASCII = bytes.maketrans(_LEET_ASCII, b"iiiioeaassttgbz")
_NOT_LETTER_ASCII = bytes(b for b in range(128) if not 97 <= b <= 122 and b not in _LEET_ASCII)
_NOT_LETTER = re.compile(r"[^a-z\u0080-\U0010ffff]+")


def skeleton(folded: str) -> str:
    """Letters only, leet digits read as letters, i and l merged: a cheap prefilter key.

    ``G U C C I``, ``Gucc1`` and ``gucci`` share the skeleton ``gucci``; a term
    whose skeleton is absent cannot match, so most texts skip every regex.
    """
    return skeleton_bytes(folded).decode()


def skeleton_bytes(folded: str) -> bytes:
    """:func:`skeleton` as UTF-8, which is what batch search runs on."""
    if folded.isascii():
        return folded.encode().translate(_SKELETON_ASCII, _NOT_LETTER_ASCII)
    return _NOT_LETTER.sub("", folded.translate(_SKELETON)).encode()


_EURO = "€".encode()
_NOT_LETTER_OR_SEPARATOR_ASCII = _NOT_LETTER_ASCII.replace(SEPARATOR.encode(), b"")


def skeletons_joined(folded_utf8: bytes) -> bytes:
    """The skeletons of many folded texts joined by :data:`SEPARATOR`, from those texts joined the
    same way, in one pass: bytes from U+0080 up are letters to :func:`skeleton` and kept as they
    are, so only the one non-ASCII leet character needs replacing first."""
    return folded_utf8.replace(_EURO, b"e").translate(_SKELETON_ASCII, _NOT_LETTER_OR_SEPARATOR_ASCII)
