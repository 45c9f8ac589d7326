from pipeline.batches import chunked


def test_chunks_keep_order_and_the_last_is_shorter():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []
    assert list(chunked(iter(range(4)), 2)) == [[0, 1], [2, 3]]
