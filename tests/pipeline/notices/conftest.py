"""Plain-dict notices and decisions for the notice-and-action stages."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from pipeline.notices import NoticePolicy
from pipeline.notices.statements import EU_COUNTRIES


def notice_record(notice_id: str = "n-1", listing_id: str = "L-1", notifier_id: str = "acme-legal",
                  trusted: bool = False, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schema_version": 1, "notice_id": notice_id,
        "notifier": {"id": notifier_id, "name": "Jane Roe", "email": "jane.roe@acme-legal.example",
                     "kind": "trusted_flagger" if trusted else "agent", "trusted_flagger": trusted},
        "listing": {"marketplace": "shopzone", "listing_id": listing_id},
        "right": {"type": "trademark", "holder": "Gucci S.p.A.", "brand": "gucci", "registration": "EUTM 000121988"},
        "explanation": "Counterfeit Gucci bag: the listing says replica, 1:1.",
        "good_faith_statement": "I believe in good faith that this use is not authorised.",
        "attachments": [{"sha256": "ab" * 32, "media_type": "image/jpeg"}],
        "submitted_at": "2026-12-01T10:00:00Z",
    }
    record.update(changes)
    return record


def notice_bytes(**kwargs: Any) -> bytes:
    return orjson.dumps(notice_record(**kwargs))


def decision(listing_id: str = "L-1", route: str = "takedown", revision: int = 0, brand: str | None = "gucci",
             **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "decision_id": f"{revision:02d}" + "a" * 30, "listing_id": listing_id, "marketplace": "shopzone",
        "revision": revision, "seller_id": "seller-77", "brand": brand, "score": 0.97, "route": route,
        "signals": [
            {"name": "counterfeit_terms", "value": 2, "unit": "count", "contribution": 4.1,
             "detail": "counterfeit vocabulary: replica, 1:1"},
            {"name": "price_ratio_to_retail", "value": 0.04, "unit": "ratio", "contribution": 3.2,
             "detail": "price is 4% of Gucci's lowest retail price"},
            {"name": "secondhand", "value": 0, "unit": "condition", "contribution": -0.1, "detail": "not used"},
        ],
        "rules_version": "rules-1", "model_version": "m-1", "decided_at": "2026-12-01T09:00:00Z",
        "observed_at": "2026-11-30T08:00:00Z",
    }
    record.update(changes)
    return record


def outcome(kind: str, listing_id: str = "L-1", n: int = 1, **changes: Any) -> dict[str, Any]:
    return {"schema_version": 1, "outcome_id": f"o-{kind}-{n}", "listing_id": listing_id, "seller_id": "seller-77",
            "outcome": kind, "decided_by": "takedown-service", "decided_at": "2026-12-01T12:00:00Z", **changes}


@pytest.fixture
def policy() -> NoticePolicy:
    return NoticePolicy(pending_window_days=7, appeal_deadline_days=14, territorial_scope=EU_COUNTRIES)
