"""`counterscan train` and `counterscan evaluate --corpus`, run as a user runs them (no broker needed)."""

from __future__ import annotations

import json

from agents.cli import main
from pipeline.scoring.model import MODEL_FILE
from pipeline.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "tests" / "data" / "corpus"


def test_train_refuses_to_guess_where_to_write(capsys):
    before = MODEL_FILE.read_bytes()
    assert main(["train", "--count", "100"]) == 2
    assert "--output" in capsys.readouterr().err
    assert MODEL_FILE.read_bytes() == before


def test_train_cross_validates_on_a_corpus_and_writes_its_provenance(tmp_path, capsys):
    output = tmp_path / "model.json"
    assert main(["train", "--count", "3000", "--corpus", str(CORPUS), "--folds", "2", "--l2", "1,3",
                 "--output", str(output), "--no-progress"]) == 0
    document = json.loads(output.read_text())
    trained = document["trained_on"]
    assert trained["generated"]["count"] == 3000 and trained["labeled"][0]["listings"] == 448
    assert [c["l2"] for c in trained["selection"]["candidates"]] and trained["selection"]["k"] == 2
    assert trained["l2"] == trained["selection"]["candidates"][0]["l2"]  # the best held-out candidate is the one fitted
    assert set(document["weights"]) >= {"secondhand", "image_match_bits"}
    assert str(output) in capsys.readouterr().err  # a summary: stderr, so stdout carries results only

    report = tmp_path / "report.json"
    assert main(["evaluate", "--corpus", str(CORPUS), "--model-file", str(output), "--no-feedback",
                 "--json", str(report)]) == 0
    figures = json.loads(report.read_text())
    assert figures["model_version"] == document["version"]
    assert {"per_subtype", "per_language", "per_brand", "per_marketplace"} <= set(figures)
    assert sum(m["listings"] for m in figures["per_subtype"].values()) == 448


def test_evaluate_needs_labels_with_an_input_file(tmp_path, capsys):
    listings = tmp_path / "listings.jsonl"
    listings.write_text("")
    assert main(["evaluate", "--input", str(listings)]) == 2
    assert "--labels" in capsys.readouterr().err


def test_evaluate_writes_calibration_plots(tmp_path, capsys):
    listings, truth = tmp_path / "l.jsonl", tmp_path / "t.jsonl"
    assert main(["generate", "--count", "1500", "--seed", "5", "--to-file", str(listings), "--labels", str(truth)]) == 0
    plots = tmp_path / "plots"
    assert main(["evaluate", "--input", str(listings), "--labels", str(truth), "--plots", str(plots),
                 "--no-feedback"]) == 0
    assert sorted(p.name for p in plots.iterdir()) == ["precision_recall.png", "reliability.png",
                                                       "score_distributions.png"]
    assert "precision_recall.png" in capsys.readouterr().err
