"""Hand-labeled listings kept together with their labels: the corpus detection is judged on.

A corpus file holds one JSON object a line: ``label`` (``counterfeit`` or
``genuine``), ``subtype`` (what kind of listing it is: a secondhand sale from
a new account, a quiet replica...), ``language``, ``brand`` (the catalog brand
it concerns, or null), a ``note`` saying why it carries its label, and the
``listing`` itself as a marketplace publishes it on ``listings.raw``. A
corpus is a file or a directory of them, read in name order and, within a
file, in line order: that order is the order listings arrive in, which is
what lets an earlier takedown in a seller network inform a later listing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pipeline.offline.labeled_run import GroundTruth, LabelFileError, read_ground_truth
from pipeline.offline.training import LabeledListing
from pipeline.types import InputRecord

__all__ = ["Corpus", "CorpusError", "load_corpus", "load_labeled"]

LABELS = ("counterfeit", "genuine")
_REQUIRED = ("label", "subtype", "language", "listing")


class CorpusError(LabelFileError):
    """A corpus line that is not a labeled listing: the message names the file and line."""


@dataclass(frozen=True)
class Corpus:
    """Labeled listings in arrival order."""

    rows: Sequence[Mapping[str, Any]]
    values: Sequence[bytes]  # each listing as the JSON a marketplace would publish

    @property
    def listing_ids(self) -> list[str]:
        return [row["listing"]["listing_id"] for row in self.rows]

    @property
    def truth(self) -> GroundTruth:
        return GroundTruth({row["listing"]["listing_id"]: {
            "listing_id": row["listing"]["listing_id"], "label": row["label"], "brand": row.get("brand"),
            "subtype": row["subtype"], "language": row["language"], "marketplace": row["listing"].get("marketplace"),
            "seller_id": (row["listing"].get("seller") or {}).get("id"),
        } for row in self.rows})

    def labeled(self) -> list[LabeledListing]:
        """The listings as training reads them."""
        return [LabeledListing(row["listing"]["listing_id"], value, row["label"],
                               str((row["listing"].get("seller") or {}).get("id", "")))
                for row, value in zip(self.rows, self.values)]

    def records(self) -> list[InputRecord]:
        """The listings as records of ``listings.raw``, keyed by listing id."""
        return [InputRecord("corpus", 0, offset, listing_id.encode(), value)
                for offset, (listing_id, value) in enumerate(zip(self.listing_ids, self.values))]

    def folds(self, k: int, seed: int = 0) -> list[frozenset[str]]:
        """``k`` disjoint sets of listing ids covering the corpus, each with about the same share
        of every (label, subtype): a held-out fold looks like the whole."""
        strata: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in self.rows:
            strata[(row["label"], row["subtype"])].append(row["listing"]["listing_id"])
        rng = random.Random(seed)
        folds: list[set[str]] = [set() for _ in range(k)]
        turn = 0
        for key in sorted(strata):
            ids = strata[key]
            rng.shuffle(ids)
            for listing_id in ids:  # dealt round-robin, continuing across strata so folds stay level
                folds[turn % k].add(listing_id)
                turn += 1
        return [frozenset(f) for f in folds]


def load_corpus(path: Path) -> Corpus:
    """A corpus file, or every ``*.jsonl`` of a directory in name order."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"{path}: no corpus files (*.jsonl)")
    rows: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for file in files:
        for number, line in enumerate(file.read_bytes().splitlines(), 1):
            if not line.strip():
                continue
            where = f"{file}:{number}"
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not JSON ({exc})") from exc
            missing = [f for f in _REQUIRED if not isinstance(row, dict) or f not in row]
            if missing:
                raise CorpusError(f"{where}: missing {', '.join(missing)}")
            if row["label"] not in LABELS:
                raise CorpusError(f"{where}: label must be one of {', '.join(LABELS)}, not {row['label']!r}")
            listing_id = row["listing"].get("listing_id") if isinstance(row["listing"], dict) else None
            if not isinstance(listing_id, str) or listing_id in seen:
                raise CorpusError(f"{where}: listing needs a listing_id of its own, got {listing_id!r}")
            seen.add(listing_id)
            rows.append(row)
    return Corpus(tuple(rows), tuple(orjson.dumps(row["listing"]) for row in rows))


def load_labeled(source: str) -> list[LabeledListing]:
    """Labeled listings from a corpus file or directory, or from ``LISTINGS:LABELS`` files
    (listings a line; labels as ``counterscan generate --labels`` writes them)."""
    path = Path(source)
    if path.exists():
        return load_corpus(path).labeled()
    listings, sep, labels = source.rpartition(":")
    if not sep or not Path(listings).is_file() or not Path(labels).is_file():
        raise CorpusError(f"{source}: neither a corpus file or directory nor LISTINGS:LABELS of two files")
    truth = read_ground_truth(Path(labels)).rows
    labeled = []
    for number, line in enumerate(Path(listings).read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            listing = orjson.loads(line)
            listing_id = listing["listing_id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue  # a malformed listing has no label to learn from; scoring dead-letters it
        row = truth.get(listing_id)
        if row is not None and row.get("label") in LABELS:
            labeled.append(LabeledListing(listing_id, line, row["label"], str((listing.get("seller") or {}).get("id", ""))))
    return labeled
