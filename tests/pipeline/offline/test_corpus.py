"""The hand-labeled corpus: how it is read, and folds that look like the whole."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from pipeline.offline.corpus import CorpusError, load_corpus, load_labeled
from pipeline.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "tests" / "data" / "corpus"


def test_the_corpus_is_what_the_readme_says_it_is():
    corpus = load_corpus(CORPUS)
    rows = corpus.rows
    labels = Counter(r["label"] for r in rows)
    assert len(rows) >= 400 and labels["counterfeit"] == labels["genuine"]
    assert len({r["listing"]["marketplace"] for r in rows}) >= 10
    assert {r["language"] for r in rows} >= {"en", "zh", "fr", "de", "it", "es", "ja", "ko"}
    assert len({r["listing"]["price"]["currency"] for r in rows}) >= 8
    assert len({r["subtype"] for r in rows}) >= 14
    assert all(r.get("note") for r in rows)


def test_folds_are_disjoint_cover_the_corpus_and_keep_its_mix():
    corpus = load_corpus(CORPUS)
    folds = corpus.folds(5, seed=0)
    assert sum(len(f) for f in folds) == len(corpus.rows) == len(frozenset().union(*folds))
    subtype = {r["listing"]["listing_id"]: (r["label"], r["subtype"]) for r in corpus.rows}
    whole = Counter(subtype.values())
    for fold in folds:
        mix = Counter(subtype[i] for i in fold)
        assert all(abs(mix[k] - n / 5) <= 1 for k, n in whole.items())
    assert folds == corpus.folds(5, seed=0) != corpus.folds(5, seed=1)


@pytest.mark.parametrize("line, message", [
    (b"not json", "not JSON"),
    (b'{"label": "genuine", "subtype": "x", "language": "en"}', "missing listing"),
    (b'{"label": "fake", "subtype": "x", "language": "en", "listing": {"listing_id": "a"}}', "label must be"),
])
def test_a_bad_corpus_line_is_named(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"label": "genuine", "subtype": "x", "language": "en", "listing": {"listing_id": "ok"}}\n' + line)
    with pytest.raises(CorpusError, match=rf"bad.jsonl:2: {message}"):
        load_corpus(path)


def test_labeled_listings_come_from_a_corpus_or_from_listings_and_labels(tmp_path):
    listings, labels = tmp_path / "l.jsonl", tmp_path / "t.jsonl"
    listings.write_bytes(orjson.dumps({"listing_id": "a", "seller": {"id": "s"}}) + b"\nbroken\n"
                         + orjson.dumps({"listing_id": "b", "seller": {"id": "t"}}) + b"\n")
    labels.write_bytes(b'{"listing_id": "a", "label": "counterfeit"}\n{"listing_id": "b", "label": "malformed"}\n')
    (item,) = load_labeled(f"{listings}:{labels}")
    assert (item.listing_id, item.label, item.seller_id) == ("a", "counterfeit", "s")
    assert len(load_labeled(str(CORPUS))) == len(load_corpus(CORPUS).rows)
    with pytest.raises(CorpusError, match="neither a corpus"):
        load_labeled(str(tmp_path / "missing"))
