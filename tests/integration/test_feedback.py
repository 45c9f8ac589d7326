"""State that changes decisions at run time: enforcement outcomes and brand profiles."""

from __future__ import annotations

import asyncio
import time

import orjson

from agents.testing import produce, read_until
from pipeline import topics
from pipeline.brands.profiles import profile_record
from pipeline.testing import listing


def decide(bootstrap: str, item: dict, timeout_s: float = 60) -> dict:
    """Publish one listing and return its decision: the decision of this revision, since a
    listing published again with a new revision still has the earlier decisions on the topic."""
    asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, [(item["listing_id"].encode(), orjson.dumps(item))]))
    wanted = (item["listing_id"], item.get("revision", 0))

    def this_revision(r: dict) -> bool:
        return (r["listing_id"], r.get("revision", 0)) == wanted

    records = asyncio.run(read_until(
        bootstrap, [topics.DECISIONS.name], lambda rs: any(this_revision(r) for _, _, r in rs), timeout_s))
    return next(r for _, _, r in records if this_revision(r))


def signal(decision: dict, name: str) -> dict:
    return next(s for s in decision["signals"] if s["name"] == name)


def until(check, timeout_s: float = 60):
    """Retry ``check()`` until it returns something truthy: state reaches workers asynchronously.
    The tries are spaced out, so that polling does not take the CPU the worker needs to get there."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def outcome(run_id: str, seller: str, n: int, kind: str = "confirmed") -> tuple[bytes, bytes]:
    listing_id = f"{run_id}-sold-{n}"
    return listing_id.encode(), orjson.dumps({
        "schema_version": 1, "outcome_id": f"{run_id}-o{n}", "listing_id": listing_id, "seller_id": seller,
        "outcome": kind, "decided_by": "takedown-service", "decided_at": "2026-11-27T12:00:00Z",
    })


def test_confirmed_takedowns_raise_the_sellers_next_scores(worker: str, run_id: str):
    seller = f"{run_id}-repeat"
    asyncio.run(produce(worker, topics.OUTCOMES.name, [outcome(run_id, seller, n) for n in range(3)]
                        + [outcome(run_id, seller, 0)]))  # a redelivered outcome counts once
    state = asyncio.run(read_until(
        worker, [topics.SELLER_REPUTATION.name],
        lambda rs: any(k == seller.encode() and r["confirmed"] == 3 for _, k, r in rs), 90))
    latest = [r for _, k, r in state if k == seller.encode()][-1]
    assert latest["confirmed"] == 3

    base = dict(title="Prada Galleria bag", brand="Prada", **{"price.amount": 900.0})
    clean = decide(worker, listing(listing_id=f"{run_id}-clean", **{"seller.id": f"{run_id}-clean"}, **base))
    revision = iter(range(1, 1000))

    def repeat_decision():
        d = decide(worker, listing(listing_id=f"{run_id}-again", revision=next(revision), **{"seller.id": seller}, **base))
        known = [s for s in d["signals"] if s["name"] == "seller_confirmed_takedowns"]
        return d if known and known[0]["value"] == 3 else None

    repeat = until(repeat_decision)
    assert repeat, "the worker never saw the seller's confirmed takedowns"
    assert repeat["score"] > clean["score"]
    assert all(s["name"] != "seller_confirmed_takedowns" for s in clean["signals"])


def test_invalid_outcome_goes_to_the_deadletter_topic(worker: str, run_id: str):
    bad_key = f"{run_id}-bad-outcome".encode()
    asyncio.run(produce(worker, topics.OUTCOMES.name, [(bad_key, b'{"outcome": "maybe"}')]))
    records = asyncio.run(read_until(worker, [topics.DEADLETTER.name],
                                     lambda rs: any(k == bad_key for _, k, _ in rs), 60))
    (dead,) = [r for _, k, r in records if k == bad_key]
    assert dead["source"]["topic"] == topics.OUTCOMES.name
    assert dead["reason"] == "missing_field"


def test_brand_profiles_change_at_run_time_and_bad_ones_are_refused(worker: str, run_id: str):
    alias = "".join(chr(ord("a") + int(c, 16)) for c in run_id[:8]) + "lux"
    brand_id = f"brand_{run_id}"
    profile = {"brand_id": brand_id, "display_name": alias.title(), "aliases": [alias],
               "reference_prices_usd": {"bags": [2000, 5000]}}
    asyncio.run(produce(worker, topics.BRAND_PROFILES.name, [profile_record(profile)]))
    item = dict(title=f"{alias.title()} tote bag", **{"price.amount": 60.0})
    counter = iter(range(1000))

    def decided_with_profile():
        d = decide(worker, listing(listing_id=f"{run_id}-p{next(counter)}", **item))
        return d if d["brand"] == brand_id else None

    first = until(decided_with_profile)
    assert first, "the new brand profile never reached the worker"
    assert signal(first, "price_ratio_to_retail")["value"] == 0.03

    bad = dict(profile, reference_prices_usd={"bags": [5000, 2000]})  # a range upside down
    asyncio.run(produce(worker, topics.BRAND_PROFILES.name, [profile_record(bad)]))
    records = asyncio.run(read_until(
        worker, [topics.DEADLETTER.name],
        lambda rs: any(k == brand_id.encode() for _, k, _ in rs), 60))
    (dead,) = [r for _, k, r in records if k == brand_id.encode()]
    assert dead["source"]["topic"] == topics.BRAND_PROFILES.name and "reference_prices_usd" in dead["detail"]
    assert dead["source"]["offset"] > 0  # where the refused profile sits on brands.profiles
    after = decide(worker, listing(listing_id=f"{run_id}-after", **item))
    assert after["brand"] == brand_id
    assert signal(after, "price_ratio_to_retail")["value"] == 0.03  # the previous profile is still in force
