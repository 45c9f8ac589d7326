"""Seller networks on a real broker: a new account inherits its network's record on its first
listing, the links survive a worker restart through sellers.links, and an analyst can read a
network from the command line and from a worker's /sellers/{id} endpoint."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from pathlib import Path

import jsonschema
import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

import schemas
from agents.kafka.clients import wait_for_group
from agents.processes import first_exit, free_port
from agents.testing import produce, read_until, running_worker, start_group_at_end
from benchmarks.stall import REFUSING_BYTES, accept_writes, refuse_writes
from pipeline import topics
from pipeline.testing import listing
from tests.integration.test_feedback import outcome, until
from tests.integration.test_observability import get
from tests.integration.test_operations import cli

pytestmark = pytest.mark.integration
RUN = uuid.uuid4().hex[:10]
OLD, NEW, STRANGER = f"{RUN}-old", f"{RUN}-new", f"{RUN}-stranger"


def contact(name: str) -> str:
    """What a marketplace shares: a hash of the contact point, never the contact."""
    return hashlib.sha256(f"{RUN}:{name}".encode()).hexdigest()


def first_listing(listing_id: str, seller: str, phone: str, created_at: str = "2026-11-25T00:00:00Z") -> dict:
    return listing(listing_id=listing_id, **{"seller.id": seller, "seller.created_at": created_at,
                                             "seller.contact_hashes": [phone]})


def decide_all(bootstrap: str, items: list[dict], timeout_s: float = 60) -> dict[str, dict]:
    asyncio.run(produce(bootstrap, topics.LISTINGS_RAW.name, [(x["listing_id"].encode(), orjson.dumps(x)) for x in items]))
    wanted = {x["listing_id"] for x in items}
    records = asyncio.run(read_until(bootstrap, [topics.DECISIONS.name],
                                     lambda rs: wanted <= {r["listing_id"] for _, _, r in rs}, timeout_s))
    return {r["listing_id"]: r for _, _, r in records if r["listing_id"] in wanted}


def view(port: int, seller: str) -> tuple[int, dict]:
    status, body = get(f"http://127.0.0.1:{port}/sellers/{seller}")
    return status, json.loads(body) if body else {}


def members(answer: dict) -> dict[str, int]:
    return {m["seller_id"]: m["confirmed_takedowns"] for m in answer["network"]["members"]}


async def topic_config(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        return {entry[0]: entry[1] for entry in response.resources[0][4]}
    finally:
        await admin.close()


def test_topics_create_makes_the_seller_topics(topics_created: str):
    result = cli(topics_created, "topics", "create")
    assert result.returncode == 0, result.stderr
    states = dict(line.split() for line in result.stdout.splitlines())
    assert states[topics.SELLER_LINKS.name] in ("created", "exists")
    assert states[topics.SUSPECTS_SELLERS.name] in ("created", "exists")
    assert asyncio.run(topic_config(topics_created, topics.SELLER_LINKS.name))["cleanup.policy"] == "compact"
    assert asyncio.run(topic_config(topics_created, topics.SUSPECTS_SELLERS.name))["cleanup.policy"] == "delete"


@pytest.fixture(scope="module")
def network(worker: str, web_port: int) -> dict[str, dict]:
    """A seller with three confirmed takedowns and a phone hash; then the first listings of a new
    account with the same phone and of a new account with a phone of its own."""
    decide_all(worker, [first_listing(f"{RUN}-old-1", OLD, contact("phone"), "2020-01-01T00:00:00Z")])
    asyncio.run(produce(worker, topics.OUTCOMES.name, [outcome(RUN, OLD, n) for n in range(3)]))
    known = until(lambda: (answer := view(web_port, OLD))[0] == 200
                  and answer[1]["reputation"]["confirmed_takedowns"] == 3 and answer[1]["links"], 90)
    assert known, f"the worker never knew {OLD}'s takedowns and phone: {view(web_port, OLD)}"
    return decide_all(worker, [first_listing(f"{RUN}-new-1", NEW, contact("phone")),
                               first_listing(f"{RUN}-stranger-1", STRANGER, contact("other phone"))])


def test_a_new_account_sharing_a_phone_with_a_counterfeiter_is_reviewed_on_its_first_listing(network: dict):
    linked, control = network[f"{RUN}-new-1"], network[f"{RUN}-stranger-1"]
    assert control["route"] == "clear"  # the same listing from an account with nothing linked
    assert linked["route"] in ("review", "takedown")
    (signal,) = [s for s in linked["signals"] if s["name"] == "network_confirmed_takedowns"]
    assert signal["value"] == 3
    assert OLD in signal["detail"] and "contact point" in signal["detail"]


def test_the_worker_serves_the_network_as_json(network: dict, web_port: int):
    found = until(lambda: (a := view(web_port, NEW))[0] == 200 and len(a[1]["links"]) == 2 and a)
    assert found, f"the worker never served both links: {view(web_port, NEW)}"
    _, answer = found
    assert members(answer) == {OLD: 3, NEW: 0}
    assert answer["network"]["other_accounts_confirmed_takedowns"] == 3
    assert answer["evidence"]["shared_points"] == [
        {"kind": "contact", "point_prefix": contact("phone")[:12], "sellers": [OLD, NEW]}]
    assert contact("phone") not in json.dumps(answer)
    status, missing = view(web_port, f"{RUN}-nobody")
    assert status == 404 and missing == {"error": "unknown seller", "seller_id": f"{RUN}-nobody"}


def test_the_seller_command_prints_the_network(network: dict, worker: str):
    as_json = until(lambda: (r := cli(worker, "seller", NEW, "--json", "-", "--no-progress")).returncode == 0
                    and len(json.loads(r.stdout)["links"]) == 2 and r)
    assert as_json, "the seller command never showed both links"
    answer = json.loads(as_json.stdout)
    assert members(answer) == {OLD: 3, NEW: 0}
    old = cli(worker, "seller", OLD, "--json", "-", "--no-progress")
    assert json.loads(old.stdout)["reputation"]["confirmed"] == 3  # the full record: the command read it
    assert sorted(json.loads(old.stdout)["evidence"]["recent_outcome_ids"]) == [f"{RUN}-o{n}" for n in range(3)]
    text = cli(worker, "seller", NEW, "--no-progress")
    assert text.returncode == 0, text.stderr
    assert OLD in text.stdout and contact("phone")[:12] in text.stdout and "2 account(s)" in text.stdout
    assert contact("phone") not in text.stdout + as_json.stdout
    unknown = cli(worker, "seller", f"{RUN}-nobody", "--no-progress")
    assert unknown.returncode == 1 and "nothing is known" in unknown.stderr


def test_repeat_infringers_and_their_new_accounts_are_recommended_with_the_evidence(network: dict, worker: str):
    asyncio.run(produce(worker, topics.OUTCOMES.name, [outcome(RUN, NEW, 10)]))  # the new account's first strike
    records = asyncio.run(read_until(worker, [topics.SUSPECTS_SELLERS.name],
                                     lambda rs: {OLD.encode(), NEW.encode()} <= {k for _, k, _ in rs}, 90))
    found = {k.decode(): r for _, k, r in records if k in (OLD.encode(), NEW.encode())}
    assert set(found) == {OLD, NEW}, "no recommendation on suspects.sellers"
    validator = jsonschema.Draft202012Validator(schemas.load("seller_recommendation.v1.json"))
    for record in found.values():
        validator.validate(record)
    assert found[OLD]["scope"] == "seller" and found[OLD]["seller"]["strikes"] == 3
    assert sorted(found[OLD]["evidence"]["listings"]) == [f"{RUN}-sold-{n}" for n in range(3)]
    assert found[NEW]["scope"] == "network" and found[NEW]["seller"]["strikes"] == 1
    assert found[NEW]["network"]["strikes"] == 4 and found[NEW]["network"]["accounts"] == 2
    assert found[NEW]["network"]["linked_sellers"] == [{"seller_id": OLD, "confirmed_takedowns": 3}]
    assert sorted(found[NEW]["evidence"]["listings"]) == sorted(f"{RUN}-sold-{n}" for n in (0, 1, 2, 10))
    assert sum(k == OLD.encode() for _, k, _ in records) == 1  # one finding, one recommendation


def test_a_record_on_sellers_links_that_is_not_a_link_is_dead_lettered(worker: str):
    key = f"{RUN}-bad|contact:x".encode()
    asyncio.run(produce(worker, topics.SELLER_LINKS.name, [(key, b'{"seller_id": 7}')]))
    try:
        records = asyncio.run(read_until(worker, [topics.DEADLETTER.name], lambda rs: any(k == key for _, k, _ in rs), 60))
        dead = [r for _, k, r in records if k == key]
        assert dead and dead[0]["source"]["topic"] == topics.SELLER_LINKS.name
        assert dead[0]["reason"] in ("missing_field", "wrong_type", "schema_violation")
    finally:  # a tombstone, so compaction clears it from a shared cluster
        asyncio.run(produce(worker, topics.SELLER_LINKS.name, [(key, None)]))


async def refusing(bootstrap: str, topic: str, refuse: bool, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Make ``topic`` refuse every record (returns its own settings), or restore ``overrides``;
    returns once the broker describes the topic with the new limit, i.e. has applied it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if refuse:
            own = await refuse_writes(admin, topic)
        else:
            own = overrides or {}
            await accept_writes(admin, topic, own)
        deadline = time.monotonic() + 30
        while ((await topic_config(bootstrap, topic))["max.message.bytes"] == REFUSING_BYTES) != refuse:
            assert time.monotonic() < deadline, f"the broker never applied the new max.message.bytes of {topic}"
            await asyncio.sleep(0.1)
        return own
    finally:
        await admin.close()


def test_links_of_a_refused_batch_reach_sellers_links_once_it_accepts_writes(worker: str):
    sellers = [f"{RUN}-stalled-{n}" for n in range(3)]
    items = [listing(listing_id=f"{s}-1", **{"seller.id": s, "seller.contact_hashes": [contact(s)]}) for s in sellers]
    wanted = {x["listing_id"] for x in items}
    overrides = asyncio.run(refusing(worker, topics.SELLER_LINKS.name, refuse=True))
    try:
        asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(x["listing_id"].encode(), orjson.dumps(x)) for x in items]))
        # the decisions were accepted and the links refused: the batch is scanned and produced again
        decided = asyncio.run(read_until(worker, [topics.DECISIONS.name], lambda rs: all(
            sum(r["listing_id"] == w for _, _, r in rs) >= 2 for w in wanted), 90))
        assert all(sum(r["listing_id"] == w for _, _, r in decided) >= 2 for w in wanted), "no batch was refused"
    finally:
        asyncio.run(refusing(worker, topics.SELLER_LINKS.name, refuse=False, overrides=overrides))
    expected = {f"{s}|contact:{contact(s)}".encode() for s in sellers}
    # the worker tries the refused batch again after a backoff that grows to several seconds
    links = asyncio.run(read_until(worker, [topics.SELLER_LINKS.name], lambda rs: expected <= {k for _, k, _ in rs}, 90))
    assert expected <= {k for _, k, _ in links}, "links of the refused batch never reached sellers.links"


def scan_worker(bootstrap: str, log_dir: Path, ports: tuple[int, int], group: str):
    """A scan-only worker on (metrics port, web port): metrics and probes on one, seller views on the other."""
    asyncio.run(start_group_at_end(bootstrap, group))
    log_dir.mkdir()
    return running_worker(bootstrap, log_dir, ports[0], ("--web-port", str(ports[1])), scan_group_id=group,
                          roles="scan", app_id=f"sn-{group}")


def processed(port: int) -> float:
    _, text = get(f"http://127.0.0.1:{port}/metrics")
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith("counterscan_listings_processed_total"))


def test_a_restarted_worker_knows_the_networks_without_reading_listings(topics_created: str, tmp_path: Path):
    bootstrap = topics_created
    chain = [(f"{RUN}-chain-a", ["p1"]), (f"{RUN}-chain-b", ["p1", "p2"]), (f"{RUN}-chain-c", ["p2"])]
    ours = f"{RUN}-chain-".encode()
    items = [listing(listing_id=f"{seller}-1", **{"seller.id": seller, "seller.contact_hashes": [contact(p) for p in phones]})
             for seller, phones in chain]
    first_port, first_web = free_port(), free_port()
    with scan_worker(bootstrap, tmp_path / "first", (first_port, first_web), f"sn-{RUN}-1") as proc:
        asyncio.run(wait_for_group(bootstrap, f"sn-{RUN}-1", 1, exited=lambda: first_exit([proc])))
        decide_all(bootstrap, items)
        assert until(lambda: processed(first_port) >= len(items)), "the first worker scanned nothing"
        assert until(lambda: view(first_web, f"{RUN}-chain-c")[1].get("network", {}).get("size") == 3)
    # the session's worker publishes the same links as the first one: counting records could
    # stop the read on two copies of one link, so it waits for each link by its key
    expected = {f"{seller}|contact:{contact(p)}" for seller, phones in chain for p in phones}
    links = asyncio.run(read_until(bootstrap, [topics.SELLER_LINKS.name],
                                   lambda rs: expected <= {k.decode() for _, k, _ in rs if k.startswith(ours)}, 90))
    assert {k.decode() for _, k, _ in links if k.startswith(ours)} == expected

    second_port, second_web = free_port(), free_port()
    started = time.monotonic()
    with scan_worker(bootstrap, tmp_path / "second", (second_port, second_web), f"sn-{RUN}-2") as proc:
        answer = until(lambda: (a := view(second_web, f"{RUN}-chain-a"))[0] == 200 and a[1]["network"]["size"] == 3 and a[1])
        recovered_s = time.monotonic() - started
        assert answer, f"the restarted worker does not know the network: {view(second_web, f'{RUN}-chain-a')}"
        assert set(members(answer)) == {seller for seller, _ in chain}
        assert len(answer["links"]) == 4
        assert processed(second_port) == 0  # from sellers.links alone: it read no listing
        assert proc.poll() is None
    print(f"restarted worker served the network {recovered_s:.1f} s after its start")
