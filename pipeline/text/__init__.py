"""Text: Unicode folding, and searching a whole batch's text for many terms at once.

Counterfeiters disguise brand names with look-alike letters, accents, spacing
and leetspeak; folding undoes that before any term is matched, and the batch
search runs one Aho-Corasick pass over the joined, folded text of a batch.
"""

from pipeline.text.batch import TermSet, TextBatch
from pipeline.text.fold import fold, plain, skeleton, skeleton_bytes
from pipeline.text.vocabulary import COMPATIBILITY_TERMS, COUNTERFEIT_TERMS, TermVocabulary

__all__ = [
    "COMPATIBILITY_TERMS",
    "COUNTERFEIT_TERMS",
    "TermSet",
    "TermVocabulary",
    "TextBatch",
    "fold",
    "plain",
    "skeleton",
    "skeleton_bytes",
]
