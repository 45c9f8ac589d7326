"""What a user writes first: a Faust agent that handles one listing at a time.

Decode with orjson, send one small record per listing, per event. Run by
``benchmarks.throughput`` as a Faust worker:

    python -m benchmarks.naive_faust worker -l warning --web-port PORT
with COUNTERSCAN_BOOTSTRAP_SERVERS, NAIVE_APP_ID, NAIVE_SOURCE and NAIVE_SINK set.
"""

from __future__ import annotations

import os

import faust
import orjson

app = faust.App(
    os.environ.get("NAIVE_APP_ID", "bench-naive"),
    broker=[f"kafka://{s}" for s in os.environ.get("COUNTERSCAN_BOOTSTRAP_SERVERS", "127.0.0.1:9092").split(",")],
    store="memory://",
    topic_partitions=12,
    autodiscover=False,
)
source = app.topic(os.environ.get("NAIVE_SOURCE", "listings.raw"), key_serializer="raw", value_serializer="raw")
sink = app.topic(os.environ.get("NAIVE_SINK", "bench.naive.out"), key_serializer="raw", value_serializer="raw")


@app.agent(source)
async def handle(stream: faust.StreamT) -> None:
    async for event in stream.events():
        try:
            orjson.loads(event.value)
        except orjson.JSONDecodeError:
            pass
        await sink.send(key=event.key, value=b'{"ok":true}')


if __name__ == "__main__":
    app.main()
