from pathlib import Path

import pytest

from pipeline.offline.plots import PLOTS, plot_evaluation


def test_the_three_plots_are_written_as_png(tmp_path: Path):
    decisions = [{"listing_id": f"L{i}", "score": i / 100} for i in range(100)]
    labels = {f"L{i}": "counterfeit" if i > 60 else "genuine" for i in range(100)}
    written = plot_evaluation(decisions, labels, tmp_path / "plots", 0.9, 0.2, title="m-1")
    assert [p.name for p in written] == list(PLOTS)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000 for p in written)


def test_no_labeled_decision_is_an_error(tmp_path: Path):
    with pytest.raises(ValueError, match="no decision"):
        plot_evaluation([{"listing_id": "x", "score": 0.5}], {}, tmp_path, 0.9, 0.2)
