"""The compiled intake path (``native/``, module ``counterscan_native``), and the choice of it.

Decoding, checking and normalizing a listing one at a time in Python costs about a fifth of a
scan worker's CPU; the compiled module does a whole batch of raw records in one call. Python
stays the reference: the module answers only for records it can prove Python would accept and
normalize identically, and ``None`` for the rest, which then take the Python path (so every
dead-letter reason is still Python's). ``COUNTERSCAN_NATIVE`` chooses: ``auto`` uses the module
when it imports, ``on`` demands it, ``off`` never uses it; the same choice folds the batch's text
in the module (:mod:`pipeline.text.native`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType

from pipeline.intake.normalize import _CATEGORY_MEMO, NormalizedListing, canonical_category

MODES = ("auto", "on", "off")

try:
    import counterscan_native as _compiled
except ImportError:  # not built: a checkout without cargo, or an installed wheel without it
    _compiled = None

compiled: ModuleType | None = _compiled


class NativeUnavailable(RuntimeError):
    """``COUNTERSCAN_NATIVE=on`` and the compiled module does not import."""


def use_native(mode: str) -> bool:
    """Whether scanning uses the compiled intake under ``mode`` (one of :data:`MODES`)."""
    if mode not in MODES:
        raise ValueError(f"native mode {mode!r} is not one of {', '.join(MODES)}")
    if mode == "on" and compiled is None:
        raise NativeUnavailable("COUNTERSCAN_NATIVE=on but counterscan_native does not import (run `make install`)")
    return mode != "off" and compiled is not None


def admit_batch(values: Sequence[bytes | None], max_bytes: int,
                rates: Mapping[str, float]) -> list[NormalizedListing | None]:
    """For each raw value, its :class:`NormalizedListing`, or ``None`` where the Python path
    (``decode_listing`` then ``normalize``) must decide."""
    assert compiled is not None
    table = rates if type(rates) is dict else dict(rates)
    return compiled.admit_listings(list(values), max_bytes, table, _CATEGORY_MEMO, canonical_category,
                                   NormalizedListing)
