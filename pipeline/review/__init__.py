"""The review console's decisions, with no I/O: what is in the queue, who holds an item, what to mark.

Pure logic the console in :mod:`agents.console` serves: the queue ordered by
priority with decided and superseded requests gone (:mod:`.queue`), claims
agreed through the log and their expiry (:mod:`.claims`), highlight spans of
brand names, disguised spellings and counterfeit words (:mod:`.highlights`),
signed sessions and CSRF tokens (:mod:`.sessions`), reviewers' verdicts as
enforcement outcomes (:mod:`.verdicts`) and each brand's numbers
(:mod:`.brands`). All of it is tested with plain dicts.
"""

from pipeline.review.brands import BrandBook, BrandNumbers, overturns
from pipeline.review.claims import ESCALATED, Claim, ClaimBook, claim_record, parse_claim
from pipeline.review.highlights import Span, guess_language, listing_terms, pieces, spans
from pipeline.review.queue import QueueItem, QueueSummary, ReviewQueue
from pipeline.review.sessions import Session, SessionSigner
from pipeline.review.verdicts import ACTIONS, ESCALATE, VERDICTS, is_review_outcome, outcome_id, outcome_record

__all__ = [
    "ACTIONS",
    "BrandBook",
    "BrandNumbers",
    "Claim",
    "ClaimBook",
    "ESCALATE",
    "ESCALATED",
    "QueueItem",
    "QueueSummary",
    "ReviewQueue",
    "Session",
    "SessionSigner",
    "Span",
    "VERDICTS",
    "claim_record",
    "guess_language",
    "is_review_outcome",
    "listing_terms",
    "outcome_id",
    "outcome_record",
    "overturns",
    "parse_claim",
    "pieces",
    "spans",
]
