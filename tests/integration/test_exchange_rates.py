"""Exchange rates replaced at run time on reference.exchange_rates: a new table is in force from
the next batch, a bad one is reported on the dead-letter topic and the previous one stays."""

from __future__ import annotations

import asyncio
import uuid

import orjson

from agents.testing import produce, read_until, start_group_at_end
from agents.worker.metrics import Metrics
from agents.worker.scan import ListingScanService
from pipeline import topics
from pipeline.settings import Settings
from pipeline.testing import listing
from pipeline.timestamps import parse_timestamp


def test_a_published_table_is_in_force_and_a_bad_one_is_refused(topics_created: str, run_id: str):
    bootstrap = topics_created
    group = f"rates-{uuid.uuid4().hex[:6]}"
    settings = Settings.load(env={}, scan_group_id=group)
    metrics = Metrics()
    good = {"schema_version": 1, "as_of": "2026-11-30T00:00:00Z", "rates": {"USD": 1.0, "XQZ": 2.0}}
    in_xqz = listing(listing_id=f"{run_id}-xqz", **{"price.currency": "XQZ", "price.amount": 10.0})

    async def run() -> tuple[list, float]:
        await start_group_at_end(bootstrap, group)
        await produce(bootstrap, topics.EXCHANGE_RATES.name, [(b"usd", orjson.dumps(good))])
        service = ListingScanService(settings, bootstrap, metrics)
        await service.start()
        try:
            await asyncio.wait_for(asyncio.gather(*(f.caught_up.wait() for f in service.followers)), 60)
            # a bad table after the good one: refused, the good one stays
            await produce(bootstrap, topics.EXCHANGE_RATES.name, [(b"usd", b'{"as_of": "2026-12-01T00:00:00Z", "rates": {"EUR": 1}}')])
            await asyncio.sleep(1.0)
            await produce(bootstrap, topics.LISTINGS_RAW.name, [(in_xqz["listing_id"].encode(), orjson.dumps(in_xqz))])
            records = await asyncio.to_thread(lambda: asyncio.run(read_until(
                bootstrap, [topics.DECISIONS.name, topics.DEADLETTER.name],
                lambda seen: any(r.get("listing_id") == in_xqz["listing_id"] for _, _, r in seen)
                and any(r.get("source", {}).get("topic") == topics.EXCHANGE_RATES.name for _, _, r in seen), 60)))
            return records, metrics.rates_as_of._value.get()
        finally:
            await service.stop()
            # a tombstone last: workers of later tests, reading the topic from the start, keep the shipped table
            await produce(bootstrap, topics.EXCHANGE_RATES.name, [(b"usd", None)])

    records, as_of = asyncio.run(run())
    decided = [r for topic, _, r in records if topic == topics.DECISIONS.name and r["listing_id"] == in_xqz["listing_id"]]
    assert decided, "a listing priced in the published table's currency was not decided"
    refused = [r for topic, _, r in records if topic == topics.DEADLETTER.name
               and r.get("source", {}).get("topic") == topics.EXCHANGE_RATES.name]
    assert refused and "include USD" in refused[-1]["detail"]
    assert as_of == parse_timestamp(good["as_of"]).timestamp()  # the good table's date: the bad one changed nothing
