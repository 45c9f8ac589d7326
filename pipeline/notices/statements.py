"""Statements of reasons for restrictions carried out (DSA Art. 17, Art. 24(5)), and for their reversal.

The seller must learn why: the facts are the decision's own explanation ("price
is 4% of Gucci's lowest retail price; counterfeit vocabulary: replica, 1:1"),
whether the listing was found by a notice, a trusted flagger or the
marketplace's own detection, and whether automated means detected it and took
the decision, stated from the route's provenance rather than assumed. The same
facts, cut of personal data, go to the Transparency Database in its own
submission format (``schemas/statement_of_reasons.v1.json``), so the record on
``enforcement.statements`` is ready for the API as it stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.notices.privacy import scrub
from pipeline.records import stable_id
from pipeline.scoring.explain import describe

EU_COUNTRIES = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
                "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
EEA_COUNTRIES = (*EU_COUNTRIES, "IS", "LI", "NO")
SOURCE_TYPES = {"notice": "SOURCE_ARTICLE_16", "trusted_flagger": "SOURCE_TRUSTED_FLAGGER",
                "own_initiative": "SOURCE_VOLUNTARY"}
AUTOMATED_DECISIONS = {"fully": "AUTOMATED_DECISION_FULLY", "partially": "AUTOMATED_DECISION_PARTIALLY",
                       "not_automated": "AUTOMATED_DECISION_NOT_AUTOMATED"}
LEGAL_GROUND = ("Trade mark infringement: use in the course of trade of a sign identical with or similar to a "
                "registered trade mark for identical goods, Regulation (EU) 2017/1001 Art. 9 and Directive (EU) "
                "2015/2436 Art. 10; counterfeit goods")
REDRESS = ("internal_complaint", "out_of_court_settlement", "judicial_redress")
REDRESS_TEXT = (
    "You can contest this decision: (1) through our internal complaint-handling system, free of charge, for at least "
    "six months from today (DSA Art. 20), by replying to this statement or sending a counter-notice; (2) before a "
    "certified out-of-court dispute settlement body of your choice (DSA Art. 21); (3) before the courts, under the law "
    "that applies.")
SOURCE_WORDS = {"notice": "a notice from the rights holder or its agent (DSA Art. 16)",
                "trusted_flagger": "a notice from a trusted flagger (DSA Art. 22)",
                "own_initiative": "the marketplace's own automated counterfeit detection"}
MAX_FACTS = 5000
MAX_EXPLANATION = 2000


@dataclass(frozen=True, slots=True)
class Provenance:
    """How a restriction came about: who flagged it and which steps a machine took."""

    source: str  # notice, trusted_flagger or own_initiative
    automated_detection: bool  # counterscan's score flagged the listing (route takedown or review)
    automated_decision: str  # fully (automated removal), partially (a person acted on a score), not_automated

    @classmethod
    def of(cls, decision: Mapping[str, Any], source: str, removed_automatically: bool) -> Provenance:
        detected = decision.get("route") in ("takedown", "review")
        if removed_automatically:
            return cls(source, True, "fully")
        return cls(source, detected, "partially" if detected else "not_automated")


def territorial_scope(setting: str) -> list[str]:
    """``EU``, ``EEA`` or comma-separated country codes, as the settings give it."""
    named = {"EU": EU_COUNTRIES, "EEA": EEA_COUNTRIES}.get(setting.strip().upper())
    return list(named) if named else [code.strip().upper() for code in setting.split(",") if code.strip()]


def facts(decision: Mapping[str, Any]) -> list[str]:
    """The decision's reasons as sentences, strongest first; the network signal without the linked seller's id."""
    found = []
    for signal in decision.get("signals", ()):
        if signal.get("contribution", 0) <= 0:
            continue
        if signal["name"] == "network_confirmed_takedowns":
            found.append(describe(signal["name"], signal.get("value"), None, ()))
        elif signal.get("detail"):
            found.append(str(signal["detail"]))
    return found


def statement_id(listing_id: str, decision_id: str | None, kind: str, outcome_id: str | None) -> str:
    return stable_id("statement", listing_id, decision_id or "", kind, outcome_id or "")


def restriction_statement(decision: Mapping[str, Any], provenance: Provenance, *, outcome_id: str | None,
                          applied_at: str, issued_at: str, scope: Sequence[str],
                          personal: Sequence[str | None] = ()) -> dict[str, Any]:
    """The statement of a removal. ``personal`` names identifiers (seller id, notifier name and email) that must
    not reach the database; the seller's own text keeps the listing id, which the seller needs to know."""
    brand = decision.get("brand") or "a protected brand"
    reasons = facts(decision)
    said = "; ".join(reasons) if reasons else "the listing was found to offer counterfeit goods"
    sid = statement_id(decision["listing_id"], decision.get("decision_id"), "restriction", outcome_id)
    detection = "detected by automated means" if provenance.automated_detection else "not detected by automated means"
    deciding = {"fully": "removed by automated means without human review",
                "partially": "removed by a person on the strength of an automated assessment",
                "not_automated": "removed by a person"}[provenance.automated_decision]
    text = (f"Your listing {decision['listing_id']} was removed because it offers counterfeit {brand} goods, which "
            f"infringe the brand's registered trade marks. Why: {said}. It came to our attention through "
            f"{SOURCE_WORDS[provenance.source]}; it was {detection} and {deciding}. {REDRESS_TEXT}")
    forbidden = [decision.get("seller_id"), decision.get("listing_id"), *personal]
    facts_text = scrub(f"Listing offering goods under the {brand} brand found to be counterfeit. Reasons: {said}. "
                       f"Source: {SOURCE_WORDS[provenance.source]}.", forbidden)[:MAX_FACTS]
    submission = {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": LEGAL_GROUND,
        "illegal_content_explanation": scrub(f"The listing offers counterfeit {brand} goods: {said}.",
                                             forbidden)[:MAX_EXPLANATION],
        "content_type": ["CONTENT_TYPE_PRODUCT"],
        "category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "category_specification": ["KEYWORD_TRADEMARK_INFRINGEMENT"],
        "territorial_scope": list(scope),
        "content_date": str(decision.get("observed_at") or applied_at)[:10],
        "application_date": applied_at[:10],
        "decision_facts": facts_text,
        "source_type": SOURCE_TYPES[provenance.source],
        "automated_detection": "Yes" if provenance.automated_detection else "No",
        "automated_decision": AUTOMATED_DECISIONS[provenance.automated_decision],
        "puid": sid,
    }
    return _record(sid, "restriction", decision, provenance, outcome_id, text, submission, issued_at, None)


def reversal_statement(decision: Mapping[str, Any], provenance: Provenance, restriction_id: str | None, *,
                       outcome_id: str | None, issued_at: str) -> dict[str, Any]:
    """The statement recording that a removal was undone after the seller's complaint."""
    sid = statement_id(decision["listing_id"], decision.get("decision_id"), "reversal", outcome_id)
    text = (f"Your complaint about the removal of listing {decision['listing_id']} was upheld: the removal was "
            "reversed and the listing reinstated. The takedown no longer counts against your account. If you "
            f"disagree with any remaining part of the decision: {REDRESS_TEXT}")
    return _record(sid, "reversal", decision, provenance, outcome_id, text, None, issued_at, restriction_id)


def _record(sid: str, kind: str, decision: Mapping[str, Any], provenance: Provenance, outcome_id: str | None,
            text: str, submission: dict[str, Any] | None, issued_at: str, reverses: str | None) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "statement_id": sid,
        "kind": kind,
        "reverses": reverses,
        "listing_id": decision["listing_id"],
        "decision_id": decision.get("decision_id"),
        "outcome_id": outcome_id,
        "brand": decision.get("brand"),
        "source": provenance.source,
        "automated_detection": provenance.automated_detection,
        "automated_decision": provenance.automated_decision,
        "seller_notice": {"text": text, "redress": list(REDRESS)},
        "submission": submission,
        "issued_at": issued_at,
    }
