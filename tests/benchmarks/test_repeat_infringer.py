"""The repeat-infringer benchmark's network: one network of the size asked, and outcomes timed through it."""

from __future__ import annotations

import random

from benchmarks.repeat_infringer import _network, time_network


def test_the_accounts_form_one_network_with_their_strikes_followed():
    networks, records, followed = _network(40, 3, random.Random(1))
    summary = networks.network_of("ring-00039")
    assert summary is not None and summary.size == 40 and summary.confirmed_takedowns == 120
    assert len(records) == 40 and all(len(strikes) == 3 for strikes in followed.values())


def test_a_run_applies_every_outcome_and_finds_the_repeat_infringers():
    run = time_network(20, 2, 30, seed=3)
    assert run["outcomes"] == 30 and run["outcomes_per_s"] > 0 and run["us_per_outcome"] > 0
    assert run["recommendations"] >= 1  # three strikes in the window: every seller here meets the policy


def test_both_paths_publish_the_same_recommendations():
    reference, fast = (time_network(30, 2, 60, seed=5, by_strike_times=by_times) for by_times in (False, True))
    assert reference["recommendations"] >= 1
    assert reference["recommendations_sha256"] == fast["recommendations_sha256"]
    assert time_network(31, 2, 60, seed=5)["recommendations_sha256"] != fast["recommendations_sha256"]
