"""Notice and action on Kafka: Faust agents and tables around :mod:`pipeline.notices`.

One agent owns each listing's notice-and-action record, in a table keyed by
listing id: it reads ``listings.decisions`` (to keep what a notice needs of
each listing's latest decision), ``notices.inbound`` and the outcomes re-keyed
onto the same twelve partitions (``counterscan.outcomes-by-listing``), so the
decision, the notices and the outcomes of one listing meet in one place and in
order. A second agent owns each notifier's accuracy record, in a table whose
changelog is the compacted ``notifiers.reputation``.

Keeping the decision table touches every decision, which Faust's per-event
path handles at about a quarter of the hot path's rate (README, "Notice and
action under the DSA"); so it runs in its own ``notices`` role, scaled apart
from the scanners, and its table keeps only a slim decision per listing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import faust
import orjson
from mode import Service

from agents.worker.background import BackgroundErrors
from agents.worker.followers import CompactedTopicFollower
from agents.worker.metrics import Metrics
from agents.worker.outcomes import ROCKSDB_OPTIONS
from pipeline import topics
from pipeline.intake.validation import decode_object, validator
from pipeline.notices import (
    AccuracyPolicy,
    Incomplete,
    NoticePolicy,
    Step,
    apply_decision,
    apply_event,
    apply_notice,
    apply_outcome,
    is_overdue,
    parse_notice,
    receipt,
    slim_decision,
    submission_errors,
    territorial_scope,
)
from pipeline.records import deadletter_record
from pipeline.sellers.outcomes import MAX_OUTCOME_BYTES, parse_outcome
from pipeline.settings import Settings
from pipeline.timestamps import format_timestamp, from_epoch_seconds, utc_now
from pipeline.types import Reason, Rejection

log = logging.getLogger(__name__)
_OUTCOME = validator("enforcement_outcome.v1.json")
_DECISION = validator("decision.v1.json")
APPEALS_INTERVAL_S = 10.0
MAX_DECISION_BYTES = 1 << 20


def notice_policy(settings: Settings) -> NoticePolicy:
    brands = frozenset(b.strip() for b in settings.automated_removal_brands.split(",") if b.strip())
    return NoticePolicy(settings.notice_pending_days, settings.appeal_deadline_days, brands,
                        tuple(territorial_scope(settings.statement_territorial_scope)))


def accuracy_policy(settings: Settings) -> AccuracyPolicy:
    return AccuracyPolicy(settings.notifier_unfounded_share, settings.notifier_window_days,
                          settings.notifier_min_decided)


class NoticeStateService(Service):
    """What every notice worker reads whole: which notifiers are flagged (from ``notifiers.reputation``),
    and the appeal cases (from ``enforcement.appeals``), whose overdue count it exports."""

    def __init__(self, bootstrap: str, security: dict[str, object], metrics: Metrics, errors: BackgroundErrors,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.flagged: dict[str, bool] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.metrics = metrics
        self.followers = [
            CompactedTopicFollower(bootstrap, topics.NOTIFIER_REPUTATION.name, self._notifier, errors, security),
            CompactedTopicFollower(bootstrap, topics.APPEALS.name, self._appeal, errors, security),
        ]
        for follower in self.followers:
            self.add_dependency(follower)

    def _notifier(self, key: bytes | None, value: bytes | None, _partition: int, _offset: int) -> None:
        if key is None:
            return
        if value is None:
            self.flagged.pop(key.decode(), None)
        else:
            self.flagged[key.decode()] = bool(orjson.loads(value).get("flagged"))
        self.metrics.notifiers_flagged.set(sum(self.flagged.values()))

    def _appeal(self, key: bytes | None, value: bytes | None, _partition: int, _offset: int) -> None:
        if key is None:
            return
        if value is None:
            self.cases.pop(key.decode(), None)
        else:
            self.cases[key.decode()] = orjson.loads(value)

    @Service.timer(APPEALS_INTERVAL_S)
    async def _count_appeals(self) -> None:
        now = utc_now()
        open_cases = [c for c in self.cases.values() if c.get("status") == "open"]
        self.metrics.appeals_open.set(len(open_cases))
        self.metrics.appeals_overdue.set(sum(is_overdue(c, now) for c in open_cases))


def _raw(app: faust.App, spec: topics.TopicSpec) -> faust.TopicT:
    return app.topic(spec.name, key_serializer="raw", value_serializer="raw", partitions=spec.partitions)


def register_notice_agents(app: faust.App, settings: Settings, bootstrap: str, security: dict[str, object],
                           metrics: Metrics, errors: BackgroundErrors) -> NoticeStateService:
    policy, accuracy = notice_policy(settings), accuracy_policy(settings)
    state = NoticeStateService(bootstrap, security, metrics, errors)
    app.service(state)
    outputs = {spec.name: _raw(app, spec) for spec in (
        topics.NOTICE_RECEIPTS, topics.NOTICES_ROUTED, topics.STATEMENTS, topics.APPEALS, topics.NOTIFIERS_FLAGGED,
        topics.NOTIFIER_EVENTS, topics.OUTCOMES_BY_LISTING, topics.DEADLETTER)}
    listing_input = app.topic(topics.DECISIONS.name, topics.NOTICES_INBOUND.name, topics.OUTCOMES_BY_LISTING.name,
                              key_serializer="raw", value_serializer="raw", partitions=topics.HOT_PARTITIONS)
    table = app.Table(
        "listing_notices", default=None, partitions=topics.HOT_PARTITIONS,
        schema=faust.Schema(key_serializer="raw", value_serializer="json"),
        store="rocksdb:listing_notices", options=ROCKSDB_OPTIONS)  # a record per listing: not Python dicts
    changelog = app.topic(topics.NOTIFIER_REPUTATION.name, key_serializer="raw", value_serializer="json",
                          partitions=topics.NOTIFIER_REPUTATION.partitions, compacting=True, deleting=False,
                          acks=False)  # as Faust's own changelogs: no stream acks it, so none is idle
    notifiers = app.Table(
        "notifier_reputation", default=None, partitions=topics.NOTIFIER_REPUTATION.partitions,
        changelog_topic=changelog, schema=faust.Schema(key_serializer="raw", value_serializer="json"),
        store="rocksdb:notifier_reputation", options=ROCKSDB_OPTIONS)

    async def dead_letter(rejection: Rejection, message: Any, key: bytes | None, value: bytes | None) -> None:
        log.warning("%s[%d]@%d dead-lettered (%s): %s", message.topic, message.partition, message.offset,
                    rejection.reason, rejection.detail)
        metrics.deadletters.labels(reason=rejection.reason.value).inc()
        await outputs[topics.DEADLETTER.name].send(key=key, value=orjson.dumps(deadletter_record(
            rejection, topic=message.topic, partition=message.partition, offset=message.offset, key=key, value=value,
            failed_at=format_timestamp(utc_now()))))

    async def publish(step: Step, message: Any) -> None:
        for topic, key, record in step.records:
            if topic == topics.STATEMENTS.name and record.get("submission") is not None:
                problems = submission_errors(record["submission"])
                if problems:  # never published, so never exported
                    await dead_letter(Rejection(Reason.SCHEMA_VIOLATION, "statement of reasons " +
                                                record["statement_id"] + ": " + "; ".join(problems[:3])),
                                      message, key.encode(), orjson.dumps(record))
                    continue
            if topic == topics.NOTICE_RECEIPTS.name:
                metrics.notice_receipts.labels(status=record["status"]).inc()
            elif topic == topics.STATEMENTS.name:
                metrics.statements.labels(kind=record["kind"], source=record["source"]).inc()
            await outputs[topic].send(key=key.encode(), value=orjson.dumps(record))
        for stage, brand, source, seconds in step.timings:
            metrics.notice_seconds.labels(stage=stage, brand=brand, source=source).observe(seconds)

    async def on_notice(event: Any) -> Step | None:
        message, now = event.message, utc_now()
        parsed = parse_notice(event.value)
        if isinstance(parsed, Incomplete):
            answer = receipt("incomplete", parsed.notice_id, parsed.notifier_id, parsed.listing_id,
                             format_timestamp(now), missing=parsed.missing)
            await publish(Step(records=[(topics.NOTICE_RECEIPTS.name, parsed.notifier_id, answer)]), message)
            await dead_letter(parsed.rejection, message, event.key, event.value)
            return None
        if isinstance(parsed, Rejection):
            await dead_letter(parsed, message, event.key, event.value)
            return None
        received = format_timestamp(from_epoch_seconds(message.timestamp)) if message.timestamp else \
            format_timestamp(now)
        key = parsed.listing_id.encode()
        step = apply_notice(table.get(key), parsed, received, now, state.flagged.get(parsed.notifier_id, False),
                            policy)
        if step.value is not None:
            table[key] = step.value
        return step

    @app.agent(listing_input, name="listing-notices")
    async def listings(stream: faust.StreamT) -> None:
        async for event in stream.events():
            message, now = event.message, utc_now()
            try:
                if message.topic == topics.NOTICES_INBOUND.name:
                    step = await on_notice(event)
                    if step is not None:
                        await publish(step, message)
                    continue
                if message.topic == topics.DECISIONS.name:
                    decided = decode_object(event.value, MAX_DECISION_BYTES, _DECISION)
                    if isinstance(decided, Rejection):
                        continue  # not a decision counterscan wrote: the scan workers own that topic
                    step = apply_decision(table.get(event.key), slim_decision(decided), now, policy)
                else:
                    outcome = decode_object(event.value, MAX_OUTCOME_BYTES, _OUTCOME)
                    if isinstance(outcome, Rejection):
                        await dead_letter(outcome, message, event.key, event.value)
                        continue
                    step = apply_outcome(table.get(event.key), outcome, now, policy)
                    if step.rejection is not None:
                        await dead_letter(step.rejection, message, event.key, event.value)
                        continue
                if step.value is not None:
                    table[event.key] = step.value
                await publish(step, message)
            except Exception as exc:  # one bad record must not stop the listing agent
                log.exception("could not apply %s[%d]@%d", message.topic, message.partition, message.offset)
                await dead_letter(Rejection(Reason.PROCESSING_ERROR, f"{type(exc).__name__}: {exc}"[:300]), message,
                                  event.key, event.value)

    @app.agent(_raw(app, topics.OUTCOMES), name="outcomes-by-listing")
    async def rekey(stream: faust.StreamT) -> None:
        report = "feedback" not in settings.role_set  # else the feedback role reports bad outcomes already
        async for event in stream.events():
            record = parse_outcome(event.value)
            if isinstance(record, Rejection):
                if report:
                    await dead_letter(record, event.message, event.key, event.value)
                continue
            await outputs[topics.OUTCOMES_BY_LISTING.name].send(key=record.listing_id.encode(), value=event.value)

    @app.agent(_raw(app, topics.NOTIFIER_EVENTS), name="notifier-accuracy")
    async def accuracy_of(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                record = orjson.loads(event.value)
                judged = apply_event(notifiers.get(event.key), record, utc_now(), accuracy)
            except (ValueError, KeyError, TypeError) as exc:
                await dead_letter(Rejection(Reason.SCHEMA_VIOLATION, f"not a notifier event: {exc}"[:300]),
                                  event.message, event.key, event.value)
                continue
            if judged.value is None:
                continue
            if judged.flag is not None:
                log.warning("notifier %s %s (unfounded share %.2f)", judged.flag["notifier_id"],
                            "flagged" if judged.flag["flagged"] else "cleared", judged.flag["unfounded_share"])
                await outputs[topics.NOTIFIERS_FLAGGED.name].send(key=event.key, value=orjson.dumps(judged.flag))
            notifiers[event.key] = judged.value

    return state


def notice_topics() -> Sequence[str]:
    """The topics a notice worker's group reads (so a new group can be started at their ends)."""
    return (topics.DECISIONS.name, topics.NOTICES_INBOUND.name, topics.OUTCOMES_BY_LISTING.name,
            topics.OUTCOMES.name, topics.NOTIFIER_EVENTS.name)
