"""Statements of reasons cut into the batches the Transparency Database's API takes.

The database's multiple-statements endpoint accepts at most 100 statements a
call, and refuses the whole call if one of them fails its validation, so each
statement is checked against ``schemas/statement_of_reasons.v1.json`` before
it joins a batch: one that fails is left out, with its reason, and never
exported. Reversals have no submission (the database records restrictions)
and are not exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pipeline.batches import chunked
from pipeline.intake.validation import validator

API_BATCH = 100
_STATEMENT = validator("statement_of_reasons.v1.json")


class Refused(NamedTuple):
    """A statement left out of the export, and why."""

    statement_id: str
    detail: str


class Export(NamedTuple):
    """Batches ready to post (each ``{"statements": [...]}``) and the statements refused."""

    batches: list[dict[str, list[dict[str, Any]]]]
    refused: list[Refused]


def submission_errors(submission: Mapping[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.instance_path)) or '(record)'}: {e.message}"[:300]
            for e in _STATEMENT.iter_errors(dict(submission))]


def export_batches(statements: Iterable[Mapping[str, Any]], size: int = API_BATCH) -> Export:
    """Each restriction's submission once (by puid, the latest wins), valid ones in batches of ``size``."""
    if not 1 <= size <= API_BATCH:
        raise ValueError(f"the API takes 1 to {API_BATCH} statements a call, not {size}")
    latest: dict[str, Mapping[str, Any]] = {}
    refused: list[Refused] = []
    for record in statements:
        submission = record.get("submission")
        if record.get("kind") != "restriction" or not isinstance(submission, Mapping):
            continue
        errors = submission_errors(submission)
        if errors:
            refused.append(Refused(str(record.get("statement_id")), "; ".join(errors[:3])))
            continue
        latest[str(submission["puid"])] = submission
    batches = [{"statements": [dict(s) for s in chunk]} for chunk in chunked(list(latest.values()), size)]
    return Export(batches, refused)
