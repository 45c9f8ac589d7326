from datetime import datetime, timedelta, timezone

import pytest

from pipeline.timestamps import format_timestamp, from_epoch_seconds, parse_timestamp


def test_a_naive_timestamp_is_read_as_utc_and_an_offset_is_kept():
    assert parse_timestamp("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    stamp = parse_timestamp("2026-03-01T10:00:00+02:00")
    assert stamp.utcoffset() == timedelta(hours=2)
    assert stamp == datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    assert parse_timestamp("2026-03-01T10:00:00Z").tzinfo is not None


def test_garbage_is_a_value_error_not_a_silent_default():
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")


def test_every_precision_ends_in_z_and_round_trips():
    moment = datetime(2026, 3, 1, 10, 0, 5, 123456, tzinfo=timezone.utc)
    assert format_timestamp(moment) == "2026-03-01T10:00:05.123Z"
    assert format_timestamp(moment, "seconds") == "2026-03-01T10:00:05Z"
    assert format_timestamp(moment, "auto") == "2026-03-01T10:00:05.123456Z"
    assert parse_timestamp(format_timestamp(moment, "auto")) == moment
    assert format_timestamp(from_epoch_seconds(0), "seconds") == "1970-01-01T00:00:00Z"
