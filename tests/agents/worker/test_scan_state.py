from agents.worker.metrics import Metrics
from agents.worker.scan import ListingScanService
from pipeline import topics
from pipeline.settings import Settings


def test_the_topics_a_scan_worker_reads_first_are_the_scan_state() -> None:
    """Benchmarks empty ``topics.SCAN_STATE`` so that every run starts from the same state:
    a follower added to the scan service must be part of it."""
    service = ListingScanService(Settings.load(), "127.0.0.1:9", Metrics())
    assert sorted(follower.topic for follower in service.followers) == sorted(t.name for t in topics.SCAN_STATE)
