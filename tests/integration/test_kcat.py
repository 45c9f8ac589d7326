"""Any Kafka client can feed and read the pipeline: kcat (librdkafka) in, kcat out."""

from __future__ import annotations

import shutil
import subprocess
import time

import orjson

from pipeline import topics
from pipeline.testing import listing

KCAT = shutil.which("kcat") or shutil.which("kafkacat")


def kcat(*args: str, stdin: bytes | None = None) -> bytes:
    assert KCAT, "kcat is not installed (make test installs it)"
    return subprocess.run([KCAT, *args], input=stdin, capture_output=True, check=True, timeout=60).stdout


def test_kcat_produces_listings_and_reads_decisions(worker: str, run_id: str):
    listings = [
        listing(listing_id=f"{run_id}-k{i}", title=title, brand=brand, **{"price.amount": price})
        for i, (title, brand, price) in enumerate([
            ("Rolex Submariner replica 1:1", None, 120.0),
            ("Walnut desk organiser", None, 35.0),
            ("Chanel classic flap bag", "Chanel", 5200.0),
        ])
    ]
    lines = b"".join(item["listing_id"].encode() + b"\t" + orjson.dumps(item) + b"\n" for item in listings)
    kcat("-b", worker, "-t", topics.LISTINGS_RAW.name, "-P", "-K", "\t", "-z", "none", stdin=lines)

    wanted = {item["listing_id"] for item in listings}
    found: dict[str, dict] = {}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and set(found) != wanted:
        out = kcat("-b", worker, "-t", topics.DECISIONS.name, "-C", "-o", "beginning", "-e", "-q",
                   "-f", "%k\t%s\n")
        for line in out.splitlines():
            key, _, value = line.partition(b"\t")
            if key.decode() in wanted:
                found[key.decode()] = orjson.loads(value)
        time.sleep(1)
    assert set(found) == wanted
    assert found[f"{run_id}-k0"]["route"] == "takedown"
    assert found[f"{run_id}-k0"]["brand"] == "rolex"
    assert found[f"{run_id}-k1"]["route"] == "clear"
    assert found[f"{run_id}-k2"]["route"] == "clear"
