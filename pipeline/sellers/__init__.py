"""Sellers: reputation from enforcement outcomes, repeat infringers, and what is known of a seller.

Outcomes (confirmed, rejected, reinstated) are applied to each seller's
reputation; the repeat-infringer policy judges a seller and its network and
recommends account-level action; the view answers "what do we know of this
seller". Seller networks live in :mod:`pipeline.sellers.networks`.
"""

from pipeline.sellers.feedback import apply_seller_outcome
from pipeline.sellers.outcomes import OutcomeRecord, apply_outcome, parse_outcome
from pipeline.sellers.recommendations import recommend
from pipeline.sellers.repeat_infringer import RepeatInfringerPolicy, assess, strikes_from_outcomes
from pipeline.sellers.reputation import Outcome, ReputationBook, SellerReputation
from pipeline.sellers.state import SellerState
from pipeline.sellers.view import format_seller_view, seller_view

__all__ = [
    "Outcome",
    "OutcomeRecord",
    "RepeatInfringerPolicy",
    "ReputationBook",
    "SellerReputation",
    "SellerState",
    "apply_outcome",
    "apply_seller_outcome",
    "assess",
    "format_seller_view",
    "parse_outcome",
    "recommend",
    "seller_view",
    "strikes_from_outcomes",
]
