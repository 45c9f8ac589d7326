"""Synthetic listings with ground truth, for the demo, the benchmarks and training.

A seeded generator of the mix a marketplace sees: genuine goods, resale,
official stores, counterfeits from blatant to quiet, and malformed records.
"""

from pipeline.synthetic.generator import GeneratedListing, ListingGenerator, Mix, label_line

__all__ = [
    "GeneratedListing",
    "ListingGenerator",
    "Mix",
    "label_line",
]
