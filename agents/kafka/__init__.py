"""Everything that talks to Kafka, in one package.

- :mod:`agents.kafka.clients`: aiokafka producers, consumers and admin clients built with the
  configured security, topic creation, consumer group checks.
- :mod:`agents.kafka.batching`: the batching producer, which hands whole batches to
  ``send_batch`` instead of one ``send()`` per record.
- :mod:`agents.kafka.partitioning`: Kafka's default partitioner (murmur2 of the key), for many
  keys at once.
- :mod:`agents.kafka.broker`: the local Apache Kafka launcher used by the demo, the tests, the
  benchmarks and ``counterscan broker``, and :func:`local_or_configured`.
- :mod:`agents.kafka.probe`: Metadata probes telling "not up yet" from "refused".

The names below are loaded from their module on first use, so importing one light module
(``agents.kafka.broker`` for ``counterscan broker``, say) does not load aiokafka and numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.kafka.batching import enqueue, produce_all
    from agents.kafka.broker import (
        BrokerHandle,
        Cluster,
        LocalBroker,
        SaslSslListener,
        detached_status,
        local_or_configured,
        start_detached,
        stop_detached,
    )
    from agents.kafka.clients import (
        await_broker,
        check_broker,
        client_security,
        create_topics,
        faust_credentials,
        group_state,
        partition_ids,
        producer,
        reader,
        resolve_bootstrap,
        wait_for_group,
    )
    from agents.kafka.partitioning import default_partitions, murmur2_batch
    from agents.kafka.probe import BrokerError, broker_metadata, refusal

_PUBLIC: dict[str, tuple[str, ...]] = {
    "batching": ("enqueue", "produce_all"),
    "broker": ("BrokerHandle", "Cluster", "LocalBroker", "SaslSslListener", "detached_status", "local_or_configured",
               "start_detached", "stop_detached"),
    "clients": ("await_broker", "check_broker", "client_security", "create_topics", "faust_credentials", "group_state",
                "partition_ids", "producer", "reader", "resolve_bootstrap", "wait_for_group"),
    "partitioning": ("default_partitions", "murmur2_batch"),
    "probe": ("BrokerError", "broker_metadata", "refusal"),
}
_MODULE_OF = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = [
    "BrokerError",
    "BrokerHandle",
    "Cluster",
    "LocalBroker",
    "SaslSslListener",
    "await_broker",
    "broker_metadata",
    "check_broker",
    "client_security",
    "create_topics",
    "default_partitions",
    "detached_status",
    "enqueue",
    "faust_credentials",
    "group_state",
    "local_or_configured",
    "murmur2_batch",
    "partition_ids",
    "produce_all",
    "producer",
    "reader",
    "refusal",
    "resolve_bootstrap",
    "start_detached",
    "stop_detached",
    "wait_for_group",
]


def __getattr__(name: str) -> object:
    """``agents.kafka.<name>`` for a name in ``__all__``: imported from its module when first asked for."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
