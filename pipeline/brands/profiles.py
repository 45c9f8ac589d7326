"""Brand profiles changed at run time, through the compacted ``brands.profiles`` topic.

A profile is checked against its schema and for sense (price ranges that are
ranges, thresholds in order) before it may replace the one in force; a
rejected profile is reported and the previous one stays. Terms are literal,
so no profile can bring a regular expression, let alone a catastrophic one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from pipeline.brands.catalog import BrandCatalog, BrandProfile
from pipeline.intake.validation import decode_object, validator
from pipeline.types import Reason, Rejection

MAX_PROFILE_BYTES = 4 * 1024 * 1024
_PROFILE = validator("brand_profile.v1.json")


def parse_profile(value: bytes | None, key: bytes | None = None) -> BrandProfile | Rejection:
    decoded = decode_object(value, MAX_PROFILE_BYTES, _PROFILE)
    if isinstance(decoded, Rejection):
        return decoded
    return check_profile(decoded, key)


def check_profile(data: Mapping[str, Any], key: bytes | None = None) -> BrandProfile | Rejection:
    if key is not None and key.decode("utf-8", "replace") != data["brand_id"]:
        return Rejection(Reason.SCHEMA_VIOLATION, f"record key {key!r} is not the brand id {data['brand_id']!r}")
    for category, (low, high) in data["reference_prices_usd"].items():
        if not low < high:
            return Rejection(Reason.SCHEMA_VIOLATION, f"reference_prices_usd.{category}: {low} is not below {high}")
    thresholds = data.get("thresholds", {})
    if "takedown" in thresholds and "review" in thresholds and thresholds["review"] > thresholds["takedown"]:
        return Rejection(Reason.SCHEMA_VIOLATION, "thresholds.review is above thresholds.takedown")
    return BrandProfile.from_dict(data)


def profile_record(profile: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """(key, value) to publish a profile on brands.profiles."""
    return profile["brand_id"].encode(), orjson.dumps(profile)


class ProfileBook:
    """The default catalog with run-time changes applied; rebuilds the matcher on change."""

    def __init__(self, defaults: BrandCatalog | None = None) -> None:
        self.defaults = defaults or BrandCatalog.load()
        self._overrides: dict[str, BrandProfile | None] = {}
        self.catalog = self.defaults
        self.rejected: list[tuple[str, Rejection]] = []

    def apply(self, key: bytes | None, value: bytes | None) -> BrandProfile | Rejection | None:
        """One record of brands.profiles. A tombstone removes a run-time change."""
        brand_id = (key or b"").decode("utf-8", "replace")
        if value is None:
            if self._overrides.pop(brand_id, "absent") != "absent":
                self._rebuild()
            return None
        parsed = parse_profile(value, key)
        if isinstance(parsed, Rejection):
            self.rejected.append((brand_id, parsed))
            return parsed
        self._overrides[parsed.brand_id] = parsed
        self._rebuild()
        return parsed

    def _rebuild(self) -> None:
        merged = dict(self.defaults.profiles)
        merged.update({k: v for k, v in self._overrides.items() if v is not None})
        self.catalog = BrandCatalog(merged.values())
