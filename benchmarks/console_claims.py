"""Claims shared by two review console processes through ``console.claims``: how fast, and whether races hold.

Two console services (each with its own readers and producer, as two
processes have) run against one broker. For ``--claims`` items the first
claims each one and the benchmark measures the claim's round trip (written
and read back, after which the claimer knows whether it won) and the time
until the second console hides the item from its reviewer. Then both claim
``--races`` items at the same moment: every race must have exactly one
winner, the same in both consoles' view.

    python -m benchmarks.console_claims --claims 300 --races 200 --json reports/console_claims.json
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

from agents.console.service import ConsoleService
from benchmarks.common import benchmark_parser, cluster, prepare_topics, write_report
from pipeline.review.queue import QueueItem
from pipeline.settings import Settings
from pipeline.timestamps import utc_now


def _items(count: int) -> list[QueueItem]:
    run = uuid.uuid4().hex[:8]
    return [QueueItem({"review_id": uuid.uuid4().hex, "decision_id": "", "listing_id": f"{run}-{n}",
                       "marketplace": "bench", "seller_id": "s", "priority": 0.5, "requested_at": ""})
            for n in range(count)]


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) > 1 else values[0]


async def measure(bootstrap: str, claims: int, races: int) -> dict[str, float | int]:
    settings = Settings.load()
    first, second = ConsoleService(bootstrap, {}, settings), ConsoleService(bootstrap, {}, settings)
    for service in (first, second):
        await service.start()
    try:
        while not (first.ready and second.ready):
            await asyncio.sleep(0.05)
        round_trips, visible = [], []
        for item in _items(claims):
            started = time.perf_counter()
            assert await first.claim(item, "alice")
            claimed = time.perf_counter()
            while item.review_id not in second.state.hidden_from("bob", utc_now()):
                await asyncio.sleep(0.001)
            round_trips.append((claimed - started) * 1000)
            visible.append((time.perf_counter() - started) * 1000)
        single_winner = agreed = 0
        for item in _items(races):
            won = await asyncio.gather(first.claim(item, "alice"), second.claim(item, "bob"))
            single_winner += sum(won) == 1
            await asyncio.sleep(0.05)  # both have read both claims
            holders = {s.state.claims.holder(item.review_id, utc_now()).reviewer_id for s in (first, second)}
            agreed += len(holders) == 1 and holders == {"alice" if won[0] else "bob"}
    finally:
        for service in (first, second):
            await service.stop()
    return {"claims": claims, "claim_round_trip_ms_p50": round(statistics.median(round_trips), 2),
            "claim_round_trip_ms_p99": round(_quantile(round_trips, 0.99), 2),
            "hidden_on_other_console_ms_p50": round(statistics.median(visible), 2),
            "hidden_on_other_console_ms_p99": round(_quantile(visible, 0.99), 2),
            "races": races, "races_with_one_winner": single_winner, "races_both_consoles_agree": agreed}


def main() -> None:
    parser = benchmark_parser(__doc__, seed=1)
    parser.add_argument("--claims", type=int, default=300, help="items claimed one after another")
    parser.add_argument("--races", type=int, default=200, help="items both consoles claim at once")
    args = parser.parse_args()
    with cluster() as (bootstrap, broker, _):
        prepare_topics(bootstrap)
        report = {"broker": broker, **asyncio.run(measure(bootstrap, args.claims, args.races))}
    write_report(report, args.json, [(key.replace("_", " "), value) for key, value in report.items()])


if __name__ == "__main__":
    main()
