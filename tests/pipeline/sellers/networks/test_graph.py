import random

import jsonschema
import numpy as np
import orjson
import pytest

import schemas
from pipeline.sellers.networks.changelog import link_record, parse_link
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.networks.hashindex import HashIndex
from pipeline.sellers.networks.types import PointKind
from pipeline.types import Rejection


def apply_link_record(networks: SellerNetworks, key: bytes | None, value: bytes | None) -> bool | Rejection:
    """One changelog record applied on its own; True if it changed the state. A tombstone changes
    nothing (union-find cannot split a network); a record that is not a link comes back as a Rejection."""
    if value is None:
        return False
    link = parse_link(value)
    if isinstance(link, Rejection):
        return link
    return networks.link(link.seller_id, [link.point], link.kind, link.first_seen_at)


def test_hash_index_finds_pending_and_merged_keys_and_replaces_values():
    index = HashIndex(merge_at=7)
    for key in range(100):
        index.put(key * 7919, key)
    index.put(7919 * 3, 300)  # replaces a merged key in place
    found = index.get_batch(np.array([k * 7919 for k in range(100)] + [1], dtype=np.uint64))
    assert found[:100].tolist() == [300 if k == 3 else k for k in range(100)]
    assert found[100] == -1 and index.get(2) == -1 and len(index) == 100


def test_sellers_sharing_a_point_form_one_network_transitively():
    networks = SellerNetworks()
    assert networks.link("a", ["phone-1"])
    assert networks.link("b", ["phone-1", "mail-2"])
    assert networks.link("c", ["mail-2"])
    assert not networks.link("c", ["mail-2"])  # nothing new
    networks.link("x", ["phone-9"])
    assert networks.same_network("a", "c") and not networks.same_network("a", "x")
    assert networks.network_of("c").size == 3
    assert networks.members("b") == ["a", "b", "c"]
    assert networks.network_of("stranger") is None and networks.members("stranger") == []


def test_a_new_account_is_linked_through_its_contact_point_on_its_first_listing():
    networks = SellerNetworks()
    networks.link("old-1", ["phone-1", "pay-1"])
    networks.link("old-2", ["pay-1"])
    networks.record_confirmed("old-1", 2)
    networks.record_confirmed("old-2", 3)
    found = networks.lookup_batch(["brand-new", "honest"], [["pay-1"], ["pay-7"]])
    assert found.takedowns.tolist() == [5, 0]
    assert found.accounts.tolist() == [2, 0]
    assert found.linked_seller == ["old-2", None] and found.kind == ["contact", None]
    assert found.linked_takedowns.tolist() == [3, 0]


def test_lookup_leaves_out_the_sellers_own_takedowns_and_never_names_it():
    networks = SellerNetworks()
    networks.link("worst", ["p"])
    networks.link("other", ["p"])
    networks.record_confirmed("worst", 9)
    networks.record_confirmed("other", 1)
    found = networks.lookup_batch(["worst", "other"], [[], []])
    assert found.takedowns.tolist() == [1, 9]
    assert found.linked_seller == ["other", "worst"]
    alone = SellerNetworks()
    alone.link("solo", ["q"])
    alone.record_confirmed("solo", 4)
    assert alone.lookup_batch(["solo"], [["q"]]).takedowns.tolist() == [0]


def test_image_links_are_reported_as_such():
    networks = SellerNetworks()
    networks.link("fake-shop", ["a1b2c3d4e5f60718"], PointKind.IMAGE)
    networks.record_confirmed("fake-shop", 2)
    found = networks.lookup_batch(["new"], [[]], [["a1b2c3d4e5f60718"]])
    assert found.kind == ["image"] and found.linked_seller == ["fake-shop"]
    # the same string as a contact point is a different point
    assert networks.lookup_batch(["new"], [["a1b2c3d4e5f60718"]]).takedowns.tolist() == [0]


def test_takedown_counts_follow_reputation_up_and_down():
    networks = SellerNetworks()
    networks.link_batch(["a", "b", "c"], [["p"], ["p"], ["p"]])
    networks.record_confirmed("a", 5)
    networks.record_confirmed("b", 4)
    networks.record_confirmed("c", 1)
    assert networks.network_of("a")[1:4] == (10, "a", 5)
    networks.record_confirmed("a", 0)  # reinstated: the runner-up takes over
    assert networks.network_of("c")[1:4] == (5, "b", 4)
    assert networks.lookup_batch(["b"], [[]]).linked_seller == ["c"]


def test_a_crowded_point_stops_linking_and_is_ignored_by_lookups():
    networks = SellerNetworks(max_sellers_per_point=3)
    for seller in ("s1", "s2", "s3", "s4", "s5"):
        networks.link(seller, ["marketplace-support-line"])
    assert networks.network_of("s1").size == 3 and networks.network_of("s5").size == 1
    networks.record_confirmed("s1", 7)
    assert networks.lookup_batch(["newcomer"], [["marketplace-support-line"]]).takedowns.tolist() == [0]


def _random_links(seed: int) -> list[tuple[str, str, PointKind]]:
    rng = random.Random(seed)
    links = []
    for seller in range(400):
        for _ in range(rng.randint(1, 3)):
            kind = PointKind.IMAGE if rng.random() < 0.1 else PointKind.CONTACT
            links.append((f"s{seller}", f"p{rng.randint(0, 700)}", kind))
    return links


def test_networks_do_not_depend_on_link_order_or_batching():
    links = _random_links(3)
    confirmed = {f"s{i}": i % 4 for i in range(0, 400, 7)}
    answers = []
    for order_seed in (1, 2):
        shuffled = links[:]
        random.Random(order_seed).shuffle(shuffled)
        networks = SellerNetworks(merge_at=16)
        if order_seed == 1:
            for seller, point, kind in shuffled:
                networks.link(seller, [point], kind)
            for seller, count in confirmed.items():
                networks.record_confirmed(seller, count)
        else:
            for seller, count in confirmed.items():  # reputation first, then links in batches
                networks.record_confirmed(seller, count)
            for kind in PointKind:
                chosen = [(s, p) for s, p, k in shuffled if k is kind]
                for start in range(0, len(chosen), 50):
                    part = chosen[start:start + 50]
                    networks.link_batch([s for s, _ in part], [[p] for _, p in part], kind)
        sellers = [f"s{i}" for i in range(400)]
        found = networks.lookup_batch(sellers, [[] for _ in sellers])
        answers.append(([networks.network_of(s) for s in sellers], [networks.members(s, 5) for s in sellers],
                        found.takedowns.tolist(), found.linked_seller))
    assert answers[0] == answers[1]
    assert max(summary.size for summary in answers[0][0]) > 2


def test_links_rebuild_the_same_state_from_the_changelog():
    live = SellerNetworks(merge_at=32)
    changelog: dict[bytes, bytes] = {}
    rng = random.Random(5)
    for start in range(0, 300, 30):
        sellers = [f"s{rng.randint(0, 200)}" for _ in range(30)]
        points = [[f"c{rng.randint(0, 400)}" for _ in range(rng.randint(0, 3))] for _ in range(30)]
        for link in live.link_batch(sellers, points, seen_at="2026-11-27T10:00:00Z"):
            key, value = link_record(link)
            changelog[key] = value  # compaction keeps the latest value per key
    rebuilt = SellerNetworks()
    for key, value in sorted(changelog.items(), reverse=True):
        assert apply_link_record(rebuilt, key, value) in (True, False)
    assert rebuilt.sellers == live.sellers and rebuilt.points == live.points
    for seller in (f"s{i}" for i in range(201)):
        assert rebuilt.members(seller) == live.members(seller)


def test_link_records_match_their_schema_and_bad_ones_are_refused():
    networks = SellerNetworks()
    (link,) = networks.link_batch(["s1"], [["9f" * 20]], seen_at="2026-11-27T10:00:00Z")
    key, value = link_record(link)
    assert key == b"s1|contact:" + b"9f" * 20
    jsonschema.Draft202012Validator(schemas.load("seller_link.v1.json")).validate(orjson.loads(value))
    assert parse_link(value) == link
    assert apply_link_record(SellerNetworks(), key, None) is False  # tombstone: nothing to undo
    assert isinstance(apply_link_record(networks, key, b'{"schema_version": 1, "seller_id": "s"}'), Rejection)
    assert isinstance(apply_link_record(networks, key, b"\xff"), Rejection)


@pytest.mark.parametrize("cap", [1, 256])
def test_point_cap_is_bounded(cap):
    with pytest.raises(ValueError):
        SellerNetworks(max_sellers_per_point=cap)
