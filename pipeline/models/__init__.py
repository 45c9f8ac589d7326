"""Scoring models as data on a topic: their records, the vetting before they run, and the book
of which model decides and which scores in its shadow."""

from pipeline.models.book import InForce, ModelBook
from pipeline.models.record import (
    ModelRecord,
    ModelStatus,
    check_model_record,
    encode_model_record,
    model_record,
    parse_model_record,
)
from pipeline.models.vetting import ValidationSample, VettingLimits, vet

__all__ = ["InForce", "ModelBook", "ModelRecord", "ModelStatus", "ValidationSample", "VettingLimits",
           "check_model_record", "encode_model_record", "model_record", "parse_model_record", "vet"]
