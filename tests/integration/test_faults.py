"""Fault scenarios from benchmarks.faults as tests: nothing is lost, duplicates keep their decision id."""

from __future__ import annotations

import pytest

from benchmarks.faults import run_scenario


@pytest.mark.parametrize("scenario", ["worker_kill", "worker_term", "poison_mix", "broker_restart"])
def test_no_listing_is_lost(scenario: str):
    result = run_scenario(scenario, listings=6000, seed=62, rate=1500.0)
    assert result["listings_in"] == 6000
    assert result["lost"] == 0
    assert result["decided"] + result["deadlettered"] == 6000
    if scenario == "worker_term":
        assert result["term_exit_code"] == 0 and result["term_exit_s"] < 30
    if scenario == "poison_mix":
        assert result["deadlettered"] >= 450  # about 10 % malformed
