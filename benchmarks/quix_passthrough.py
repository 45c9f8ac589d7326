"""A Quix Streams contender: what a team would write with Quix Streams 3.x instead of our aiokafka loop.

Quix Streams runs on librdkafka (confluent-kafka), so this measures a
different client and a different framework on the same work as
``benchmarks.passthrough``: decode each listing with orjson and write one small
record per input, at least once (Quix commits the input offsets at each
checkpoint, after the producer has flushed the outputs). Its defaults are kept
(a checkpoint every 5 s), as a user of the library would have them. Run by
``benchmarks.throughput`` (``quix_passthrough``); stops on SIGTERM, which Quix
handles itself.

    python -m benchmarks.quix_passthrough BOOTSTRAP GROUP INPUT_TOPIC OUTPUT_TOPIC
"""

from __future__ import annotations

import sys

import orjson
from quixstreams import Application

SMALL = b'{"ok":true}'


def decode(value: bytes) -> bytes:
    """The same work as passthrough's: parse the listing (malformed ones too), answer one small record."""
    try:
        orjson.loads(value)
    except orjson.JSONDecodeError:
        pass
    return SMALL


def run(bootstrap: str, group: str, source: str, sink: str) -> None:
    app = Application(broker_address=bootstrap, consumer_group=group, auto_offset_reset="earliest",
                      loglevel="WARNING", auto_create_topics=False, use_changelog_topics=False)
    listings = app.topic(source, key_deserializer="bytes", value_deserializer="bytes")
    outputs = app.topic(sink, key_serializer="bytes", value_serializer="bytes")
    app.dataframe(listings).apply(decode).to_topic(outputs)
    app.run()


if __name__ == "__main__":
    run(*sys.argv[1:5])
