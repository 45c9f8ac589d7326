"""The practical limit: plain aiokafka consume, orjson decode, produce one small record per input.

No processing at all, but the same delivery rules as the pipeline: batches
from ``getmany()``, outputs produced in batches and acknowledged before the
input offsets are committed. Run by ``benchmarks.throughput``; stops on SIGTERM.

    python -m benchmarks.passthrough BOOTSTRAP GROUP INPUT_TOPIC OUTPUT_TOPIC
"""

from __future__ import annotations

import asyncio
import signal
import sys

import orjson
from aiokafka.errors import CommitFailedError, IllegalStateError

from agents.kafka.batching import produce_all
from agents.kafka.clients import producer, reader
from pipeline.types import OutputRecord

SMALL = b'{"ok":true}'


async def run(bootstrap: str, group: str, source: str, sink: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    consumer = reader(bootstrap, source, group_id=group, max_poll_records=2000, fetch_max_bytes=64 * 1024 * 1024)
    client = producer(bootstrap)
    await consumer.start()
    await client.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100, max_records=2000)
            if not batches:
                continue
            outputs = []
            for messages in batches.values():
                for message in messages:
                    try:
                        orjson.loads(message.value)
                    except orjson.JSONDecodeError:
                        pass
                    outputs.append(OutputRecord(sink, message.key, SMALL))
            await produce_all(client, outputs)
            try:
                await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
            except (CommitFailedError, IllegalStateError):  # the partitions moved in a rebalance: their new owner goes on from the
                continue               # last commit, as at-least-once allows (a process joining late does this)
    finally:
        await consumer.stop()
        await client.stop()


if __name__ == "__main__":
    asyncio.run(run(*sys.argv[1:5]))
