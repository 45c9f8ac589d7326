"""The models in force on a worker, from the compacted ``models.scoring`` topic.

Every worker reads the whole topic from its beginning, the way it reads brand
profiles, and applies each record in order; since the vetting sample is the
same everywhere, every worker ends in the same state. The live model is the
most recently applied record whose status is ``live`` (the shipped model when
there is none), the shadow the most recently applied ``shadow`` one; a
refused record changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.models.record import ModelRecord, ModelStatus, parse_model_record
from pipeline.scoring.model import LogisticModel
from pipeline.types import Rejection

Vetter = Callable[[LogisticModel], Rejection | None]


@dataclass(frozen=True, slots=True)
class InForce:
    """What scores from the next batch: the deciding model and the one beside it, if any."""

    live: LogisticModel
    shadow: LogisticModel | None


class ModelBook:
    """Shipped model plus the records of ``models.scoring``; ``vet`` tries each model before it may run.

    A model is vetted once per id and weights, when its record first arrives: promoting a
    shadow to live republishes the same weights, and it was already seen deciding."""

    def __init__(self, shipped: LogisticModel, vet: Vetter) -> None:
        self.shipped = shipped
        self.vet = vet
        self._records: dict[str, tuple[int, ModelRecord]] = {}  # model id -> (order applied, record)
        self._applied = 0
        self.in_force = InForce(shipped, None)

    def apply(self, key: bytes | None, value: bytes | None) -> ModelRecord | Rejection | None:
        """One record of models.scoring; None for a tombstone (the model is forgotten)."""
        if value is None:
            self._records.pop((key or b"").decode("utf-8", "replace"), None)
            self._settle()
            return None
        parsed = parse_model_record(value, key)
        if isinstance(parsed, Rejection):
            return parsed
        if parsed.status is not ModelStatus.RETIRED:
            refused = self.vet(parsed.model)
            if refused is not None:
                return refused
        self._applied += 1
        self._records[parsed.model_id] = (self._applied, parsed)
        self._settle()
        return parsed

    def records(self) -> list[ModelRecord]:
        """Every model the topic holds, in the order their latest records were applied."""
        return [record for _, record in sorted(self._records.values(), key=lambda item: item[0])]

    def _latest(self, status: ModelStatus) -> LogisticModel | None:
        found = [(order, r) for order, r in self._records.values() if r.status is status]
        return max(found, key=lambda item: item[0])[1].model if found else None

    def _settle(self) -> None:
        live = self._latest(ModelStatus.LIVE) or self.shipped
        shadow = self._latest(ModelStatus.SHADOW)
        if shadow is not None and shadow.version == live.version:
            shadow = None
        self.in_force = InForce(live, shadow)
