"""Fault scenarios from benchmarks.faults as tests: nothing is lost, duplicates keep their decision id."""

from __future__ import annotations

import pytest

from benchmarks.faults import run_scenario


@pytest.mark.parametrize("scenario", ["worker_kill", "worker_term", "rebalance_storm", "poison_mix", "broker_restart",
                                      "downstream_stall"])
def test_no_listing_is_lost(scenario: str):
    result = run_scenario(scenario, listings=6000, seed=62, rate=1500.0)
    assert result["listings_in"] == 6000
    assert result["lost"] == 0
    assert result["decided"] + result["deadlettered"] == 6000
    if scenario == "worker_term":
        assert result["term_exit_code"] == 0 and result["term_exit_s"] < 30
    if scenario == "poison_mix":
        assert result["deadlettered"] >= 450  # about 10 % malformed
    if scenario == "downstream_stall":
        assert result["stall_worker_refusals_logged"] > 0  # the broker really refused decisions
        assert result["stall_commit_samples"] >= 10
        # no commit ever passed a listing whose decision or dead letter was not yet on the broker
        assert result["stall_commits_past_outputs"] == 0
        assert result["stall_workers_exited"] == 0  # the workers held and retried; none crashed
