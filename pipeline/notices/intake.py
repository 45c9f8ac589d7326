"""Notices from brand owners, their agents and trusted flaggers, checked against DSA Art. 16(2).

A notice that lacks an element Art. 16(2) requires is not valid, but it is not
dropped either: the notifier must learn what to add, so it becomes an
:class:`Incomplete` (a receipt naming the missing elements, and its original on
the dead-letter topic). Only a record that names no notice or no notifier has
no one to answer and is a plain :class:`~pipeline.types.Rejection`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pipeline.intake.validation import decode_object, validate, validator
from pipeline.types import Reason, Rejection

MAX_NOTICE_BYTES = 256 * 1024
_NOTICE = validator("notice.v1.json")

# Art. 16(2): (a) explanation and the right relied on, (b) location, (c) name and email, (d) good faith
ART_16_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("explanation", "Art. 16(2)(a): a substantiated explanation of why the listing infringes"),
    ("right", "Art. 16(2)(a): the right relied on and its holder"),
    ("listing", "Art. 16(2)(b): the exact location (the listing's URL or id, and the marketplace)"),
    ("notifier.name", "Art. 16(2)(c): the notifier's name"),
    ("notifier.email", "Art. 16(2)(c): the notifier's email address"),
    ("good_faith_statement", "Art. 16(2)(d): a statement of good-faith belief that the notice is accurate"),
)


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice with everything Art. 16(2) asks for; ``record`` is the validated record."""

    notice_id: str
    notifier_id: str
    trusted_flagger: bool
    listing_id: str
    marketplace: str
    record: dict[str, Any]

    @property
    def source(self) -> str:
        return "trusted_flagger" if self.trusted_flagger else "notice"


@dataclass(frozen=True, slots=True)
class Incomplete:
    """A notice missing Art. 16(2) elements: answered with what is missing, then dead-lettered."""

    notice_id: str
    notifier_id: str
    listing_id: str | None
    missing: tuple[str, ...]

    @property
    def rejection(self) -> Rejection:
        return Rejection(Reason.MISSING_FIELD, "notice lacks " + "; ".join(self.missing))


def _present(record: dict[str, Any], path: str) -> bool:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    if path == "listing":
        return isinstance(value, dict) and bool(value.get("marketplace")) and bool(
            value.get("listing_id") or value.get("url"))
    if path == "right":
        return isinstance(value, dict) and bool(value.get("type")) and bool(value.get("holder"))
    return not (value is None or (isinstance(value, str) and not value.strip()))


def listing_id_of(location: dict[str, Any]) -> str | None:
    """The listing a notice points at: its id, else the last path segment of its URL."""
    if location.get("listing_id"):
        return str(location["listing_id"])
    path = urlsplit(str(location.get("url") or "")).path.rstrip("/")
    return path.rsplit("/", 1)[-1] or None


def parse_notice(value: bytes | None) -> Notice | Incomplete | Rejection:
    decoded = decode_object(value, MAX_NOTICE_BYTES, None)
    if isinstance(decoded, Rejection):
        return decoded
    notice_id, notifier = decoded.get("notice_id"), decoded.get("notifier")
    notifier_id = notifier.get("id") if isinstance(notifier, dict) else None
    if not isinstance(notice_id, str) or not notice_id or not isinstance(notifier_id, str) or not notifier_id:
        return Rejection(Reason.MISSING_FIELD, "a notice needs notice_id and notifier.id: there is no one to answer")
    missing = tuple(text for path, text in ART_16_ELEMENTS if not _present(decoded, path))
    location = decoded.get("listing") if isinstance(decoded.get("listing"), dict) else {}
    if missing:
        return Incomplete(notice_id, notifier_id, listing_id_of(location), missing)
    checked = validate(decoded, _NOTICE)
    if isinstance(checked, Rejection):
        return checked
    listing_id = listing_id_of(location)
    if listing_id is None:
        return Incomplete(notice_id, notifier_id, None, (ART_16_ELEMENTS[2][1],))
    trusted = bool(notifier.get("trusted_flagger")) or notifier.get("kind") == "trusted_flagger"
    return Notice(notice_id, notifier_id, trusted, listing_id, str(location["marketplace"]), checked)
