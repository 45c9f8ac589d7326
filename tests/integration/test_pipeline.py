"""Listings in, exact records out, through a running worker on the real broker."""

from __future__ import annotations

import asyncio
import base64
import json
from collections import Counter
from datetime import datetime, timezone

import orjson

from agents.testing import produce, read_until
from pipeline import topics
from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.testing import listing, parse_output, raw_records

OUTPUT_TOPICS = [topics.DECISIONS.name, topics.TAKEDOWN.name, topics.REVIEW.name, topics.DEADLETTER.name]
TIME_FIELDS = ("decided_at", "issued_at", "requested_at", "failed_at")
# a loaded machine shares its cores with the broker and every earlier test's processes
DECIDED_WITHIN_S = 300


def comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in TIME_FIELDS}


def cases(run_id: str) -> tuple[list[dict], list[tuple[str, bytes, str]]]:
    # a seller of this run's own: the session's worker may know the helper's default seller from
    # other tests' outcomes, and the expected records are made by a scanner that knows no seller
    seller = f"{run_id}-seller"
    valid = [
        listing(listing_id=f"{run_id}-plain", **{"seller.id": seller}),
        listing(listing_id=f"{run_id}-fake", title="Gucc1 Marmont bag replica AAA", brand="",
                quantity=200, **{"price.amount": 300, "price.currency": "CNY",
                                 "seller.created_at": "2026-11-20T00:00:00Z", "seller.id": seller}),
        listing(listing_id=f"{run_id}-resale", title="Prada Galleria bag pre-owned", brand="Prada",
                **{"price.amount": 1800.0, "seller.id": seller}),
        listing(listing_id=f"{run_id}-quiet", title="Louis Vuitton Neverfull MM", brand="Louis Vuitton",
                **{"price.amount": 390.0, "seller.created_at": "2026-11-01T00:00:00Z", "seller.id": seller}),
    ]
    bad_price = json.dumps(listing(listing_id=f"{run_id}-nan", **{"price.amount": float("nan")})).encode()
    malformed = [
        (f"{run_id}-json", b'{"listing_id": "half', "malformed_json"),
        (f"{run_id}-utf8", b'{"title": "\xff"}', "invalid_utf8"),
        (f"{run_id}-missing", orjson.dumps({"listing_id": f"{run_id}-missing"}), "missing_field"),
        (f"{run_id}-type", orjson.dumps(listing(listing_id=f"{run_id}-type", quantity="many")), "wrong_type"),
        (f"{run_id}-ccy", orjson.dumps(listing(listing_id=f"{run_id}-ccy", **{"price.currency": "XQZ"})), "unknown_currency"),
        (f"{run_id}-neg", orjson.dumps(listing(listing_id=f"{run_id}-neg", **{"price.amount": -1})), "invalid_price"),
        (f"{run_id}-nan", bad_price, "invalid_price"),
        (f"{run_id}-big", orjson.dumps(listing(listing_id=f"{run_id}-big", title="x" * 2000)), "oversized_field"),
        (f"{run_id}-array", b"[1, 2]", "not_an_object"),
    ]
    return valid, malformed


def test_exact_records_come_out_for_valid_and_malformed_input(worker: str, run_id: str):
    valid, malformed = cases(run_id)
    # malformed records sit between valid ones: the worker must keep going past them
    sent = [(valid[0]["listing_id"].encode(), orjson.dumps(valid[0]))]
    sent += [(key.encode(), value) for key, value, _ in malformed]
    sent += [(v["listing_id"].encode(), orjson.dumps(v)) for v in valid[1:]]
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, sent))

    expected = Scanner(Settings.load(env={}).scoring).process(raw_records(valid), datetime.now(timezone.utc))
    want = {(o.topic, o.key): comparable(parse_output(o)) for o in expected.outputs}
    bad_keys = {key for key, _, _ in malformed}

    def all_arrived(records):  # decisions, notices and review requests travel separately: wait for all
        slots = {(t, k) for t, k, _ in records}
        dead = {r["source"]["key"] for t, _, r in records if t == topics.DEADLETTER.name}
        return want.keys() <= slots and bad_keys <= dead

    records = [r for r in asyncio.run(read_until(worker, OUTPUT_TOPICS, all_arrived, 90))
               if (r[1] or b"").decode().startswith(run_id)]

    got = {(t, k): comparable(r) for t, k, r in records if t != topics.DEADLETTER.name}
    copies = Counter((t, k) for t, k, _ in records)
    assert max(copies.values()) == 1, [slot for slot, n in copies.items() if n > 1]
    assert got.keys() == want.keys()
    for slot, record in want.items():
        assert got[slot] == record, slot

    routes = {r["listing_id"]: r["route"] for t, _, r in records if t == topics.DECISIONS.name}
    assert routes[f"{run_id}-fake"] == "takedown"
    assert routes[f"{run_id}-plain"] == "clear"

    dead = {r["source"]["key"]: r for t, _, r in records if t == topics.DEADLETTER.name}
    assert set(dead) == {key for key, _, _ in malformed}
    for key, value, reason in malformed:
        assert dead[key]["reason"] == reason, key
        assert base64.b64decode(dead[key]["original_b64"]) == value
        assert dead[key]["source"]["topic"] == topics.LISTINGS_RAW.name


def test_many_listings_each_get_exactly_one_outcome(worker: str, run_id: str):
    from pipeline.synthetic.generator import ListingGenerator

    items = ListingGenerator(seed=7, id_prefix=f"{run_id}-").take(5000)
    sent = [(i.key, i.value) for i in items]
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, sent))
    ids = {key.decode() for key, _ in sent}

    def keys(records):
        return {(k or b"").decode() for t, k, _ in records if t in (topics.DECISIONS.name, topics.DEADLETTER.name)}

    records = asyncio.run(read_until(worker, [topics.DECISIONS.name, topics.DEADLETTER.name],
                                     lambda rs: ids <= keys(rs), DECIDED_WITHIN_S))
    mine = [(t, (k or b"").decode()) for t, k, _ in records if (k or b"").decode() in ids]
    assert len(mine) == len(ids)  # one outcome per input, none lost, none doubled
    assert sum(1 for t, _ in mine if t == topics.DEADLETTER.name) == sum(1 for i in items if i.label == "malformed")


def test_offline_scoring_gives_the_streams_decisions(worker: str, run_id: str, tmp_path):
    import subprocess
    import sys

    from pipeline.settings import PROJECT_ROOT
    from pipeline.synthetic.generator import ListingGenerator

    items = ListingGenerator(seed=31, id_prefix=f"{run_id}-off-").take(600)
    source = tmp_path / "listings.jsonl"
    source.write_bytes(b"".join(i.value + b"\n" for i in items))
    out = tmp_path / "decisions.jsonl"
    run = subprocess.run([sys.executable, "-m", "agents.cli", "score", "--input", str(source), "--output", str(out),
                          "--no-progress"], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    offline = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    offline_decisions = {d["listing_id"]: comparable(d) for d in offline if "decision_id" in d}
    assert len(offline) == len(items)

    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(i.key, i.value) for i in items]))
    records = asyncio.run(read_until(
        worker, [topics.DECISIONS.name],
        lambda rs: offline_decisions.keys() <= {r["listing_id"] for _, _, r in rs}, DECIDED_WITHIN_S))
    streamed = {r["listing_id"]: comparable(r) for _, _, r in records if r["listing_id"] in offline_decisions}
    missing = offline_decisions.keys() - streamed.keys()
    assert not missing, f"{len(missing)} of {len(offline_decisions)} listings undecided after {DECIDED_WITHIN_S} s"
    differing = {listing_id: {field: (value, streamed[listing_id].get(field)) for field, value in decision.items()
                              if streamed[listing_id].get(field) != value}
                 for listing_id, decision in offline_decisions.items() if streamed[listing_id] != decision}
    # (offline, streamed) of each field that differs: what a difference is tells where it comes from
    first = dict(list(differing.items())[:3])
    assert not differing, f"{len(differing)} of {len(offline_decisions)} decisions differ, among them: {first}"


def test_a_record_near_the_brokers_size_limit_is_dead_lettered_and_the_partition_moves_on(worker: str, run_id: str):
    """8 MB in base64 would be over the broker's 10 MB limit: a dead letter that cannot be stored
    would hold its partition forever, so only the start of the original goes with it."""
    huge_key, after_key = f"{run_id}-huge".encode(), f"{run_id}-after".encode()
    huge = b'{"listing_id": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    after = listing(listing_id=f"{run_id}-after")
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(huge_key, huge)]))
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(after_key, orjson.dumps(after))]))
    records = asyncio.run(read_until(
        worker, [topics.DECISIONS.name, topics.DEADLETTER.name],
        lambda rs: {huge_key, after_key} <= {k for _, k, _ in rs}, DECIDED_WITHIN_S))
    (dead,) = [r for t, k, r in records if k == huge_key and t == topics.DEADLETTER.name]
    assert dead["reason"] == "record_too_large"
    assert dead["original_size"] == len(huge) and dead["original_truncated"] is True
    assert base64.b64decode(dead["original_b64"]) == huge[:1_048_576]
    assert any(k == after_key and t == topics.DECISIONS.name for t, k, _ in records)
