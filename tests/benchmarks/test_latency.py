"""The latency benchmark's variants: worker settings by field name, refused when unknown."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.latency import variant


def test_a_variant_is_settings_by_field_name():
    assert variant("default") == {}
    assert variant("fetch_min_bytes=65536,fetch_max_wait_ms=50") == {"fetch_min_bytes": "65536",
                                                                     "fetch_max_wait_ms": "50"}


@pytest.mark.parametrize("text", ["fetch_min_byte=1", "fetch_min_bytes", "fetch_min_bytes=", ""])
def test_a_variant_with_an_unknown_or_empty_setting_is_refused(text: str):
    with pytest.raises(argparse.ArgumentTypeError):
        variant(text)
