"""Scoring files without a broker, through the very code path the stream uses.

A JSON-lines file of raw listings goes through :class:`pipeline.scanner.Scanner`
in batches, exactly as records from ``listings.raw`` do; each line yields one
decision line or one dead-letter line. With the same brand profiles and seller
reputation, a listing gets the same decision offline as in the stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import orjson

from pipeline import topics
from pipeline.batches import chunked
from pipeline.brands.profiles import ProfileBook
from pipeline.scanner import Scanner
from pipeline.scoring.model import LogisticModel
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.reputation import ReputationBook, SellerReputation
from pipeline.settings import Settings
from pipeline.types import InputRecord, OutputRecord, Rejection

BATCH = 2000
OFFLINE_OUTPUTS = (topics.DECISIONS.name, topics.DEADLETTER.name)


class StateFileError(ValueError):
    """A brand profile or reputation file that cannot be used as it is."""


def load_profiles(path: Path) -> ProfileBook:
    """The default catalog with the file's profiles applied, each checked as the stream checks it."""
    book = ProfileBook()
    try:
        entries = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise StateFileError(f"{path}: not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise StateFileError(f"{path}: expected a JSON list of brand profiles")
    for index, entry in enumerate(entries):
        key = entry.get("brand_id", "").encode() if isinstance(entry, dict) else None
        outcome = book.apply(key, orjson.dumps(entry))
        if isinstance(outcome, Rejection):
            raise StateFileError(f"{path}: profile #{index} rejected ({outcome.reason}): {outcome.detail}")
    return book


def load_reputation(path: Path, networks: SellerNetworks | None = None) -> ReputationBook:
    """Seller reputation as JSON lines, the values of ``sellers.reputation``; the confirmed
    takedowns reach ``networks`` too, as a worker's reputation follower passes them on."""
    book = ReputationBook()
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if line.strip():
            try:
                seller = SellerReputation.from_dict(orjson.loads(line))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise StateFileError(f"{path}:{number}: not a seller reputation: {exc}") from exc
            book.put(seller)
            if networks is not None:
                networks.record_confirmed(seller.seller_id, seller.confirmed_takedowns)
    return book


def read_lines(source: Path | IO[bytes], name: str | None = None) -> Iterator[InputRecord]:
    """Each line of a file, or of a stream already open (stdin), as a record of ``listings.raw``,
    offset = line number - 1; ``name`` (else the file's) names the source in dead letters."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            yield from read_lines(handle, name or source.name)
        return
    topic = f"file:{name or Path(str(getattr(source, 'name', 'stream'))).name}"
    for offset, line in enumerate(source):
        value = line.rstrip(b"\r\n")
        if value.strip():
            yield InputRecord(topic, 0, offset, _listing_key(value), value)


def _listing_key(value: bytes) -> bytes | None:
    try:
        listing_id = orjson.loads(value).get("listing_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return listing_id.encode() if isinstance(listing_id, str) else None


def score_records(scanner: Scanner, records: Iterable[InputRecord]) -> Iterator[OutputRecord]:
    for batch in chunked(records, BATCH):
        yield from _decisions(scanner, batch)


def _decisions(scanner: Scanner, batch: list[InputRecord]) -> Iterator[OutputRecord]:
    return (o for o in scanner.process(batch).outputs if o.topic in OFFLINE_OUTPUTS)


def offline_scanner(settings: Settings, brands: Path | None = None, reputation: Path | None = None,
                    model: LogisticModel | None = None) -> Scanner:
    """A scanner with the profiles and reputation of these files (else the shipped ones and none),
    and ``model`` (else the shipped one)."""
    catalog = load_profiles(brands).catalog if brands else None
    networks = SellerNetworks()
    return Scanner(settings.scoring, catalog, model, load_reputation(reputation, networks) if reputation else None,
                   networks)


def write_outputs(outputs: Iterable[OutputRecord], out: IO[bytes]) -> dict[str, int]:
    """Each output a line of ``out``; how many decisions and dead letters were written."""
    counts = {"decisions": 0, "deadletter": 0}
    for output in outputs:
        out.write(output.value + b"\n")
        counts["decisions" if output.topic == topics.DECISIONS.name else "deadletter"] += 1
    return counts
