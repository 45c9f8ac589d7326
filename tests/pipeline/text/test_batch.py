"""Folding a whole batch at once must give what folding each text gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.text.batch import TextBatch
from pipeline.text.fold import fold, skeleton_bytes


@given(st.lists(st.text(alphabet=st.sampled_from("Gucci €1l|!0 3\n\t\x00ÉéСс\u200b guCCi  ab"), max_size=30), max_size=12))
def test_batch_folding_equals_folding_each_text(texts: list[str]):
    batch = TextBatch(texts)
    folded = [fold(t.replace("\x00", " ")) for t in texts]
    assert [batch.folded(row) for row in range(len(texts))] == folded
    assert batch.folded_bytes == b"\x00".join(f.encode() for f in folded)
    assert batch.skeleton_bytes == b"\x00".join(skeleton_bytes(f) for f in folded)
