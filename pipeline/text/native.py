"""Folding a batch in compiled code (``native/``, ``counterscan_native.Folder``), proven per character.

:func:`pipeline.text.fold.fold` of a non-ASCII text costs tens of microseconds in Python, one text
at a time. The compiled folder does a whole batch in one pass, but it never carries Unicode data of
its own: a Rust crate's tables would be some Unicode version, Python's ``unicodedata`` is another
(3.11: Unicode 14.0), and a brand hidden behind a character the two disagree on would be found by one
path and missed by the other. Instead, the first time the folder meets a code point it asks
:func:`fold_entry`, which runs Python's own ``unicodedata``, case folding and look-alike tables on that
character alone and proves that its folded form does not depend on its neighbours (see
:func:`fold_entry`). A text is folded natively only when every character in it is so proven; any other
text (combining marks, conjoining jamo, half-width voiced marks, anything unassigned) is folded by
:func:`fold` itself, so the two paths cannot differ.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from collections.abc import Sequence

from pipeline.text import fold as reference  # its tables, read where they are kept
from pipeline.text.fold import SEPARATOR, fold

try:
    from counterscan_native import Folder as _Folder
except ImportError:  # not built (a checkout without cargo): the Python fold is the only one
    _Folder = None

compiled: type | None = _Folder

HANGUL, COMBINING = 1, 2  # flags of a folded piece: fold's branch choice depends on both, text-wide
SPACES = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())  # what str.split splits on


@functools.cache
def _composes_backward() -> frozenset[int]:
    """Code points that canonical composition can merge into the character before them: the second
    half of every two-part canonical decomposition, conjoining hangul vowels and trailing consonants
    (composed by algorithm, not by table) and every non-starter. A character whose decomposition
    begins with none of these starts a normalization boundary: NFKC, NFD and NFC of a text split
    there are the normalizations of the two parts, joined (UAX #15)."""
    found = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.combining(char):
            found.add(code)
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            found.update(int(part, 16) for part in decomposition.split()[1:])
    return frozenset(found)


def _starts_boundary(text: str, form: str) -> bool:
    """Whether ``text`` (once in ``form``) begins with a starter that nothing before it can touch."""
    if not text:
        return True
    first = unicodedata.normalize(form, text)[0]
    return not unicodedata.combining(first) and ord(first) not in _composes_backward()


def _mark(char: str) -> bool:
    """``fold.bounded_marks``'s test (without its skipped planes): a mark, or marks only once decomposed."""
    combining = unicodedata.combining
    return bool(combining(char) or (unicodedata.decomposition(char)
                                     and all(map(combining, unicodedata.normalize("NFKD", char)))))


def _strip_marks(piece: str) -> str | None:
    """Step two of :func:`fold` on one piece, or None when the piece could join its neighbours there."""
    decomposed = unicodedata.normalize("NFD", piece)
    stripped = reference._COMBINING.sub("", decomposed)
    if piece and unicodedata.combining(decomposed[0]) or not _starts_boundary(stripped, "NFD"):
        return None
    return unicodedata.normalize("NFC", stripped)


def _piece(early: str, disguised: bool) -> tuple[str, str, int] | None:
    """(folded as most texts are, folded as hangul texts without marks are, flags) of one character
    after the look-alike and invisible replacements that come first, or None if not context-free."""
    if not _starts_boundary(early, "NFKD") or any(map(_mark, early)):
        return None
    piece = unicodedata.normalize("NFKC", early).casefold()
    if disguised:
        piece = piece.translate(reference._CONFUSABLES)
    stripped = _strip_marks(piece)
    if stripped is None:
        return None
    flags = ((HANGUL if reference._HANGUL.search(piece) else 0)
             | (COMBINING if reference._COMBINING.search(piece) else 0))
    return stripped, piece.translate(reference._accent_table()), flags


def fold_entry(code: int) -> tuple[bool, tuple[str, str, int] | None, tuple[str, str, int]] | None:
    """What the compiled folder needs about one code point, or None: it must leave texts with it to Python.

    (look-alike or invisible, folded when the text has none, folded when it has one); each folded
    form is (most texts, hangul texts without marks, flags). :func:`fold` of a text whose every
    character has an entry is the entries' forms for its branch, joined, its spaces collapsed:
    each step of ``fold`` is then per character (``str.translate``, ``casefold``) or a
    normalization, and every piece starts a normalization boundary (:func:`_starts_boundary`), so
    normalizing the text is normalizing the pieces. ``bounded_marks`` leaves such a text alone (it
    has no marks). Unassigned, private-use and surrogate code points are left to Python."""
    char = chr(code)
    if unicodedata.category(char) in ("Cn", "Co", "Cs") or char == SEPARATOR:
        return None
    look_alike = char in reference._DISGUISES
    disguised = _piece(char.translate(reference._INVISIBLE).translate(reference._EARLY_CONFUSABLES), True)
    plain = None if look_alike else _piece(char, False)
    if disguised is None or (plain is None and not look_alike):
        return None
    return look_alike, plain, disguised


def skeleton_table() -> bytes:
    """Per byte, what ``skeletons_joined`` makes of it (255: dropped), for the folder's skeleton pass."""
    table, dropped = reference._SKELETON_ASCII, reference._NOT_LETTER_OR_SEPARATOR_ASCII
    return bytes(next(iter(bytes([b]).translate(table, dropped)), 255) for b in range(256))


# Code points the folder keeps answers for: listings in eight languages use a few thousand (Chinese
# titles most), while a stream of every code point would keep about 30 MB; past the cap a text with a
# code point not yet learned is folded by Python, so the bound costs speed, never a different result.
MAX_LEARNED = 8192


@functools.cache
def _folder() -> object:
    """The one folder of this process; what the compiled code assumes of ``fold`` is checked first."""
    assert _Folder is not None
    for code in range(1, 128):  # the folder reads ASCII itself, as fold does: lower case, no look-alikes
        lower = chr(code).lower()
        assert fold_entry(code) == (False, (lower, lower, 0), (lower, lower, 0)), code
    assert reference.IRREGULAR_SPACING == ("  ", "\n", "\t", "\r", "\x0b", "\x0c") and reference._EURO == "€".encode()
    return _Folder(fold_entry, SPACES, skeleton_table(), MAX_LEARNED)


def _fold_declined(text: str) -> bytes:
    return fold(text.replace(SEPARATOR, " ")).encode()


def fold_batch(texts: Sequence[str]) -> tuple[bytes, bytes]:
    """(``batch.fold_joined(texts)``, ``fold.skeletons_joined`` of it), in one compiled pass; texts the
    folder cannot prove it folds as :func:`fold` does are folded by ``fold``."""
    return _folder().fold_joined(texts if type(texts) is list else list(texts), _fold_declined)
