"""The example downstream takedown service against the real broker, beside a worker: every
takedown notice gets exactly one outcome (a redelivered notice included), and the outcomes move
the seller's reputation."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import orjson

from agents.testing import produce, read_until
from pipeline import topics
from pipeline.settings import PROJECT_ROOT
from pipeline.testing import listing

SERVICE = PROJECT_ROOT / "examples" / "takedown_service.py"


def test_every_takedown_gets_one_outcome_and_the_sellers_reputation_moves(worker: str, run_id: str, tmp_path: Path):
    seller = f"{run_id}-fakes"
    fakes = [listing(listing_id=f"{run_id}-t{n}", title=f"Rolex Submariner replica 1:1 AAA {n}", brand="Rolex",
                     category="watches", **{"seller.id": seller, "price.amount": 80.0}) for n in range(4)]
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(x["listing_id"].encode(), orjson.dumps(x)) for x in fakes]))
    wanted = {x["listing_id"] for x in fakes}
    notices = asyncio.run(read_until(worker, [topics.TAKEDOWN.name],
                                     lambda rs: wanted <= {r["listing_id"] for _, _, r in rs}, 90))
    ours = [r for _, _, r in notices if r["listing_id"] in wanted]
    assert {r["listing_id"] for r in ours} == wanted, "not every fake was taken down"
    # counterscan delivers at least once: the same notice again must not make a second outcome
    again = ours[0]
    asyncio.run(produce(worker, topics.TAKEDOWN.name, [(again["listing_id"].encode(), orjson.dumps(again))]))

    log = open(tmp_path / "service.log", "wb")
    service = subprocess.Popen([sys.executable, str(SERVICE), "--bootstrap-servers", worker,
                                "--group", f"takedowns-{uuid.uuid4().hex[:6]}"], stdout=log, stderr=log)
    try:
        notice_ids = {r["notice_id"] for r in ours}
        outcomes = asyncio.run(read_until(
            worker, [topics.OUTCOMES.name],
            lambda rs: notice_ids <= {r.get("outcome_id", "").split(":", 1)[-1] for _, _, r in rs}, 90))
        reputation = asyncio.run(read_until(
            worker, [topics.SELLER_REPUTATION.name],
            lambda rs: any(k == seller.encode() and r["confirmed"] >= len(ours) for _, k, r in rs), 90))
    finally:
        service.terminate()
        service.wait(30)
        log.close()
    mine = [r for _, _, r in outcomes if r.get("outcome_id", "").split(":", 1)[-1] in notice_ids]
    assert sorted(r["listing_id"] for r in mine) == sorted(wanted), (tmp_path / "service.log").read_text()[-2000:]
    assert all(r["outcome"] == "confirmed" and r["seller_id"] == seller for r in mine)
    latest = [r for _, k, r in reputation if k == seller.encode()][-1]
    assert latest["confirmed"] == len(ours)
