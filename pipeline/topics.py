"""Every Kafka topic counterscan reads or writes, defined once.

Partition counts are explicit because they cap how many workers can share the
load; 12 divides evenly among 1, 2, 3, 4, 6 and 12 workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

DAY_MS = 24 * 3600 * 1000
HOT_PARTITIONS = 12


def _config(**entries: str) -> Mapping[str, str]:
    return MappingProxyType({k.replace("_", "."): v for k, v in entries.items()})


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic's name, partitions and configuration: defined once, created by ``counterscan topics create``."""

    name: str
    partitions: int
    key: str
    description: str
    schema: str | None = None
    config: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    producers: tuple[str, ...] = ()  # who writes it: counterscan's roles, or the services around it
    consumers: tuple[str, ...] = ()  # who reads it

    @property
    def compacted(self) -> bool:
        return self.config.get("cleanup.policy") == "compact"


LISTINGS_RAW = TopicSpec(
    "listings.raw", HOT_PARTITIONS, "listing id",
    "new and changed listings from scanners and marketplace feeds",
    "listing.raw.v1.json", _config(retention_ms=str(7 * DAY_MS)),
    producers=("scanners", "marketplace feeds"), consumers=("counterscan scan workers",),
)
DECISIONS = TopicSpec(
    "listings.decisions", HOT_PARTITIONS, "listing id",
    "one decision per listing revision: route, score, signals; the audit trail",
    "decision.v1.json", _config(retention_ms=str(90 * DAY_MS)),
    producers=("counterscan scan workers",), consumers=("audit and analytics services",),
)
TAKEDOWN = TopicSpec(
    "suspects.takedown", HOT_PARTITIONS, "listing id",
    "high-confidence suspects as takedown notices",
    "takedown_notice.v1.json", _config(retention_ms=str(90 * DAY_MS)),
    producers=("counterscan scan workers",), consumers=("takedown services",),
)
REVIEW = TopicSpec(
    "suspects.review", HOT_PARTITIONS, "listing id",
    "medium-confidence suspects for human review queues",
    "review_request.v1.json", _config(retention_ms=str(30 * DAY_MS)),
    producers=("counterscan scan workers",), consumers=("review tools", "counterscan console"),
)
# A dead letter carries at most this many bytes of the original (pipeline/records.py): a record
# the broker refused to store would stall its partition forever. In base64 with its JSON it stays
# under twice that, the topic's max.message.bytes (above the broker's usual 1 MB limit).
DEADLETTER_ORIGINAL_BYTES = 1_048_576
DEADLETTER = TopicSpec(
    "listings.deadletter", 3, "listing id or null",
    "records that could not be processed, with the original bytes and a reason code",
    "deadletter.v1.json",
    _config(retention_ms=str(30 * DAY_MS), max_message_bytes=str(2 * DEADLETTER_ORIGINAL_BYTES)),
    producers=("counterscan scan and feedback workers",), consumers=("operators",),
)
OUTCOMES = TopicSpec(
    "enforcement.outcomes", 6, "listing id",
    "what takedown services and reviewers concluded",
    "enforcement_outcome.v1.json",
    producers=("takedown services", "reviewers", "counterscan console"), consumers=("counterscan feedback workers",),
)
BRAND_PROFILES = TopicSpec(
    "brands.profiles", 1, "brand id",
    "brand protection profiles, editable at run time",
    "brand_profile.v1.json", config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("brand-protection teams",), consumers=("counterscan scan workers",),
)
EXCHANGE_RATES = TopicSpec(
    "reference.exchange_rates", 1, "table name (usd)",
    "the USD exchange-rate table with its as_of date, replacing the shipped one at run time",
    "exchange_rates.v1.json", config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("operators",), consumers=("counterscan scan workers",),
)
OUTCOMES_BY_SELLER = TopicSpec(
    "counterscan.outcomes-by-seller", 6, "seller id",
    "internal: enforcement outcomes re-keyed by seller, so one worker owns each seller's reputation",
    "enforcement_outcome.v1.json", _config(retention_ms=str(7 * DAY_MS)),
    producers=("counterscan feedback workers",), consumers=("counterscan feedback workers",),
)
SELLER_REPUTATION = TopicSpec(
    "sellers.reputation", 6, "seller id",
    "changelog of seller state built from outcomes",
    config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("counterscan feedback workers",), consumers=("counterscan scan and feedback workers",),
)

SUSPECTS_SELLERS = TopicSpec(
    "suspects.sellers", 6, "seller id",
    "seller-level recommendations: repeat infringers and accounts of repeat-infringer networks, with evidence",
    "seller_recommendation.v1.json", _config(retention_ms=str(90 * DAY_MS)),
    producers=("counterscan feedback workers",), consumers=("trust-and-safety teams",),
)
SELLER_LINKS = TopicSpec(
    "sellers.links", 6, "seller id|kind:point",
    "changelog of seller-to-contact-point and seller-to-image links that form seller networks",
    "seller_link.v1.json", config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("counterscan scan workers",), consumers=("counterscan scan and feedback workers",),
)
MODELS = TopicSpec(
    "models.scoring", 1, "model id",
    "scoring models with their status (live decides, shadow scores beside it, retired neither) and provenance",
    "model.v1.json", config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("counterscan models publish, promote and retire",), consumers=("counterscan scan workers",),
)

# Notice and action (DSA Art. 16-24): notices in, receipts and statements of reasons out, appeals closed.
NOTICES_INBOUND = TopicSpec(
    "notices.inbound", HOT_PARTITIONS, "listing id",
    "notices from brand owners, their agents and trusted flaggers (DSA Art. 16, Art. 22)",
    "notice.v1.json", _config(retention_ms=str(90 * DAY_MS)),
    producers=("brand owners", "agents", "trusted flaggers"), consumers=("counterscan notice workers",),
)
NOTICE_RECEIPTS = TopicSpec(
    "notices.receipts", 6, "notifier id",
    "receipts of notices and the decisions on them, for their notifiers (DSA Art. 16(4), 16(5))",
    "notice_receipt.v1.json", _config(retention_ms=str(90 * DAY_MS)),
    producers=("counterscan notice workers",), consumers=("notifier portals",),
)
NOTICES_ROUTED = TopicSpec(
    "notices.routed", HOT_PARTITIONS, "listing id",
    "valid notices joined with the listing's latest decision, with a priority, for notice handlers",
    "routed_notice.v1.json", _config(retention_ms=str(90 * DAY_MS)),
    producers=("counterscan notice workers",), consumers=("notice handlers", "review tools"),
)
STATEMENTS = TopicSpec(
    "enforcement.statements", 6, "listing id",
    "statements of reasons for restrictions carried out and their reversals (DSA Art. 17, Art. 24(5))",
    "enforcement_statement.v1.json", _config(retention_ms=str(400 * DAY_MS)),
    producers=("counterscan notice workers",), consumers=("seller messaging", "`counterscan statements export`"),
)
APPEALS = TopicSpec(
    "enforcement.appeals", 6, "listing id",
    "sellers' complaints against restrictions, latest state per listing, with their deadlines (DSA Art. 20)",
    "appeal_case.v1.json", config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("counterscan notice workers",), consumers=("complaint handlers", "counterscan notice workers"),
)
NOTIFIER_REPUTATION = TopicSpec(
    "notifiers.reputation", 6, "notifier id",
    "per notifier: notices sent, upheld, rejected, counter-noticed and reinstated (DSA Art. 23(2))",
    "notifier_reputation.v1.json", config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("counterscan notice workers",), consumers=("counterscan notice workers", "notifier programmes"),
)
NOTIFIERS_FLAGGED = TopicSpec(
    "notifiers.flagged", 6, "notifier id",
    "notifiers found to send manifestly unfounded notices, and cleared again (DSA Art. 23(2))",
    "notifier_flag.v1.json", _config(retention_ms=str(400 * DAY_MS)),
    producers=("counterscan notice workers",), consumers=("trust-and-safety teams",),
)
OUTCOMES_BY_LISTING = TopicSpec(
    "counterscan.outcomes-by-listing", HOT_PARTITIONS, "listing id",
    "internal: enforcement outcomes on the partitions of listings.decisions, beside the listing's notices",
    "enforcement_outcome.v1.json", _config(retention_ms=str(7 * DAY_MS)),
    producers=("counterscan notice workers",), consumers=("counterscan notice workers",),
)
NOTIFIER_EVENTS = TopicSpec(
    "counterscan.notifier-events", 6, "notifier id",
    "internal: what became of each notice, keyed by notifier, so one worker owns each notifier's record",
    None, _config(retention_ms=str(7 * DAY_MS)),
    producers=("counterscan notice workers",), consumers=("counterscan notice workers",),
)
NOTICE_TOPICS: tuple[TopicSpec, ...] = (
    NOTICES_INBOUND, NOTICE_RECEIPTS, NOTICES_ROUTED, STATEMENTS, APPEALS, NOTIFIER_REPUTATION, NOTIFIERS_FLAGGED,
    OUTCOMES_BY_LISTING, NOTIFIER_EVENTS,
)
REVIEW_CLAIMS = TopicSpec(
    "console.claims", 1, "review id",
    "which reviewer has a review item open, until when, and escalations; shared by every console process",
    "review_claim.v1.json", config=_config(cleanup_policy="compact", min_compaction_lag_ms="0"),
    producers=("counterscan console",), consumers=("counterscan console",),
)

# What a scan worker reads from the beginning before it scans: the state it decides with.
SCAN_STATE: tuple[TopicSpec, ...] = (BRAND_PROFILES, EXCHANGE_RATES, SELLER_REPUTATION, SELLER_LINKS, MODELS)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    LISTINGS_RAW, DECISIONS, TAKEDOWN, REVIEW, DEADLETTER, OUTCOMES, OUTCOMES_BY_SELLER, BRAND_PROFILES,
    EXCHANGE_RATES, SELLER_REPUTATION, SELLER_LINKS, SUSPECTS_SELLERS, MODELS, REVIEW_CLAIMS,
    *NOTICE_TOPICS,
)
