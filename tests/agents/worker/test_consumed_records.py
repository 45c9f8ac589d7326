from datetime import datetime, timezone

from aiokafka.structs import ConsumerRecord

from pipeline.scanner import Scanner
from pipeline.settings import Settings
from pipeline.testing import listing, raw_records

NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)


def test_the_scanner_reads_aiokafka_records_as_they_come() -> None:
    """The scan service hands ``getmany()``'s records over uncopied: they must say what an
    InputRecord says, and yield the same outputs."""
    built = raw_records([listing(listing_id="L-1"), listing(listing_id="L-2", title="Gucci replica bag"), b"{oops"])
    consumed = [ConsumerRecord(r.topic, r.partition, r.offset, 1_700_000_000_000, 0, r.key, r.value, None,
                               len(r.key or b""), len(r.value or b""), []) for r in built]
    expected = Scanner(Settings.load().scoring).process(built, now=NOW)
    result = Scanner(Settings.load().scoring).process(consumed, now=NOW)
    assert result.outputs == expected.outputs
    assert (result.decisions, result.deadletters) == (2, 1)
