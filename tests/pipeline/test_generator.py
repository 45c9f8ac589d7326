from collections import Counter

import orjson

from pipeline.generator import COUNTERFEIT, GENUINE, MALFORMED, MALFORMED_KINDS, ListingGenerator


def test_same_seed_same_stream_different_seed_different_stream():
    a = [i.value for i in ListingGenerator(seed=5).take(200)]
    assert a == [i.value for i in ListingGenerator(seed=5).take(200)]
    assert a != [i.value for i in ListingGenerator(seed=6).take(200)]


def test_mix_has_every_label_and_every_malformed_kind():
    items = ListingGenerator(seed=2).take(10000)
    labels = Counter(i.label for i in items)
    assert labels[GENUINE] > labels[COUNTERFEIT] > labels[MALFORMED] > 0
    assert {i.kind for i in items if i.label == MALFORMED} == set(MALFORMED_KINDS)


def test_keys_are_unique_listing_ids():
    items = ListingGenerator(seed=9).take(5000)
    assert len({i.key for i in items}) == len(items)
    for item in items:
        if item.label != MALFORMED:
            assert orjson.loads(item.value)["listing_id"] == item.listing_id
