import orjson
import pytest

from pipeline import topics
from pipeline.brands.catalog import BrandCatalog
from pipeline.intake.normalize import normalize
from pipeline.intake.validation import decode_listing
from pipeline.scanner import Scanner
from pipeline.scoring.signals import SIGNALS
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.networks.types import PointKind
from pipeline.sellers.reputation import ReputationBook, SellerReputation
from pipeline.settings import Settings
from pipeline.testing import listing, parse_output, raw_records

NETWORK = [s.name for s in SIGNALS].index("network_confirmed_takedowns")


def infringer_state() -> tuple[ReputationBook, SellerNetworks]:
    """Two closed accounts of one operator sharing a payment account, 4 confirmed takedowns between them."""
    book, networks = ReputationBook(), SellerNetworks()
    networks.link("old-shop-1", ["pay-77", "phone-1"])
    networks.link("old-shop-2", ["pay-77"])
    for seller, count in (("old-shop-1", 3), ("old-shop-2", 1)):
        book.put(SellerReputation(seller, confirmed=count))
        networks.record_confirmed(seller, count)
    return book, networks


def new_account_listing(listing_id: str, contacts: list[str], **extra) -> dict:
    return listing(listing_id=listing_id, **{"seller.id": f"fresh-{listing_id}", "seller.created_at": "2026-11-26T00:00:00Z",
                                             "seller.contact_hashes": contacts}, **extra)


@pytest.fixture()
def scanner() -> Scanner:
    book, networks = infringer_state()
    return Scanner(Settings.load(env={}).scoring, reputation=book, networks=networks)


def only_decisions(result) -> dict[str, dict]:
    return {d["listing_id"]: d for r, d in ((r, parse_output(r)) for r in result.outputs)
            if r.topic == topics.DECISIONS.name}


def test_first_listing_of_a_new_account_in_an_infringer_network_is_never_cleared(scanner):
    quiet = {"title": "Leather tote bag black", "price.amount": 80.0}
    result = scanner.process(raw_records([new_account_listing("L-linked", ["pay-77"], **quiet),
                                          new_account_listing("L-alone", ["pay-12"], **quiet)]))
    found = only_decisions(result)
    assert found["L-linked"]["route"] in ("review", "takedown")
    assert found["L-alone"]["route"] == "clear"
    signal = next(s for s in found["L-linked"]["signals"] if s["name"] == "network_confirmed_takedowns")
    assert signal["value"] == 4 and signal["contribution"] > 0
    assert signal["detail"].startswith("linked by a contact point to the network of seller old-shop-1")


def test_the_explanation_names_the_linking_account():
    import numpy as np

    from pipeline.scoring.explain import explain_batch
    from pipeline.sellers.networks.types import NetworkLookup

    values = np.zeros((2, len(SIGNALS)))
    values[:, NETWORK] = [4, 2]
    contributions = np.zeros_like(values)
    contributions[:, NETWORK] = 1.5
    network = NetworkLookup(np.array([4, 2]), np.array([2, 1]), ["old-shop-1", "fake-shop"], np.array([3, 2]),
                            ["contact", "image"])
    explained = explain_batch(values, contributions, [None, "Gucci"], [(), ()], network)
    assert explained[0][0]["name"] == "network_confirmed_takedowns" and explained[0][0]["value"] == 4
    assert explained[0][0]["detail"] == ("linked by a contact point to the network of seller old-shop-1 "
                                         "(3 confirmed takedowns); 2 linked accounts, 4 confirmed takedowns in all")
    assert "a known counterfeit image" in explained[1][0]["detail"] and "fake-shop" in explained[1][0]["detail"]


def test_network_signal_counts_linked_takedowns_and_names_the_worst_account(scanner):
    listings = [new_account_listing("L-1", ["phone-1"])]
    normalized = [normalize(decode_listing(orjson.dumps(x), 1 << 20)) for x in listings]
    signals = scanner.extractor.extract(normalized)
    assert signals.values[0, NETWORK] == 4
    assert signals.network.linked_seller == ["old-shop-1"] and signals.network.kind == ["contact"]
    assert bool(signals.must_review[0])


def test_an_old_account_linked_to_infringers_is_not_forced_to_review(scanner):
    old = listing(listing_id="L-old", **{"seller.id": "veteran", "seller.contact_hashes": ["phone-1"]})
    normalized = [normalize(decode_listing(orjson.dumps(old), 1 << 20))]
    signals = scanner.extractor.extract(normalized)
    assert signals.values[0, NETWORK] == 4 and not signals.must_review[0]


def test_scanner_learns_contact_links_from_what_it_scores(scanner):
    result = scanner.process(raw_records([new_account_listing("L-a", ["phone-1", "mail-9"]),
                                          new_account_listing("L-b", ["mail-9"])]))
    assert scanner.networks.same_network("fresh-L-a", "old-shop-1")
    assert scanner.networks.same_network("fresh-L-b", "old-shop-2")
    learned = {(link.seller_id, link.point) for link in result.links}
    assert {("fresh-L-a", "mail-9"), ("fresh-L-b", "mail-9")} <= learned
    again = scanner.process(raw_records([new_account_listing("L-a", ["phone-1", "mail-9"])]))
    assert again.links == []  # nothing new: nothing for the changelog


def test_images_link_sellers_only_when_they_match_a_known_counterfeit():
    catalog = BrandCatalog.load()
    known = f"{catalog.profiles['gucci'].counterfeit_phashes[0]:016x}"
    scanner = Scanner(Settings.load(env={}).scoring, catalog=catalog)
    scanner.process(raw_records([
        listing(listing_id="L-1", image_phashes=[known], **{"seller.id": "copier-1"}),
        listing(listing_id="L-2", image_phashes=[known], **{"seller.id": "copier-2"}),
        listing(listing_id="L-3", image_phashes=["0123456789abcdef"], **{"seller.id": "photographer-1"}),
        listing(listing_id="L-4", image_phashes=["0123456789abcdef"], **{"seller.id": "photographer-2"}),
    ]))
    assert scanner.networks.same_network("copier-1", "copier-2")
    assert scanner.networks.network_of("copier-1").kinds == (PointKind.IMAGE.label,)
    assert not scanner.networks.same_network("photographer-1", "photographer-2")


def test_offline_reputation_files_reach_the_networks(tmp_path):
    from pipeline.offline.scoring import offline_scanner

    reputation = tmp_path / "sellers.jsonl"
    reputation.write_bytes(orjson.dumps({"seller_id": "known-bad", "confirmed": 2}) + b"\n")
    scanner = offline_scanner(Settings.load(env={}), reputation=reputation)
    scanner.process(raw_records([listing(listing_id="L-old", **{"seller.id": "known-bad",
                                                                "seller.contact_hashes": ["pay-5"]})]))
    found = only_decisions(scanner.process(raw_records([new_account_listing("L-new", ["pay-5"])])))
    signal = next(s for s in found["L-new"]["signals"] if s["name"] == "network_confirmed_takedowns")
    assert signal["value"] == 2 and "known-bad" in signal["detail"]
