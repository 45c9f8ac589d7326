"""The batch histogram exports what prometheus-client's own Histogram would for the same values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from agents.worker.metrics import SCORE_BUCKETS, BatchHistogram

values = st.lists(st.one_of(st.sampled_from(SCORE_BUCKETS), st.floats(-1.0, 2.0)), max_size=50)


@given(st.lists(values, max_size=4))
def test_same_exposition_as_prometheus_histogram(batches: list[list[float]]):
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    batch_histogram = BatchHistogram("counterscan_score", "scores", SCORE_BUCKETS, registry=ours)
    reference = Histogram("counterscan_score", "scores", buckets=SCORE_BUCKETS, registry=theirs)
    for batch in batches:
        batch_histogram.observe_many(batch)
        for value in batch:
            reference.observe(value)

    def series(registry: CollectorRegistry) -> list[str]:
        lines = generate_latest(registry).decode().splitlines()
        return [line for line in lines if line.startswith("counterscan_score_") and "_created" not in line]

    ours_lines, their_lines = series(ours), series(theirs)
    assert [line.rsplit(" ", 1)[0] for line in ours_lines] == [line.rsplit(" ", 1)[0] for line in their_lines]
    for mine, reference_line in zip(ours_lines, their_lines):
        assert abs(float(mine.rsplit(" ", 1)[1]) - float(reference_line.rsplit(" ", 1)[1])) < 1e-9
