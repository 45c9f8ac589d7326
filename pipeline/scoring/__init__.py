"""Scoring: where a listing is scored and routed.

Signals a person can read are extracted a batch at a time, a logistic model
weighs them, explanations say which signals decided, and routing sends the
listing to takedown, review or clear (a wrong takedown harms an honest seller,
so takedown has conditions of its own beyond the score).
"""

from pipeline.scoring.explain import explain_batch
from pipeline.scoring.model import LogisticModel, default_model
from pipeline.scoring.routing import route, thresholds
from pipeline.scoring.signals import SIGNALS, SignalExtractor

__all__ = [
    "LogisticModel",
    "SIGNALS",
    "SignalExtractor",
    "default_model",
    "explain_batch",
    "route",
    "thresholds",
]
