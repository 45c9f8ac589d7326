from pathlib import Path

import orjson

from pipeline.offline.evaluation import cohort_recall, format_network_comparison, network_comparison
from pipeline.offline.simulation import SIMULATION_NOTE, EnforcementSimulator, score_with_feedback
from pipeline.scanner import Scanner
from pipeline.sellers.networks.graph import SellerNetworks
from pipeline.sellers.reputation import ReputationBook
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator, label_line
from pipeline.testing import raw_records


def decision(listing_id: str, seller: str, route: str) -> dict:
    return {"listing_id": listing_id, "seller_id": seller, "route": route, "decision_id": f"d-{listing_id}",
            "observed_at": "2026-11-27T10:00:00Z"}


def test_takedowns_come_back_as_outcomes_the_labels_imply():
    truth = {"L1": {"label": "counterfeit", "network": "cn1"}, "L2": {"label": "genuine"},
             "L3": {"label": "counterfeit", "network": "cn1"}, "L4": {"label": "counterfeit"}}
    book, networks = ReputationBook(), SellerNetworks()
    networks.link("a", ["phone"])
    networks.link("b", ["phone"])
    simulator = EnforcementSimulator(truth, book, networks)
    assert not simulator.new_account_of_known_network("L3")
    simulator.apply([decision("L1", "a", "takedown"), decision("L2", "b", "takedown"),
                     decision("L3", "a", "review"), decision("L4", "a", "clear")])
    assert book.confirmed_takedowns("a") == 1 and book.confirmed_takedowns("b") == 0
    assert networks.network_of("b").confirmed_takedowns == 1
    assert simulator.outcomes == {"confirmed": 1, "rejected": 1}
    simulator.apply([decision("L1", "a", "takedown")])  # the same decision again counts once
    assert book.confirmed_takedowns("a") == 1
    truth["L5"] = {"label": "counterfeit", "network": "cn1", "first_listing": True}
    assert simulator.new_account_of_known_network("L5")


def test_a_run_without_networks_keeps_outcomes_out_of_them():
    networks = SellerNetworks()
    networks.link("a", ["phone"])
    EnforcementSimulator({"L1": {"label": "counterfeit"}}, ReputationBook(), None).apply(
        [decision("L1", "a", "takedown")])
    assert networks.network_of("a").confirmed_takedowns == 0


def test_new_accounts_of_known_networks_are_found_and_flagged_with_feedback(tmp_path: Path):
    items = ListingGenerator(seed=8).take(12000)
    truth = {t["listing_id"]: t for t in map(orjson.loads, map(label_line, items))}
    scanner = Scanner(Settings.load(env={}).scoring)
    simulator = EnforcementSimulator(truth, scanner.reputation, scanner.networks)
    run = score_with_feedback(scanner, raw_records([i.value for i in items]), simulator)
    assert run.outcomes["confirmed"] > 100
    assert run.cohort and all(truth[c]["first_listing"] and truth[c]["label"] == "counterfeit" for c in run.cohort)
    found = cohort_recall(run.decisions, run.cohort)
    assert found["listings"] == len(run.cohort) and found["flagged_recall"] >= 0.9
    overall = {"takedown_precision": 1.0, "flagged_recall": 0.99}
    report = network_comparison({"cohort": found, "overall": overall}, {"cohort": found, "overall": overall},
                                SIMULATION_NOTE)
    assert "simulated" in format_network_comparison(report)
