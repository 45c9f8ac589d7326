"""``counterscan models`` and ``counterscan train --from-kafka``: the model lifecycle on Kafka.

A model is trained on what enforcement concluded (``enforcement.outcomes``
joined to ``listings.decisions``), published as a shadow, compared against the
live model on the decisions it shadowed, then promoted or retired; every step
is a record on the compacted ``models.scoring`` topic, which every scan worker
follows. Nothing here talks to a worker: the topic is the interface.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
from datetime import date, datetime
from typing import Any

import orjson
from aiokafka import ConsumerRecord

from agents.kafka.batching import produce_all
from agents.kafka.clients import client_security, producer
from agents.kafka.snapshot import read_topic_now
from agents.stdio import UsageError, reading, say, shown, with_json, write_json, writing
from pipeline import topics
from pipeline.models import ModelRecord, ModelStatus, encode_model_record, model_record, parse_model_record
from pipeline.settings import Settings
from pipeline.types import OutputRecord, Rejection

__all__ = ["run_models", "run_train_from_kafka"]


async def read_json_records(bootstrap: str, security: dict[str, object], topic: str, since: datetime | None = None,
                            keys: set[bytes] | None = None, progress: bool = True) -> list[dict[str, Any]]:
    """The JSON objects on ``topic`` now (from ``since``), only those keyed by ``keys`` if given;
    records that are not JSON objects are skipped (they were dead-lettered when they arrived)."""
    found: list[dict[str, Any]] = []

    def keep(records: list[ConsumerRecord]) -> int:
        refused = 0
        for record in records:
            if record.value is None or (keys is not None and record.key not in keys):
                continue
            try:
                value = orjson.loads(record.value)
            except orjson.JSONDecodeError:
                refused += 1
                continue
            if isinstance(value, dict):
                found.append(value)
        return refused

    await read_topic_now(bootstrap, topic, keep, security, progress,
                         None if since is None else int(since.timestamp() * 1000))
    return found


async def read_outcomes_and_decisions(bootstrap: str, security: dict[str, object], since: datetime | None,
                                      progress: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Outcomes since ``since``, and every decision still on the topic about the listings they
    concern (decisions come before their outcomes, so they are read from the beginning, by key)."""
    outcomes = await read_json_records(bootstrap, security, topics.OUTCOMES.name, since, progress=progress)
    outcomes = [o for o in outcomes if {"listing_id", "outcome", "decided_at"} <= o.keys()]
    listing_keys = {str(o["listing_id"]).encode() for o in outcomes}
    decisions = await read_json_records(bootstrap, security, topics.DECISIONS.name, keys=listing_keys,
                                        progress=progress) if listing_keys else []
    return outcomes, [d for d in decisions if {"decision_id", "listing_id", "decided_at"} <= d.keys()]


def run_train_from_kafka(settings: Settings, bootstrap: str, args: argparse.Namespace) -> int:
    from pipeline.brands.catalog import BrandCatalog
    from pipeline.offline.corpus import load_labeled
    from pipeline.offline.outcome_labels import TooFewLabels, label_outcomes
    from pipeline.offline.outcome_training import Source, train_on_outcomes
    from pipeline.offline.training import model_document, training_set
    from pipeline.scoring.signals import SignalExtractor
    from pipeline.synthetic.generator import ListingGenerator

    if args.output is None:
        raise UsageError("train --from-kafka needs --output FILE (publish it with `counterscan models publish`)")
    note = (lambda *_: None) if args.no_progress else say
    outcomes, decisions = asyncio.run(read_outcomes_and_decisions(bootstrap, client_security(settings), args.since,
                                                                  not args.no_progress))
    labels = label_outcomes(outcomes, decisions)
    note(f"{len(outcomes)} outcomes joined to {len(decisions)} decisions: {len(labels.data.labels)} labels "
         f"({labels.counterfeit} counterfeit, {labels.genuine} genuine)")
    for brand, kinds in sorted(labels.per_brand.items()):
        note(f"  {brand:<16} " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
    for reason, count in sorted(labels.skipped.items()):
        note(f"  not used: {reason} {count}")
    try:
        labels.require(args.min_labels, args.min_per_class)
    except TooFewLabels as exc:
        say(f"counterscan: {exc}")
        return 1
    sources = []
    share = args.labeled_share[0]
    for spec in args.labeled:
        sources.append(Source(str(spec), training_set(load_labeled(spec), SignalExtractor(BrandCatalog.load()), batch=1),
                              share / len(args.labeled), {}))
    if args.generated:
        generated = training_set(ListingGenerator(args.seed).take(args.generated), SignalExtractor(BrandCatalog.load()))
        sources.append(Source("generated", generated, args.generated_share, {"generator_seed": args.seed,
                                                                             "count": args.generated}))
    digest = hashlib.blake2b(orjson.dumps([o.get("outcome_id") or o["listing_id"] for o in outcomes]),
                             digest_size=4).hexdigest()
    version = f"outcomes-{date.today():%Y.%m.%d}-{digest}"
    model, provenance, figures = train_on_outcomes(labels, args.outcome_share, sources, args.l2[0], version,
                                                   settings.takedown_threshold, settings.review_threshold)
    provenance["since"] = None if args.since is None else args.since.isoformat()
    provenance["figures"] = figures
    with writing(args.output) as out:
        out.write(model_document(model, provenance) + b"\n")
    held = figures.get("held_out")
    say(f"wrote model {version} to {shown(args.output)}"
        + (f"; held-out sellers: new {held['new_model']}, as decided {held['as_decided']}" if held else ""))
    if args.json is not None:
        write_json({"version": version, "model_file": shown(args.output), "trained_on": provenance}, args.json)
    return 0


async def read_models(bootstrap: str, security: dict[str, object]) -> dict[str, ModelRecord]:
    """The latest valid record of every model on models.scoring (refused ones are left out)."""
    latest: dict[str, ModelRecord] = {}

    def keep(records: list[ConsumerRecord]) -> int:
        for record in records:
            model_id = (record.key or b"").decode("utf-8", "replace")
            if record.value is None:
                latest.pop(model_id, None)
                continue
            parsed = parse_model_record(record.value, record.key)
            if not isinstance(parsed, Rejection):
                latest.pop(model_id, None)
                latest[model_id] = parsed
        return 0

    await read_topic_now(bootstrap, topics.MODELS.name, keep, security, progress=False)
    return latest


async def _publish(bootstrap: str, security: dict[str, object], documents: list[dict[str, Any]]) -> None:
    client = producer(bootstrap, **security)
    await client.start()
    try:
        await produce_all(client, [OutputRecord(topics.MODELS.name, *encode_model_record(d)) for d in documents])
    finally:
        await client.stop()


def run_models(settings: Settings, bootstrap: str, args: argparse.Namespace) -> int:
    security = client_security(settings)
    if args.action == "publish":
        return _publish_file(settings, bootstrap, security, args)
    if args.action == "compare":
        return _compare(bootstrap, security, args)
    models = asyncio.run(read_models(bootstrap, security))
    if args.action == "list":
        rows = [_listed(r) for r in models.values()]
        human = "\n".join(f"{r['model_id']:<36} {r['status']:<8} {r['published_at']:<25} {r['summary']}" for r in rows)
        with_json(human or "no models on models.scoring: the shipped model decides", rows, args.json)
        return 0
    if args.model_id is None or args.model_id not in models:
        raise UsageError(f"no model {args.model_id!r} on {topics.MODELS.name}; `counterscan models list` shows them")
    chosen = models[args.model_id]
    by = args.published_by
    if args.action == "promote":
        documents = [chosen.with_status(ModelStatus.LIVE, by)]
        documents += [r.with_status(ModelStatus.RETIRED, by) for r in models.values()
                      if r.status is ModelStatus.LIVE and r.model_id != chosen.model_id]
        asyncio.run(_publish(bootstrap, security, documents))
        say(f"{chosen.model_id} is live" + "".join(f"; {d['model_id']} retired" for d in documents[1:]))
    else:  # retire
        asyncio.run(_publish(bootstrap, security, [chosen.with_status(ModelStatus.RETIRED, by)]))
        say(f"{chosen.model_id} retired" + ("; with no other live model the shipped one decides"
                                            if chosen.status is ModelStatus.LIVE else ""))
    return 0


def _publish_file(settings: Settings, bootstrap: str, security: dict[str, object], args: argparse.Namespace) -> int:
    from pipeline.models import ValidationSample, VettingLimits, check_model_record, vet

    if args.file is None:
        raise UsageError("models publish needs the model FILE that `counterscan train` wrote")
    with reading(args.file) as handle:
        try:
            document = model_record(orjson.loads(handle.read()), ModelStatus.SHADOW, args.published_by, args.note)
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            say(f"counterscan: {shown(args.file)} is not a model file: {exc}")
            return 1
    checked = check_model_record(document)
    if not isinstance(checked, Rejection):
        sample = ValidationSample.generated(settings.model_validation_listings, settings.takedown_threshold,
                                            settings.review_threshold)
        checked = vet(checked.model, sample, VettingLimits(settings.model_max_takedown_share,
                                                           settings.model_max_wrong_takedown_share)) or checked
    if isinstance(checked, Rejection):
        say(f"counterscan: the workers would refuse this model: {checked.detail}")
        return 1
    asyncio.run(_publish(bootstrap, security, [document]))
    say(f"published {document['model_id']} as shadow on {topics.MODELS.name}: every scan worker scores with it from "
        f"its next batch; `counterscan models compare {document['model_id']}` once decisions and outcomes exist")
    return 0


def _compare(bootstrap: str, security: dict[str, object], args: argparse.Namespace) -> int:
    from pipeline.offline.model_comparison import compare_models, format_comparison

    if args.model_id is None:
        raise UsageError("models compare needs the ID of a model that scored as shadow")
    decisions = asyncio.run(read_json_records(bootstrap, security, topics.DECISIONS.name, args.since,
                                              progress=not args.no_progress))
    outcomes = asyncio.run(read_json_records(bootstrap, security, topics.OUTCOMES.name, args.since,
                                             progress=not args.no_progress))
    report = compare_models(args.model_id, decisions, outcomes)
    if not report["decisions"]:
        say(f"counterscan: no decision on {topics.DECISIONS.name} carries {args.model_id} as its shadow"
            + (f" since {args.since.isoformat()}" if args.since else ""))
        return 1
    with_json(format_comparison(report), report, args.json)
    return 0


def _listed(record: ModelRecord) -> dict[str, Any]:
    document = record.document
    outcomes = (document.get("trained_on") or {}).get("outcomes") or {}
    summary = (f"{outcomes.get('examples')} outcome labels" if outcomes else "no outcome labels")
    return {"model_id": record.model_id, "status": record.status.value, "published_at": document["published_at"],
            "published_by": document.get("published_by"), "figures": document.get("figures"), "summary": summary}
