from collections import Counter

import orjson

from pipeline.synthetic.generator import (
    COUNTERFEIT,
    COUNTERFEIT_KINDS,
    GENUINE,
    GENUINE_KINDS,
    MALFORMED,
    MALFORMED_KINDS,
    ListingGenerator,
)


def test_same_seed_same_stream_different_seed_different_stream():
    a = [i.value for i in ListingGenerator(seed=5).take(200)]
    assert a == [i.value for i in ListingGenerator(seed=5).take(200)]
    assert a != [i.value for i in ListingGenerator(seed=6).take(200)]


def test_mix_has_every_label_and_every_malformed_kind():
    items = ListingGenerator(seed=2).take(10000)
    labels = Counter(i.label for i in items)
    assert labels[GENUINE] > labels[COUNTERFEIT] > labels[MALFORMED] > 0
    assert {i.kind for i in items if i.label == MALFORMED} == set(MALFORMED_KINDS)
    assert {i.kind for i in items if i.label == GENUINE} == set(GENUINE_KINDS)
    assert {i.kind for i in items if i.label == COUNTERFEIT} == set(COUNTERFEIT_KINDS)


def test_keys_are_unique_listing_ids():
    items = ListingGenerator(seed=9).take(5000)
    assert len({i.key for i in items}) == len(items)
    for item in items:
        if item.label != MALFORMED:
            assert orjson.loads(item.value)["listing_id"] == item.listing_id


def test_counterfeiter_networks_rotate_accounts_that_share_contact_points():
    from pipeline.synthetic.generator import label_line

    items = ListingGenerator(seed=4).take(20000)
    networked = [i for i in items if i.network]
    assert networked and all(i.label == COUNTERFEIT for i in networked)
    accounts: dict[str, set[str]] = {}
    for item in networked:
        accounts.setdefault(item.network, set()).add(item.seller_id)
    busiest = max(accounts, key=lambda n: len(accounts[n]))
    assert len(accounts[busiest]) >= 3
    firsts = [i for i in networked if i.first_listing]
    assert len({i.seller_id for i in firsts}) == len(firsts) > 10  # an account has one first listing
    seen: set[str] = set()
    for item in networked:  # ... and nothing before it
        assert not (item.first_listing and item.seller_id in seen)
        seen.add(item.seller_id)
    veterans = [orjson.loads(i.value) for i in networked if i.network_account == 0]
    assert min(v["seller"]["created_at"] for v in veterans) < "2026-09-01"  # accounts opened before the stream
    contacts = {i.seller_id: set(orjson.loads(i.value)["seller"]["contact_hashes"])
                for i in networked if i.network == busiest}
    sellers = sorted(contacts)
    assert all(contacts[a] & contacts[b] for a in sellers for b in sellers if a.endswith("-0"))
    first = orjson.loads(next(i for i in firsts if i.network_account > 0).value)
    assert first["seller"]["created_at"] > "2026-10-25"  # a young account, days old at its first listing
    truth = orjson.loads(label_line(firsts[-1]))
    assert truth["first_listing"] is True and truth["network"] == firsts[-1].network
    plain = orjson.loads(label_line(next(i for i in items if i.label == GENUINE)))
    assert {"listing_id", "label", "kind", "brand"} <= plain.keys() and "network" not in plain
