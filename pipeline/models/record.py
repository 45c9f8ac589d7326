"""Model records of the compacted ``models.scoring`` topic: what a model is on the wire.

A model travels as data, never as code or a file path: its weights by signal
name, its intercept, its status and how it was trained. Parsing checks more
than the schema: a record must name exactly the signals the scanner computes
(a model that weighs an input nobody computes, or ignores one that exists,
would decide on something other than what it was trained on) and its numbers
must be finite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from pipeline.intake.validation import decode_object, validator
from pipeline.scoring.model import LogisticModel
from pipeline.scoring.signals import SIGNALS
from pipeline.timestamps import format_timestamp, utc_now
from pipeline.types import Reason, Rejection

MAX_MODEL_BYTES = 1024 * 1024
_MODEL = validator("model.v1.json")


class ModelStatus(StrEnum):
    """What a model does on the workers: decides, scores beside the one that decides, or nothing."""

    LIVE = "live"
    SHADOW = "shadow"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A parsed, checked record of ``models.scoring``."""

    model: LogisticModel
    status: ModelStatus
    document: Mapping[str, Any] = field(repr=False)  # the record as published, for listing and re-publishing

    @property
    def model_id(self) -> str:
        return self.model.version

    def with_status(self, status: ModelStatus, published_by: str | None = None) -> dict[str, Any]:
        """The same model under another status, ready to publish again (promote, retire)."""
        document = {**self.document, "status": status.value, "published_at": format_timestamp(utc_now())}
        if published_by:
            document["published_by"] = published_by
        return document


def parse_model_record(value: bytes | None, key: bytes | None = None) -> ModelRecord | Rejection:
    decoded = decode_object(value, MAX_MODEL_BYTES, _MODEL)
    if isinstance(decoded, Rejection):
        return decoded
    return check_model_record(decoded, key)


def check_model_record(data: Mapping[str, Any], key: bytes | None = None) -> ModelRecord | Rejection:
    model_id = data["model_id"]
    if key is not None and key.decode("utf-8", "replace") != model_id:
        return Rejection(Reason.SCHEMA_VIOLATION, f"record key {key!r} is not the model id {model_id!r}")
    if sorted(data["signals"]) != sorted(data["weights"]):
        return Rejection(Reason.SCHEMA_VIOLATION, "signals and the keys of weights differ")
    try:
        model = LogisticModel.from_weights(model_id, data["intercept"], data["weights"])
    except (ValueError, TypeError, OverflowError) as exc:
        return Rejection(Reason.SCHEMA_VIOLATION, str(exc)[:300])
    return ModelRecord(model, ModelStatus(data["status"]), dict(data))


def model_record(model_file: Mapping[str, Any], status: ModelStatus = ModelStatus.SHADOW,
                 published_by: str | None = None, note: str | None = None) -> dict[str, Any]:
    """A record of ``models.scoring`` from a model file as ``counterscan train`` writes it."""
    weights = {name: float(w) for name, w in model_file["weights"].items()}
    trained_on = dict(model_file.get("trained_on") or {})
    figures = trained_on.pop("figures", None) or trained_on.get("selection", {}).get("held_out") or {}
    record: dict[str, Any] = {
        "schema_version": 1,
        "model_id": model_file["version"],
        "status": status.value,
        "intercept": float(model_file["intercept"]),
        "weights": weights,
        "signals": [s.name for s in SIGNALS if s.name in weights] + sorted(set(weights) - {s.name for s in SIGNALS}),
        "trained_on": trained_on,
        "figures": figures,
        "published_at": format_timestamp(utc_now()),
    }
    if published_by:
        record["published_by"] = published_by
    if note:
        record["note"] = note
    return record


def encode_model_record(record: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """(key, value) to publish a model record on models.scoring."""
    return str(record["model_id"]).encode(), orjson.dumps(record)
