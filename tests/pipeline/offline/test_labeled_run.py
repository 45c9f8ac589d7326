import pytest

from pipeline.offline.labeled_run import LabelFileError, evaluate_files, read_ground_truth
from pipeline.settings import Settings
from pipeline.synthetic.generator import ListingGenerator, label_line


@pytest.fixture
def files(tmp_path):
    items = ListingGenerator(seed=11).take(600)
    listings, labels = tmp_path / "listings.jsonl", tmp_path / "labels.jsonl"
    listings.write_bytes(b"\n".join(i.value for i in items) + b"\n")
    labels.write_bytes(b"".join(label_line(i) for i in items))
    return listings, labels, items


def test_a_run_without_feedback_counts_every_labeled_listing(files):
    listings, labels, items = files
    truth = read_ground_truth(labels)
    report = evaluate_files(Settings.load(), listings, truth, feedback=False)
    labeled = sum(1 for i in items if i.label in ("counterfeit", "genuine"))
    assert sum(sum(row.values()) for row in report["confusion"].values()) == labeled
    assert "seller_networks" not in report and report["thresholds"]["takedown"] > report["thresholds"]["review"]


def test_a_run_with_feedback_compares_with_and_without_networks(files):
    listings, labels, _ = files
    report = evaluate_files(Settings.load(), listings, read_ground_truth(labels))
    assert set(report["seller_networks"]) >= {"note"} and report["simulated_outcomes"]


def test_a_bad_label_line_is_named(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"listing_id": "a", "label": "genuine"}\n\n{"listing_id": "b"}\n')
    with pytest.raises(LabelFileError, match=r"labels.jsonl:3"):
        read_ground_truth(path)
