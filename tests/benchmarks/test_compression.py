from pathlib import Path

from benchmarks.compression import broker_log_dir, grown, log_bytes
from benchmarks.quix_passthrough import SMALL, decode


def test_log_bytes_adds_up_each_topics_segments_only(tmp_path: Path) -> None:
    for name, size in (("decisions-0", 100), ("decisions-11", 50), ("sellers.links-3", 7)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "00000000000000000000.log").write_bytes(b"x" * size)
        (tmp_path / name / "00000000000000000000.index").write_bytes(b"i" * 1000)  # preallocated: not data
    (tmp_path / "meta.properties").write_text("version=1\n")
    assert log_bytes(tmp_path) == {"decisions": 150, "sellers.links": 7}


def test_grown_is_per_listing_and_leaves_out_the_input_and_kafkas_own_topics() -> None:
    before = {"decisions": 100, "listings.raw": 10, "__consumer_offsets": 0}
    after = {"decisions": 1100, "listings.raw": 5000, "__consumer_offsets": 900, "review": 30, "takedown": 0}
    assert grown(before, after, 10) == {"decisions": 100.0, "review": 3.0}


def test_an_external_cluster_has_no_log_dir_of_ours() -> None:
    assert broker_log_dir(None) is None and log_bytes(None) == {}


def test_the_quix_contender_answers_every_listing_malformed_ones_too() -> None:
    assert decode(b'{"listing_id": "a"}') == SMALL
    assert decode(b"\xff not json") == SMALL
