"""The AsyncAPI 3 document of every topic, generated from ``pipeline/topics.py`` and ``schemas/``.

Downstream services (takedown services, review tools, analytics) build on the
topics: their names, keys, record schemas and who writes and reads each. Those
facts live in one place, the topic specs, so the document is generated from
them and a test keeps the committed copy (``deploy/contracts/asyncapi.json``)
current:

    python -m pipeline.contracts            # rewrite deploy/contracts/asyncapi.json
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from pipeline import __version__
from pipeline.settings import PROJECT_ROOT
from pipeline.topics import ALL_TOPICS, TopicSpec

__all__ = ["ASYNCAPI_FILE", "asyncapi_document"]

ASYNCAPI_FILE = PROJECT_ROOT / "deploy" / "contracts" / "asyncapi.json"


def _id(name: str) -> str:
    """An AsyncAPI component id for a topic name: letters, digits and underscores."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _counterscan_writes(topic: TopicSpec) -> bool:
    return any(p.startswith("counterscan") for p in topic.producers)


def _counterscan_reads(topic: TopicSpec) -> bool:
    return any(c.startswith("counterscan") for c in topic.consumers)


def asyncapi_document() -> dict[str, Any]:
    """Channels, messages and counterscan's operations on them (send what it produces, receive what it reads)."""
    channels, messages, operations = {}, {}, {}
    for topic in ALL_TOPICS:
        key = _id(topic.name)
        message: dict[str, Any] = {
            "name": topic.name,
            "summary": topic.description,
            "contentType": "application/json",
            "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}, "bindingVersion": "0.5.0"}},
        }
        if topic.schema:
            message["payload"] = {"$ref": f"../../schemas/{topic.schema}"}
        messages[key] = message
        channels[key] = {
            "address": topic.name,
            "description": (f"{topic.description}. Written by {', '.join(topic.producers)}; "
                            f"read by {', '.join(topic.consumers)}."),
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"kafka": {"partitions": topic.partitions, "bindingVersion": "0.5.0",
                                   "topicConfiguration": {"cleanup.policy": [topic.config.get("cleanup.policy", "delete")]}
                                   }},
            "x-producers": list(topic.producers),
            "x-consumers": list(topic.consumers),
        }
        for action, applies in (("send", _counterscan_writes(topic)), ("receive", _counterscan_reads(topic))):
            if applies:
                operations[f"{action}_{key}"] = {"action": action, "channel": {"$ref": f"#/channels/{key}"},
                                                 "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}]}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "counterscan", "version": __version__,
                 "description": "Counterfeit-listing detection on Kafka: the topics counterscan reads and writes, "
                                "their keys and record schemas, and who writes and reads each."},
        "defaultContentType": "application/json",
        "servers": {"kafka": {"host": "127.0.0.1:9092", "protocol": "kafka",
                              "description": "the local broker `counterscan broker start` runs; any Kafka cluster"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def rendered() -> str:
    return json.dumps(asyncapi_document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    ASYNCAPI_FILE.parent.mkdir(parents=True, exist_ok=True)
    ASYNCAPI_FILE.write_text(rendered())
    print(f"wrote {ASYNCAPI_FILE}", file=sys.stderr)
