"""Every Prometheus metric a worker exports, defined once, with conventional names.

Base units (seconds), ``_total`` counters, low-cardinality labels: a brand label
is a catalog brand id or ``none``, never seller text. Each worker has its own
registry so tests can read exactly what one worker exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
)
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from pipeline import topics
from pipeline.scoring.shares import ROUTES, RouteShares

if TYPE_CHECKING:  # the scanner's stack is not for `counterscan status --metrics`, which uses this module too
    from pipeline.scanner import BatchResult

STAGES = ("normalize", "score", "route")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SCORE_BUCKETS = (0.01, 0.035, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)
BATCH_BUCKETS = (1, 10, 50, 100, 250, 500, 1000, 2000, 5000)
SHARE_HALF_LIFE = 2000  # decisions of a brand
# notice to receipt takes milliseconds, notice to action hours or days: one set of buckets spans both
NOTICE_BUCKETS = (0.1, 1.0, 10.0, 60.0, 600.0, 3600.0, 4 * 3600.0, 12 * 3600.0, 86400.0, 2 * 86400.0, 7 * 86400.0,
                  14 * 86400.0, 30 * 86400.0)
NOTICE_STAGES = ("receipt", "decision", "action")
NOTICE_SOURCES = ("notice", "trusted_flagger", "own_initiative")
RECEIPT_STATUSES = ("received", "listing_not_found", "listing_found", "incomplete", "duplicate", "expired", "decided")

del GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR  # the default registry is not used


class Metrics:
    """Every metric one worker exports, in a registry of its own (so a test reads exactly one worker's)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.processed = Counter("counterscan_listings_processed", "Listings that went through a stage",
                                 ["stage"], registry=r)
        self.decisions = Counter("counterscan_decisions", "Decisions written, by route and catalog brand",
                                 ["route", "brand"], registry=r)
        self.deadletters = Counter("counterscan_deadletter", "Records sent to the dead-letter topic, by reason",
                                   ["reason"], registry=r)
        self.stage_duration = Histogram("counterscan_stage_duration_seconds", "Time one batch spent in a stage",
                                        ["stage"], buckets=STAGE_BUCKETS, registry=r)
        self.end_to_end = BatchHistogram("counterscan_end_to_end_latency_seconds",
                                         "From a listing's produce time to its decision being acknowledged",
                                         LATENCY_BUCKETS, registry=r)
        self.score = BatchHistogram("counterscan_score", "Counterfeit scores of decided listings",
                                    SCORE_BUCKETS, registry=r)
        self.batch_size = Histogram("counterscan_batch_size", "Listings per scanned batch",
                                    buckets=BATCH_BUCKETS, registry=r)
        self.consumer_lag = Gauge("counterscan_consumer_lag", "Log end offset minus this worker's position",
                                  ["topic", "partition"], registry=r)
        # the whole group's lag from its committed offsets: every worker exports all of it (agents/worker/lag.py)
        self.group_lag, self.group_lag_seconds = group_lag_gauges(r)
        self.output_refusals = Counter("counterscan_output_refusals", "Times the broker refused an output and the "
                                       "batches in flight were rewound (the error is logged)", registry=r)
        self.records_rescanned = Counter("counterscan_records_rescanned", "Input records scanned again after a "
                                         "refused output", registry=r)
        self.records_unscannable = Counter("counterscan_records_unscannable", "Input records retention deleted "
                                           "before the group scanned them (committed offset below the log start)",
                                           ["topic", "partition"], registry=r)
        self.background_errors = Counter("counterscan_background_errors", "Rounds of a background task (lag, "
                                         "state followers, reports, web views) cut short by an error and "
                                         "retried; the worker went on", ["task"], registry=r)
        self.memory_returned = Counter("counterscan_memory_returned_bytes", "Resident memory the allocator held "
                                       "free and gave back to the system at the worker's trims", registry=r)
        self.memory_trim_seconds = Counter("counterscan_memory_trim_seconds", "Time spent trimming the "
                                           "allocator's free memory", registry=r)
        self.rates_as_of = Gauge("counterscan_exchange_rates_as_of_timestamp_seconds", "When the exchange rates in "
                                 "force were taken (Unix time); 0 when the table gives no date", registry=r)
        self.brand_profiles = Gauge("counterscan_brand_profiles_loaded", "Brand profiles in force", registry=r)
        self.worker = Info("counterscan_worker", "What this worker runs", registry=r)
        self.models = Info("counterscan_models", "The model that decides (live) and the one scoring in its shadow",
                           registry=r)
        self.models_refused = Counter("counterscan_models_refused", "models.scoring records refused (schema, signals, "
                                      "non-finite weights, too many takedowns on the validation sample)", registry=r)
        self.shadow_route_changes = Counter("counterscan_shadow_route_changes", "Listings the shadow model would "
                                            "have routed differently, by live route (from) and shadow route (to)",
                                            ["from", "to"], registry=r)
        self.brand_route_share = Gauge("counterscan_brand_route_share", "Share of a brand's recent decisions by route "
                                       f"(this worker, decayed with a half-life of {SHARE_HALF_LIFE} decisions)",
                                       ["brand", "route"], registry=r)
        self.route_shares = RouteShares(SHARE_HALF_LIFE)
        # notice and action (agents/worker/notices.py): source is notice, trusted_flagger or own_initiative
        self.notice_seconds = Histogram("counterscan_notice_to_action_seconds", "From a notice received (or, on the "
                                        "marketplace's own initiative, the listing observed) to its receipt, its "
                                        "decision and the restriction carried out", ["stage", "brand", "source"],
                                        buckets=NOTICE_BUCKETS, registry=r)
        self.notice_receipts = Counter("counterscan_notice_receipts", "Receipts sent to notifiers, by status",
                                       ["status"], registry=r)
        self.statements = Counter("counterscan_statements", "Statements of reasons issued, by kind and source",
                                  ["kind", "source"], registry=r)
        self.appeals_open = Gauge("counterscan_appeals_open", "Sellers' complaints not yet decided", registry=r)
        self.appeals_overdue = Gauge("counterscan_appeals_overdue", "Sellers' complaints still open past their "
                                     "deadline", registry=r)
        self.notifiers_flagged = Gauge("counterscan_notifiers_flagged", "Notifiers flagged for manifestly unfounded "
                                       "notices", registry=r)
        for stage in NOTICE_STAGES:  # zeros from the start here too, before the first notice
            for source in NOTICE_SOURCES:
                self.notice_seconds.labels(stage=stage, brand="none", source=source)
        for status in RECEIPT_STATUSES:
            self.notice_receipts.labels(status=status)
        for kind in ("restriction", "reversal"):
            for source in NOTICE_SOURCES:
                self.statements.labels(kind=kind, source=source)
        for stage in STAGES:  # export zeros from the start, so rates exist before the first listing
            self.processed.labels(stage=stage)
            self.stage_duration.labels(stage=stage)
        for partition in range(topics.LISTINGS_RAW.partitions):  # and the retention gaps the alert watches
            self.records_unscannable.labels(topic=topics.LISTINGS_RAW.name, partition=str(partition))
        for live in ROUTES:  # and every pair of routes a shadow can change, before a shadow ever runs
            for shadow in ROUTES:
                if live != shadow:
                    self.shadow_route_changes.labels(**{"from": live, "to": shadow})

    def record_batch(self, batch_size: int, result: BatchResult) -> None:
        self.batch_size.observe(batch_size)
        for stage, seconds in result.stage_seconds.items():
            self.stage_duration.labels(stage=stage).observe(seconds)
        for stage, count in result.stage_counts.items():
            self.processed.labels(stage=stage).inc(count)
        for (route, brand), count in result.routes.items():
            self.decisions.labels(route=route, brand=brand).inc(count)
        for reason, count in result.reasons.items():
            self.deadletters.labels(reason=reason).inc(count)
        for (live, shadow), count in result.shadow_changes.items():
            self.shadow_route_changes.labels(**{"from": live, "to": shadow}).inc(count)
        self.score.observe_many(result.scores)
        for (brand, route), share in self.route_shares.update(result.routes).items():
            self.brand_route_share.labels(brand=brand, route=route).set(share)


class BatchHistogram:
    """A Prometheus histogram observed a batch at a time.

    ``Histogram.observe`` takes a lock and walks the buckets in Python for each
    value; per listing that costs more than the scoring math. Here a whole batch
    is bucketed by one ``searchsorted`` and ``bincount``, and the collector
    exports the usual ``_bucket``/``_sum``/``_count`` series."""

    def __init__(self, name: str, documentation: str, buckets: Iterable[float],
                 registry: CollectorRegistry | None = None) -> None:
        self.name = name
        self.documentation = documentation
        self.bounds = np.asarray(sorted(buckets), dtype=float)
        self._counts = np.zeros(len(self.bounds) + 1, dtype=np.int64)  # the last one is +Inf
        self._sum = 0.0
        self._lock = Lock()  # observed on the event loop, collected on the metrics server's thread
        if registry is not None:
            registry.register(self)

    def observe_many(self, values: Iterable[float] | np.ndarray) -> None:
        array = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
        if not array.size:
            return
        # le buckets: a value equal to a bound belongs to that bound's bucket
        counts = np.bincount(np.searchsorted(self.bounds, array, side="left"), minlength=len(self._counts))
        with self._lock:
            self._counts += counts
            self._sum += float(array.sum())

    def collect(self) -> Iterator[HistogramMetricFamily]:
        with self._lock:
            cumulative = np.cumsum(self._counts).tolist()
            total = self._sum
        labels = [repr(float(b)) for b in self.bounds] + ["+Inf"]
        yield HistogramMetricFamily(self.name, self.documentation, buckets=list(zip(labels, cumulative)),
                                    sum_value=total)


def group_lag_gauges(registry: CollectorRegistry) -> tuple[Gauge, Gauge]:
    """The group-lag gauges: a worker's, and ``counterscan status --metrics``'s, by one definition."""
    lag = Gauge("counterscan_consumergroup_lag", "Log end offset minus the group's committed offset, per partition "
                "of the group's topics", ["group", "topic", "partition"], registry=registry)
    seconds = Gauge("counterscan_consumergroup_lag_seconds", "The group's lag over the rate it committed at lately; "
                    "while it commits nothing, how long it has been stuck", ["group"], registry=registry)
    return lag, seconds
