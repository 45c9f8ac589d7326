"""The transaction_timeout scenario without a broker: where it may run, and the request it asks the coordinators."""

from __future__ import annotations

import pytest

from benchmarks.faults import SCENARIOS, run_scenario, runnable
from benchmarks.transaction_timeout import (
    ListTransactionsRequest,
    ListTransactionsRequest_v0,
    ListTransactionsResponse_v0,
)


def test_it_runs_only_with_transactions_and_on_one_broker_or_three():
    assert "transaction_timeout" in runnable(1, "exactly_once") and "transaction_timeout" in runnable(3, "exactly_once")
    assert "transaction_timeout" not in runnable(1, "at_least_once")
    assert "transaction_timeout" not in runnable(3, "at_least_once")
    assert SCENARIOS["transaction_timeout"].settings == {"transaction_timeout_ms": "3000"}
    with pytest.raises(ValueError, match="guarantee='exactly_once'"):  # refused before any broker starts
        run_scenario("transaction_timeout", listings=10, seed=1, rate=1.0)


def test_list_transactions_asks_for_every_state_and_reads_each_transaction():
    request = ListTransactionsRequest().prepare({66: (0, 1)})
    assert isinstance(request, ListTransactionsRequest_v0)
    assert request.encode() == b"\x01\x01\x00"  # no state filter, no producer filter, no tagged fields
    states = [("scan-1a2b", 7, "Ongoing", {}), ("scan-3c4d", 8, "CompleteAbort", {})]
    wire = ListTransactionsResponse_v0(0, 0, [], states, {}).encode()
    decoded = ListTransactionsResponse_v0.decode(wire)
    assert [(txn, state) for txn, _producer, state, _tags in decoded.transaction_states] == [
        ("scan-1a2b", "Ongoing"), ("scan-3c4d", "CompleteAbort")]
