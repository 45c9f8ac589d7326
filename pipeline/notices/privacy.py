"""Keeping personal data out of what leaves for the Transparency Database (DSA Art. 24(5)).

Statements of reasons are published by the Commission; the database's own
documentation asks platforms to submit no personal data at all. Facts are
built from signal explanations, which may quote listing text (a seller's phone
number in a description, a linked seller's id); everything that looks like
contact data, and every identifier the caller names, is cut out here, once,
before a statement is assembled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"
_PATTERNS = (
    re.compile(r"[^\s@<>()\[\],;:]+@[^\s@<>()\[\],;:]+\.[A-Za-z]{2,}"),  # email addresses
    re.compile(r"(?i)\b(?:https?://|www\.)\S+"),  # links, which may carry user names and ids
    re.compile(r"(?<![\w.])\+?\d[\d\s().-]{6,}\d(?![\w.])"),  # phone numbers: 8+ digits with separators
    re.compile(r"(?i)@[a-z0-9_.]{3,}"),  # handles on messaging apps
)


def scrub(text: str, identifiers: Iterable[str | None] = ()) -> str:
    """``text`` without contact data and without any of ``identifiers`` (seller ids, notifier names)."""
    for identifier in sorted((i for i in identifiers if i and len(i) >= 3), key=len, reverse=True):
        text = re.sub(re.escape(identifier), REDACTED, text, flags=re.IGNORECASE)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def contains_personal_data(text: str, identifiers: Iterable[str | None] = ()) -> bool:
    return scrub(text, identifiers) != text
