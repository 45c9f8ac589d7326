"""No takedown without direct evidence of counterfeiting: each kind of evidence alone opens it,
and a young account, a pallet of stock or a risky origin never do, however the model weighs them."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from pipeline import topics
from pipeline.brands.catalog import BrandCatalog
from pipeline.intake.normalize import normalize
from pipeline.scanner import Scanner
from pipeline.scoring.model import LogisticModel
from pipeline.scoring.signals import SIGNALS, SignalExtractor
from pipeline.sellers.reputation import Outcome, ReputationBook, SellerReputation
from pipeline.settings import Settings
from pipeline.testing import listing, raw_records

CATALOG = BrandCatalog.load()
KNOWN_IMAGE = f"{CATALOG.profiles['gucci'].counterfeit_phashes[0]:016x}"
# a Gucci bag from a week-old account, 20 units, shipping from a risky origin, at 60% of retail: suspicious, no evidence
SUSPICIOUS = {"title": "Gucci shoulder bag black", "brand": "Gucci", "quantity": 20, "ships_from": "CN",
              "seller.created_at": "2026-11-20T00:00:00Z", "price.amount": 900.0}


def suspicious(**change: object) -> dict:
    return listing(**{**SUSPICIOUS, **change})


def evidence_of(*listings: dict, reputation: ReputationBook | None = None) -> list[bool]:
    return SignalExtractor(CATALOG, reputation).extract([normalize(x) for x in listings]).evidence.tolist()


def test_suspicion_alone_is_no_evidence():
    assert evidence_of(suspicious()) == [False]


@pytest.mark.parametrize("change", [
    {"title": "Gucci shoulder bag black replica"},  # counterfeit vocabulary
    {"image_phashes": [KNOWN_IMAGE]},  # a known-counterfeit image
    {"title": "Gսcci shoulder bag black", "brand": None},  # a disguised brand name
    {"price.amount": 150.0},  # a price implausible for a new bag
], ids=["vocabulary", "image", "disguise", "price"])
def test_each_kind_of_evidence_alone_is_evidence(change):
    assert evidence_of(suspicious(**change)) == [True]


def test_confirmed_takedowns_of_the_seller_are_evidence():
    book = ReputationBook()
    book.put(SellerReputation("seller-1").apply(Outcome.CONFIRMED, None))
    assert evidence_of(suspicious(), reputation=book) == [True]


def test_a_denial_is_no_evidence_either_way():
    assert evidence_of(suspicious(description="Not a replica, receipt included.")) == [False]


def test_a_low_price_for_a_used_item_is_not_evidence_but_a_lower_one_is():
    worn = {"title": "Gucci shoulder bag black, worn twice"}
    assert evidence_of(suspicious(**worn, **{"price.amount": 450.0})) == [False]  # what worn bags fetch
    assert evidence_of(suspicious(**worn, **{"price.amount": 60.0})) == [True]


def test_a_model_that_trusts_youth_still_cannot_take_down_without_evidence():
    weights = np.zeros(len(SIGNALS))
    weights[[s.name for s in SIGNALS].index("new_seller_account")] = 30.0
    scanner = Scanner(Settings.load(env={}).scoring, model=LogisticModel("youth", 0.0, weights))
    result = scanner.process(raw_records([suspicious(), suspicious(listing_id="L-2", title="Gucci bag replica")]))
    routes = {d["listing_id"]: d["route"] for d in (orjson.loads(o.value) for o in result.outputs
                                                     if o.topic == topics.DECISIONS.name)}
    assert routes == {"L-1": "review", "L-2": "takedown"}
