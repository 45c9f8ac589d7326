"""How fast a worker rebuilds its seller networks from ``sellers.links`` after a restart.

Publishes link records for ``--sellers`` sellers the way workers would have
(three contact points of their own each, one in ten also sharing a point with
a network of 2 to 50 accounts), then measures two things against the broker:

- a follower of the topic applying it to a fresh seller state, in this
  process: records per second until it has caught up;
- a `counterscan worker --roles scan` process started on a group that reads
  no listing: seconds from its start until its /sellers/{id} endpoint shows
  the network of the last seller published, complete, and until its
  /readyz answers 200 (not before the state topics are read).

    python -m benchmarks.links_recovery --sellers 300000 --json reports/links_recovery.json
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from agents.kafka.batching import produce_all
from agents.kafka.clients import producer, wait_for_group
from agents.processes import free_port
from agents.testing import running_worker
from agents.worker.background import BackgroundErrors
from agents.worker.followers import CompactedTopicFollower
from agents.worker.sellers import seller_followers
from benchmarks.common import benchmark_parser, cluster, prepare_topics, write_report
from benchmarks.networks_memory import _sellers
from pipeline import topics
from pipeline.sellers.networks.changelog import link_record
from pipeline.sellers.networks.types import Link, PointKind
from pipeline.sellers.state import SellerState
from pipeline.types import OutputRecord

CHUNK = 50_000


def publish(bootstrap: str, sellers: int, seed: int) -> tuple[int, str, int]:
    """(link records published, the last seller in a network, that network's size)."""
    async def run() -> tuple[int, str, int]:
        client = producer(bootstrap, linger_ms=20)
        await client.start()
        count, last, last_point, sizes, started = 0, "", "", {}, time.monotonic()
        pending: list[OutputRecord] = []
        try:
            for seller, points in _sellers(sellers, seed):
                for point in points:
                    pending.append(OutputRecord(topics.SELLER_LINKS.name,
                                                *link_record(Link(seller, point, PointKind.CONTACT, None))))
                    if point.endswith("-shared-contact"):
                        sizes[point] = sizes.get(point, 0) + 1
                        last, last_point = seller, point
                if len(pending) >= CHUNK:
                    count += await produce_all(client, pending)
                    pending = []
                    print(f"\rpublished {count} links ({count / (time.monotonic() - started):,.0f}/s)", end="",
                          file=sys.stderr)
            count += await produce_all(client, pending)
        finally:
            print(file=sys.stderr)
            await client.stop()
        return count, last, sizes[last_point]
    return asyncio.run(run())


def follow(bootstrap: str) -> tuple[float, SellerState]:
    """Seconds for a fresh follower to apply the whole topic, and the state it built."""
    async def run() -> tuple[float, SellerState]:
        state = SellerState()
        follower: CompactedTopicFollower = seller_followers(bootstrap, {}, state, lambda *_: None,
                                                                    BackgroundErrors.unexported())[1]
        started = time.monotonic()
        await follower.start()
        try:
            await follower.caught_up.wait()
            return time.monotonic() - started, state
        finally:
            await follower.stop()
    return asyncio.run(run())


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError):
        return 0


def worker_recovery(bootstrap: str, seller: str, size: int) -> tuple[float, float]:
    """Seconds from a worker's start until it serves ``seller``'s network with ``size`` accounts,
    and until its /readyz answers 200."""
    port, web, group = free_port(), free_port(), f"links-recovery-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as logs:
        started = time.monotonic()
        with running_worker(bootstrap, Path(logs), port, ("--web-port", str(web)), scan_group_id=group, roles="scan",
                            app_id=f"{group}-app") as proc:
            served = ready = None
            while proc.poll() is None:
                if ready is None and _status(f"http://127.0.0.1:{port}/readyz") == 200:
                    ready = time.monotonic() - started
                if served is None:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{web}/sellers/{seller}", timeout=5) as answer:
                            if json.loads(answer.read())["network"]["size"] == size:
                                served = time.monotonic() - started
                    except (urllib.error.URLError, ConnectionError):
                        pass
                if served is not None and ready is not None:
                    asyncio.run(wait_for_group(bootstrap, group, 1))
                    return served, ready
                time.sleep(0.2)
            tail = (Path(logs) / "process-0.log").read_text(errors="replace")[-3000:]
    raise RuntimeError("the worker exited before it knew the network:\n" + tail)


def main() -> None:
    parser = benchmark_parser(__doc__, seed=7)
    parser.add_argument("--sellers", type=int, default=300_000, help="sellers to publish links for")
    args = parser.parse_args()
    with cluster() as (bootstrap, broker, _):
        prepare_topics(bootstrap)
        links, last, size = publish(bootstrap, args.sellers, args.seed)
        follow_s, state = follow(bootstrap)
        worker_s, ready_s = worker_recovery(bootstrap, last, size)
    report = {"broker": broker, "sellers": args.sellers, "links": links, "follower_s": round(follow_s, 2),
              "follower_links_per_s": round(links / follow_s), "networks_sellers": state.networks.sellers,
              "networks_points": state.networks.points, "link_log_mb": round(state.links.nbytes / 2**20, 1),
              "networks_mb": round(state.networks.nbytes / 2**20, 1), "worker_recovery_s": round(worker_s, 2), "worker_ready_s": round(ready_s, 2),
              "checked_seller": last, "checked_network_size": size}
    write_report(report, args.json, [
        ("broker", broker), ("links on sellers.links", links),
        ("follower: seconds to catch up", f"{follow_s:.2f}"), ("follower: links/s", f"{links / follow_s:,.0f}"),
        ("sellers / points rebuilt", f"{state.networks.sellers} / {state.networks.points}"),
        ("networks + link log (MiB)", f"{state.networks.nbytes / 2**20:.1f} + {state.links.nbytes / 2**20:.1f}"),
        ("worker: start to network served (s)", f"{worker_s:.2f}"),
        ("worker: start to /readyz 200 (s)", f"{ready_s:.2f}"),
    ])


if __name__ == "__main__":
    main()
