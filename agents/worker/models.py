"""The worker's side of ``models.scoring``: which model decides and which scores in its shadow.

Every scan worker follows the compacted topic from its beginning (like brand
profiles) and hands each record to a :class:`~pipeline.models.ModelBook`; a
change is in force from the next batch, without a restart. A refused record
goes to the dead-letter topic with its reason and changes nothing. The
validation sample a model is vetted on is built on the first record that needs
it, so a worker on a topic without models never pays for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property

from agents.worker.metrics import Metrics
from pipeline.models import ModelBook, ModelRecord, ValidationSample, VettingLimits, vet
from pipeline.scanner import Scanner
from pipeline.scoring.model import LogisticModel
from pipeline.settings import Settings
from pipeline.types import Rejection

log = logging.getLogger(__name__)

Refuse = Callable[[Rejection, bytes | None, bytes | None, int, int], None]  # rejection, key, value, partition, offset


class ModelFollowing:
    """Applies ``models.scoring`` records to the scanner and exports what is in force."""

    def __init__(self, settings: Settings, scanner: Scanner, metrics: Metrics, refuse: Refuse) -> None:
        self.settings = settings
        self.scanner = scanner
        self.metrics = metrics
        self.refuse = refuse
        self.book = ModelBook(scanner.model, self._vet)
        self.limits = VettingLimits(settings.model_max_takedown_share, settings.model_max_wrong_takedown_share)
        self._export()

    @cached_property
    def sample(self) -> ValidationSample:
        return ValidationSample.generated(self.settings.model_validation_listings, self.settings.takedown_threshold,
                                          self.settings.review_threshold)

    def _vet(self, model: LogisticModel) -> Rejection | None:
        return vet(model, self.sample, self.limits)

    def apply(self, key: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        before = self.book.in_force
        outcome = self.book.apply(key, value)
        if isinstance(outcome, Rejection):
            log.error("model %r refused, the models in force stay: %s", key, outcome.detail)
            self.metrics.models_refused.inc()
            self.refuse(outcome, key, value, partition, offset)
            return
        in_force = self.book.in_force
        if in_force != before:
            self.scanner.use_models(in_force.live, in_force.shadow, self._labels_per_brand(in_force.live.version))
            log.info("models in force: live %s, shadow %s", in_force.live.version,
                     in_force.shadow.version if in_force.shadow else "none")
            self._export()

    def _labels_per_brand(self, model_id: str) -> dict[str, int]:
        """Outcome labels per brand the live model was trained on (its provenance), for review priority."""
        record: ModelRecord | None = next((r for r in self.book.records() if r.model_id == model_id), None)
        if record is None:
            return {}
        outcomes = (record.document.get("trained_on") or {}).get("outcomes") or {}
        return {brand: int(sum(kinds.values())) for brand, kinds in (outcomes.get("labels_per_brand") or {}).items()}

    def _export(self) -> None:
        in_force = self.book.in_force
        self.metrics.models.info({"live": in_force.live.version,
                                  "shadow": in_force.shadow.version if in_force.shadow else ""})
