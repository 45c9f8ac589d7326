"""The ``transaction_timeout`` fault: a worker hangs with a transaction open until the broker aborts it.

The other scenarios seldom make an exactly-once transaction fail: a crash
leaves its transaction to the next producer, and through ``broker_hang`` or
``isr_shrink`` the open transactions waited the outage out. So the recovery of
a failed transaction (its batch rewound, the batch fetched while it was open
dropped and fetched again, logged as ``REFETCHED``) went unmeasured.

Here the workers run with a short transaction timeout (``TIMEOUT_MS``) and one
of them is stopped with SIGSTOP until the transaction coordinator has aborted
the transaction it holds open: past that timeout and the broker's check for
timed-out transactions (``transaction.abort.timed.out.transaction.cleanup.interval.ms``,
2 s), but within the group's session timeout, so the group keeps its members
and the cluster its quorum and leaders: the transaction is the one thing that
fails. The coordinator bumps the producer's epoch as it aborts; after SIGCONT
the worker's next write or commit for that transaction is refused
(ProducerFenced), and the worker drops the producer and scans the batch again.

A worker is not inside an open transaction at every instant (between a commit
and the first write of the next batch the coordinator holds none for it), so
the fault does not assume it: the coordinators are asked (ListTransactions)
while the worker is stopped. A transaction of the group that stays ``Ongoing``
through ``HOLD_S`` of the stop and then ends in an abort is the stopped
worker's; a stop that catches none is undone at once and tried again. The
report says how many stops it took (``stops``), how many caught a transaction
the coordinator then aborted (``aborted_hangs``), how long the worker was
stopped for it (``longest_hang_s``) and how many batches the stopped worker
dropped and fetched again (``hung_worker_refetched``).
"""

from __future__ import annotations

import asyncio
import signal
import time
from typing import TYPE_CHECKING, TypeAlias

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import for_code
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import CompactArray, CompactString, Int16, Int32, Int64, Schema, TaggedFields

from agents.worker.transactional import REFETCHED
from pipeline.settings import SESSION_TIMEOUT_MS

if TYPE_CHECKING:
    from agents.processes import LoggedProcess
    from benchmarks.stage import Stage

TIMEOUT_MS = 3000  # the workers' transaction timeout in this scenario (10000 by default)
SETTINGS = {"transaction_timeout_ms": str(TIMEOUT_MS)}
HOLD_S = 1.0  # a transaction Ongoing this long into a stop is taken for the stopped worker's
POLL_S = 0.1
MAX_HANG_S = SESSION_TIMEOUT_MS / 1000 - 2.0  # the stopped worker keeps its place in the group
STOPS = 20  # at most this many stops to catch the worker inside a transaction
ABORTED_HANGS = 3  # at most this many aborted transactions to see a batch dropped and fetched again
SETTLE_S = 15.0  # after SIGCONT, how long the worker has to find its transaction aborted and log it
RETRY_S = 0.5  # between a stop that caught no transaction and the next
ABORTED = ("PrepareEpochFence", "PrepareAbort", "CompleteAbort")  # the coordinator fences, then aborts


def transaction_timeout(stage: Stage) -> None:
    if stage.env.get("COUNTERSCAN_PROCESSING_GUARANTEE") != "exactly_once":
        raise RuntimeError("transaction_timeout needs transactions: run it with --guarantee exactly_once")
    victim = stage.workers[0]
    prefix = stage.group + "-"  # the workers' transactional ids: scan group id, then a random suffix
    stops = aborted = 0
    hangs: list[float] = []
    while stops < STOPS and aborted < ABORTED_HANGS and _refetched(victim) == 0 and victim.poll() is None:
        stops += 1
        victim.send_signal(signal.SIGSTOP)
        stopped_at = time.monotonic()
        try:
            caught = asyncio.run(_await_abort(stage.bootstrap, prefix, stopped_at))
        finally:
            victim.send_signal(signal.SIGCONT)
        if caught is None:
            time.sleep(RETRY_S)
            continue
        aborted += 1
        hangs.append(round(time.monotonic() - stopped_at, 2))
        deadline = time.monotonic() + SETTLE_S
        while _refetched(victim) == 0 and time.monotonic() < deadline and victim.poll() is None:
            time.sleep(0.5)
    stage.notes.update(transaction_timeout_ms=TIMEOUT_MS, stops=stops, aborted_hangs=aborted,
                       longest_hang_s=max(hangs, default=0.0))
    # counted once every listing is accounted for: a batch may also be dropped after the last look
    stage.after.append(lambda: stage.notes.update(hung_worker_refetched=_refetched(victim),
                                                  hung_worker_exited=victim.poll() is not None))


async def _await_abort(bootstrap: str, prefix: str, stopped_at: float) -> str | None:
    """The transactional id whose open transaction the coordinator aborted while the worker was
    stopped, or None: no transaction of the group stayed Ongoing through the first ``HOLD_S``, or
    the ones that did were committed (another worker's, or a commit already on its way)."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    await client.bootstrap()
    try:
        held: set[str] | None = None
        while time.monotonic() - stopped_at < MAX_HANG_S:
            states = await list_transactions(client, prefix)
            if time.monotonic() - stopped_at < HOLD_S:
                ongoing = {txn for txn, state in states.items() if state == "Ongoing"}
                held = ongoing if held is None else held & ongoing
            else:
                held = {txn for txn in held or () if states.get(txn) in ("Ongoing", *ABORTED)}
                for txn in sorted(held):
                    if states[txn] in ABORTED:
                        return txn
            if not held:
                return None
            await asyncio.sleep(POLL_S)
        return None
    finally:
        await client.close()


async def list_transactions(client: AIOKafkaClient, prefix: str) -> dict[str, str]:
    """State of every transactional id starting with ``prefix``, from every broker's coordinator."""
    found: dict[str, str] = {}
    for broker in client.cluster.brokers():
        response = await client.send(broker.nodeId, ListTransactionsRequest())
        if response.error_code:
            raise for_code(response.error_code)()
        found.update({txn: state for txn, _producer, state, _tags in response.transaction_states
                      if txn.startswith(prefix)})
    return found


def _refetched(worker: LoggedProcess) -> int:
    """Batches the worker logged as dropped and fetched again after a failed transaction."""
    return worker.log_path.read_text(errors="replace").count(REFETCHED)


class ListTransactionsResponse_v0(Response):
    API_KEY = 66
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("error_code", Int16),
        ("unknown_state_filters", CompactArray(CompactString("utf-8"))),
        ("transaction_states", CompactArray(
            ("transactional_id", CompactString("utf-8")),
            ("producer_id", Int64),
            ("transaction_state", CompactString("utf-8")),
            ("tags", TaggedFields),
        )),
        ("tags", TaggedFields),
    )


class ListTransactionsRequest_v0(RequestStruct):
    FLEXIBLE_VERSION = True
    API_KEY = 66
    API_VERSION = 0
    RESPONSE_TYPE = ListTransactionsResponse_v0
    SCHEMA = Schema(
        ("state_filters", CompactArray(CompactString("utf-8"))),
        ("producer_id_filters", CompactArray(Int64)),
        ("tags", TaggedFields),
    )


ListTransactionsStruct: TypeAlias = ListTransactionsRequest_v0


class ListTransactionsRequest(Request[ListTransactionsStruct]):
    """Every transaction a broker coordinates, in any state (aiokafka's admin client has no call for it)."""

    API_KEY = 66

    def build(self, request_struct_class: type[ListTransactionsStruct]) -> ListTransactionsStruct:
        return request_struct_class([], [], {})
