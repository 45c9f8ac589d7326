"""counterscan on Kafka: the worker, the Kafka clients and launcher, and the commands.

``worker`` is the Faust app and its services, ``kafka`` the clients, batching
producer and local broker, ``commands`` what the CLI runs; ``processes`` starts
and stops worker processes, and ``testing`` is the one module of helpers for
tests that run the real thing.
"""

__all__: list[str] = []  # import from the subpackages: agents.worker, agents.kafka, agents.commands
