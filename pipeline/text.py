"""Fold listing text so that evasions of brand and keyword filters stop working.

Sellers of counterfeits write ``Gucc1``, ``G U C C I``, ``Guċci`` or put a
Cyrillic ``с`` inside a Latin word. :func:`fold` removes what Unicode can
remove (compatibility forms, case, accents, look-alike letters); the brand
matcher in :mod:`pipeline.brands` handles digits and spacing with character
classes, so ``fold`` never has to guess whether a ``1`` was an ``i`` or an ``l``.
"""

from __future__ import annotations

import re
import unicodedata

# Look-alike letters from Cyrillic and Greek that render like Latin ones.
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "ӏ": "l", "һ": "h", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ς": "c", "μ": "u",
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
})
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
     0x2066, 0x2067, 0x2068, 0x2069]
)
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """Compatibility-normalized and case-folded, nothing more: what the seller literally wrote."""
    return unicodedata.normalize("NFKC", text).casefold()


def fold(text: str) -> str:
    """Plain text with accents, look-alike letters and invisible characters removed."""
    text = plain(text).translate(_INVISIBLE).translate(_CONFUSABLES)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        )
    return _SPACE.sub(" ", text).strip()
