"""The records counterscan writes, shaped exactly as the contracts in ``schemas/`` say."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from pipeline import topics
from pipeline.brands.catalog import BrandProfile
from pipeline.intake.normalize import NormalizedListing
from pipeline.types import Rejection, Route

SCHEMA_VERSION = 1
MAX_REASONS = 4
MAX_DEADLETTER_ORIGINAL = topics.DEADLETTER_ORIGINAL_BYTES  # why a cap, and why this one: pipeline/topics.py


def stable_id(*parts: str) -> str:
    """The same parts, the same id, in every process and on every run: what makes an output
    recognisable when it is written again after a redelivery."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def decision_id(marketplace: str, listing_id: str, revision: int, rules_version: str) -> str:
    """Same listing revision under the same rules, same id: redeliveries are recognisable."""
    return stable_id(marketplace, listing_id, str(revision), rules_version)


def decision_record(
    listing: NormalizedListing, *, brand: str | None, score: float, route: Route,
    signals: list[dict[str, Any]], rules_version: str, model_version: str, decided_at: str,
    features: dict[str, float] | None = None, shadow: dict[str, Any] | None = None,
) -> dict[str, Any]:
    record = {
        "schema_version": SCHEMA_VERSION,
        "decision_id": decision_id(listing.marketplace, listing.listing_id, listing.revision, rules_version),
        "listing_id": listing.listing_id,
        "marketplace": listing.marketplace,
        "revision": listing.revision,
        "seller_id": listing.seller_id,
        "brand": brand,
        "score": round(score, 6),
        "route": route.value,
        "signals": signals,
        "rules_version": rules_version,
        "model_version": model_version,
        "decided_at": decided_at,
        "observed_at": listing.observed_at_text,
    }
    if features is not None:
        record["features"] = features
    if shadow is not None:
        record["shadow"] = shadow
    return record


def reasons(decision: dict[str, Any]) -> list[str]:
    """The signals that raised the score, as sentences, strongest first."""
    raising = [s for s in decision["signals"] if s["contribution"] > 0]
    return [s["detail"] for s in raising[:MAX_REASONS]]


GOOD_FAITH = (
    "The notifier has a good-faith belief that the use of the trademark described above is not "
    "authorized by the rights holder, its agent or the law, and that the information in this notice "
    "is accurate."
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a takedown notice cites beyond the signals."""

    listing_price_usd: float
    reference_price_usd: float | None
    matched_image_hashes: tuple[str, ...]
    counterfeit_terms: tuple[str, ...]


def takedown_notice(decision: dict[str, Any], url: str | None, profile: BrandProfile, evidence: Evidence,
                    notifier: tuple[str, str]) -> dict[str, Any]:
    found = reasons(decision)
    return {
        "schema_version": SCHEMA_VERSION,
        "notice_id": decision["decision_id"],
        "decision_id": decision["decision_id"],
        "listing_id": decision["listing_id"],
        "marketplace": decision["marketplace"],
        "seller_id": decision["seller_id"],
        "brand": decision["brand"],
        "score": decision["score"],
        "location": {"url": url, "marketplace": decision["marketplace"], "listing_id": decision["listing_id"],
                     "seller_id": decision["seller_id"]},
        "rights": {"brand_id": profile.brand_id, "brand": profile.display_name, "right": "trademark",
                   "holder": profile.rights_holder, "registrations": list(profile.trademarks)},
        "explanation": (
            f"The listing is likely to offer counterfeit {profile.display_name} goods "
            f"(estimated probability {decision['score']:.0%}) because: " + "; ".join(found) + "."
        ),
        "reasons": found,
        "evidence": {
            "signals": decision["signals"],
            "listing_price_usd": round(evidence.listing_price_usd, 2),
            "reference_price_usd": evidence.reference_price_usd,
            "matched_image_hashes": list(evidence.matched_image_hashes),
            "counterfeit_terms": list(evidence.counterfeit_terms),
        },
        "notifier": {"name": notifier[0], "email": notifier[1]},
        "good_faith_statement": GOOD_FAITH,
        "automation": {"detected_by_automated_means": True, "decided_by_automated_means": True,
                       "system": f"counterscan {decision['rules_version']} / {decision['model_version']}"},
        "rules_version": decision["rules_version"],
        "model_version": decision["model_version"],
        "issued_at": decision["decided_at"],
    }


def review_request(decision: dict[str, Any], url: str | None, priority: float | None = None,
                   priority_parts: dict[str, float] | None = None) -> dict[str, Any]:
    """A request for review; ``priority`` (:mod:`pipeline.scoring.priority`) is what the review is
    worth, the score when not given."""
    return {
        "schema_version": SCHEMA_VERSION,
        "review_id": decision["decision_id"],
        "decision_id": decision["decision_id"],
        "listing_id": decision["listing_id"],
        "marketplace": decision["marketplace"],
        "url": url,
        "seller_id": decision["seller_id"],
        "brand": decision["brand"],
        "score": decision["score"],
        "reasons": reasons(decision),
        "priority": decision["score"] if priority is None else priority,
        **({"priority_parts": priority_parts} if priority_parts is not None else {}),
        "rules_version": decision["rules_version"],
        "requested_at": decision["decided_at"],
    }


def deadletter_record(
    rejection: Rejection, *, topic: str, partition: int, offset: int, key: bytes | None,
    value: bytes | None, failed_at: str,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "reason": rejection.reason.value,
        "detail": rejection.detail,
        "source": {
            "topic": topic, "partition": partition, "offset": offset,
            "key": None if key is None else key.decode("utf-8", errors="replace"),
        },
        "original_b64": base64.b64encode((value or b"")[:MAX_DEADLETTER_ORIGINAL]).decode("ascii"),
        "original_size": len(value or b""),
        "original_truncated": len(value or b"") > MAX_DEADLETTER_ORIGINAL,
        "failed_at": failed_at,
    }
