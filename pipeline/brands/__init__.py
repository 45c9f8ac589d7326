"""Brands: the protected brands, their run-time profiles and their known-counterfeit images.

The catalog finds brands named in a listing (also in disguise); profiles
(from the compacted ``brands.profiles`` topic) set each brand's retail prices,
authorized sellers and thresholds; the image index finds listing photos close
to a brand's known counterfeits.
"""

from pipeline.brands.catalog import BrandCatalog, BrandMatch, BrandProfile
from pipeline.brands.images import ImageIndex
from pipeline.brands.profiles import ProfileBook, parse_profile, profile_record

__all__ = [
    "BrandCatalog",
    "BrandMatch",
    "BrandProfile",
    "ImageIndex",
    "ProfileBook",
    "parse_profile",
    "profile_record",
]
