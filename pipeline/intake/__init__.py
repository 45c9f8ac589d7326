"""Intake: raw Kafka bytes into a valid, normalized listing, or a reason it is not one.

Validation maps every failure to a dead-letter reason code; normalization
folds text, converts prices to USD and reads the seller's account age, so that
scoring sees one shape of listing whatever the feed.
"""

from pipeline.intake.currency import USD_RATES, load_rates
from pipeline.intake.normalize import NormalizedListing, normalize
from pipeline.intake.validation import decode_listing, decode_object, validator

__all__ = [
    "NormalizedListing",
    "USD_RATES",
    "decode_listing",
    "decode_object",
    "load_rates",
    "normalize",
    "validator",
]
