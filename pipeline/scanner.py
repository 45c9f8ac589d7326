"""normalize -> score -> route for a batch of raw Kafka records, with no I/O.

The agent hands in what ``getmany()`` returned and produces what comes back;
this module decides. Every input yields exactly one output on
``listings.decisions`` or ``listings.deadletter`` (plus a notice or review
request for suspects), so the agent can commit the batch once all are acknowledged.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from time import perf_counter
from typing import Any

import numpy as np
import orjson

from pipeline import topics
from pipeline.brands.catalog import BrandCatalog
from pipeline.intake.currency import RateTable, load_rate_table
from pipeline.intake.native import admit_batch, use_native
from pipeline.intake.normalize import NormalizedListing, normalize
from pipeline.intake.validation import decode_listing
from pipeline.records import (
    Evidence,
    deadletter_record,
    decision_record,
    review_request,
    takedown_notice,
)
from pipeline.scoring.explain import explain_batch
from pipeline.scoring.model import LogisticModel, default_model, model_inputs
from pipeline.scoring.priority import WEIGHTS, brand_values, review_priorities
from pipeline.scoring.routing import route, thresholds
from pipeline.scoring.signals import SIGNALS, SignalBatch, SignalExtractor
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.networks.types import Link
from pipeline.sellers.reputation import ReputationBook
from pipeline.settings import ScoringSettings
from pipeline.timestamps import format_timestamp, utc_now
from pipeline.types import ConsumedRecord, OutputRecord, Reason, Rejection, Route

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BatchResult:
    """What one batch produced: its output records, and the counts the metrics and the seller changelog need."""

    outputs: list[OutputRecord] = field(default_factory=list)
    decisions: int = 0
    deadletters: int = 0
    routes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (route, brand id or "none")
    reasons: Counter[str] = field(default_factory=Counter)
    scores: list[float] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # normalize, score, route
    stage_counts: dict[str, int] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)  # new seller links learned: for the sellers.links changelog
    shadow_changes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (live route, shadow route) where they differ


class Scanner:
    """Normalizes, scores and routes one batch of consumed records, with no I/O.

    Owns the brand catalog, model, seller reputation and networks it scores with; every input
    yields exactly one decision or dead letter, so the caller can commit once all are acknowledged."""

    def __init__(self, settings: ScoringSettings, catalog: BrandCatalog | None = None,
                 model: LogisticModel | None = None, reputation: ReputationBook | None = None,
                 networks: SellerNetworks | None = None) -> None:
        """``reputation`` and ``networks`` are the seller state the caller keeps current (from
        ``sellers.reputation`` and ``sellers.links``); the scanner reads both and adds the links
        it learns from the listings it scores to ``networks`` (and to ``BatchResult.links``)."""
        self.settings = settings
        self.catalog = catalog or BrandCatalog.load()
        self.reputation = reputation if reputation is not None else ReputationBook()
        self.networks = networks if networks is not None else SellerNetworks()
        # the compiled intake and text folding; Python's for what they decline
        self.native = use_native(settings.native)
        self.extractor = SignalExtractor(self.catalog, self.reputation, self.networks, self.native)
        self.model = model or (LogisticModel.load(settings.model_file) if settings.model_file else default_model())
        self.shadow: LogisticModel | None = None  # scores beside the model, decides nothing
        self.labels_per_brand: dict[str, int] = {}  # outcome labels the model was trained on, for review priority
        self.brand_values = brand_values(self.catalog)
        table = load_rate_table(settings.exchange_rates_file)
        self.rates = table.rates
        self.rates_as_of = table.as_of  # None when the configured file gives no date

    def use_rates(self, table: RateTable) -> None:
        """Exchange rates changed at run time; batches from now on convert with them."""
        self.rates, self.rates_as_of = table.rates, table.as_of

    def use_catalog(self, catalog: BrandCatalog) -> None:
        """Brand profiles changed at run time; batches from now on use them."""
        self.catalog = catalog
        self.extractor = SignalExtractor(catalog, self.reputation, self.networks, self.native)
        self.brand_values = brand_values(catalog)

    def use_models(self, live: LogisticModel, shadow: LogisticModel | None,
                   labels_per_brand: dict[str, int] | None = None) -> None:
        """Models changed at run time (``models.scoring``); batches from now on decide with ``live``
        and score with ``shadow`` beside it."""
        self.model, self.shadow = live, shadow
        self.labels_per_brand = dict(labels_per_brand or {})

    def process(self, records: Sequence[ConsumedRecord], now: datetime | None = None) -> BatchResult:
        stamp = format_timestamp(now or utc_now())
        result = BatchResult()
        valid: list[tuple[ConsumedRecord, NormalizedListing]] = []
        started = perf_counter()
        admitted = (admit_batch([r.value for r in records], self.settings.max_record_bytes, self.rates)
                    if self.native else [None] * len(records))
        for record, listing in zip(records, admitted):
            outcome = self._admit(record) if listing is None else listing
            if isinstance(outcome, Rejection):
                self._deadletter(result, record, outcome, stamp)
            else:
                valid.append((record, outcome))
        result.stage_seconds["normalize"] = perf_counter() - started
        result.stage_counts["normalize"] = len(records)
        try:
            self._decide(result, valid, stamp)
        except Exception:  # one listing broke the batch math: isolate it, keep the rest
            log.exception("batch scoring failed; scoring %d listings one by one", len(valid))
            for item in valid:
                try:
                    self._decide(result, [item], stamp)
                except Exception as exc:
                    self._deadletter(result, item[0], Rejection(Reason.PROCESSING_ERROR, repr(exc)[:300]), stamp)
        return result

    def _admit(self, record: ConsumedRecord) -> NormalizedListing | Rejection:
        decoded = decode_listing(record.value, self.settings.max_record_bytes, self.rates)
        if isinstance(decoded, Rejection):
            return decoded
        try:
            return normalize(decoded, self.rates)
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            return Rejection(Reason.PROCESSING_ERROR, f"normalization failed: {exc!r}"[:300])

    def _decide(self, result: BatchResult, batch: list[tuple[ConsumedRecord, NormalizedListing]], stamp: str) -> None:
        if not batch:
            return
        listings = [listing for _, listing in batch]
        started = perf_counter()
        signals = self.extractor.extract(listings)
        contributions = self.model.contributions(signals.features)
        scores = self.model.scores(contributions)
        scored = perf_counter()
        take_at, review_at = thresholds(self.catalog, signals.brand_ids, self.settings.takedown_threshold,
                                        self.settings.review_threshold)
        routes = route(scores, take_at, review_at, signals.authorized, signals.must_review, signals.evidence)
        shadow = self._shadow(result, signals, take_at, review_at, routes)
        reviewed = [i for i, r in enumerate(routes) if r is Route.REVIEW]
        priorities, parts = self._priorities(reviewed, scores, take_at, review_at, signals)
        outputs: list[OutputRecord] = []
        shown = [self.catalog.profiles[b].display_name if b else None for b in signals.brand_ids]
        explained = explain_batch(signals.values, contributions, shown, signals.terms, signals.network)
        inputs = model_inputs(signals.features)
        score_list = scores.tolist()
        for i, listing in enumerate(listings):
            brand = signals.brand_ids[i]
            decision = decision_record(
                listing, brand=brand, score=score_list[i], route=routes[i], signals=explained[i],
                rules_version=self.settings.rules_version, model_version=self.model.version, decided_at=stamp,
                features=inputs[i], shadow=shadow[i] if shadow else None,
            )
            key = listing.listing_id.encode()
            outputs.append(OutputRecord(topics.DECISIONS.name, key, orjson.dumps(decision)))
            if routes[i] is Route.TAKEDOWN:
                reference = float(signals.reference_usd[i])
                evidence = Evidence(listing.price_usd, None if reference != reference else round(reference, 2),
                                    tuple(h for h in (signals.image_matches[i],) if h), tuple(signals.terms[i]))
                notice = takedown_notice(decision, listing.url, self.catalog.profiles[brand], evidence,
                                         (self.settings.notifier_name, self.settings.notifier_email))
                outputs.append(OutputRecord(topics.TAKEDOWN.name, key, orjson.dumps(notice)))
            elif routes[i] is Route.REVIEW:
                request = review_request(decision, listing.url, priorities[i], parts[i])
                outputs.append(OutputRecord(topics.REVIEW.name, key, orjson.dumps(request)))
        result.links.extend(self.extractor.learn(listings, signals))
        result.outputs.extend(outputs)  # only once the whole batch succeeded: nothing half-written
        result.decisions += len(listings)
        result.routes.update((r.value, b or "none") for r, b in zip(routes, signals.brand_ids))
        result.scores.extend(score_list)
        finished = perf_counter()
        for stage, seconds in (("score", scored - started), ("route", finished - scored)):
            result.stage_seconds[stage] = result.stage_seconds.get(stage, 0.0) + seconds
            result.stage_counts[stage] = result.stage_counts.get(stage, 0) + len(listings)

    def _shadow(self, result: BatchResult, signals: SignalBatch, take_at: np.ndarray, review_at: np.ndarray,
                routes: list[Route]) -> list[dict[str, Any]] | None:
        """The shadow model's score and route per listing (one more matrix product), counting where
        its route differs from the live one's."""
        if self.shadow is None:
            return None
        scores = self.shadow.score_features(signals.features)
        shadow_routes = route(scores, take_at, review_at, signals.authorized, signals.must_review, signals.evidence)
        version = self.shadow.version
        result.shadow_changes.update((live.value, other.value) for live, other in zip(routes, shadow_routes)
                                     if live is not other)
        return [{"model_version": version, "score": round(score, 6), "route": other.value}
                for score, other in zip(scores.tolist(), shadow_routes)]

    def _priorities(self, rows: list[int], scores: np.ndarray, take_at: np.ndarray, review_at: np.ndarray,
                    signals: SignalBatch) -> tuple[dict[int, float], dict[int, dict[str, float]]]:
        """Review priorities of the listings at ``rows`` (those routed to review), by row."""
        if not rows:
            return {}, {}
        at = np.asarray(rows)
        network = signals.network
        priority, parts = review_priorities(
            scores[at], take_at[at], review_at[at], [signals.brand_ids[i] for i in rows], self.brand_values,
            self.labels_per_brand, np.nan_to_num(signals.values[at, _SELLER_TAKEDOWNS]),
            network.takedowns[at], network.accounts[at])
        names = list(WEIGHTS)
        return (dict(zip(rows, priority.tolist())),
                {row: dict(zip(names, values)) for row, values in zip(rows, parts.tolist())})

    @staticmethod
    def _deadletter(result: BatchResult, record: ConsumedRecord, rejection: Rejection, stamp: str) -> None:
        payload = deadletter_record(rejection, topic=record.topic, partition=record.partition,
                                    offset=record.offset, key=record.key, value=record.value, failed_at=stamp)
        result.outputs.append(OutputRecord(topics.DEADLETTER.name, record.key, orjson.dumps(payload)))
        result.deadletters += 1
        result.reasons[rejection.reason.value] += 1


_SELLER_TAKEDOWNS = next(i for i, spec in enumerate(SIGNALS) if spec.name == "seller_confirmed_takedowns")
