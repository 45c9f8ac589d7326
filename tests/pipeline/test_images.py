import numpy as np

from pipeline.images import EXACT_RADIUS, NO_MATCH, ImageIndex


def brute_force(known: np.ndarray, query: np.ndarray) -> np.ndarray:
    return np.array([int(np.bitwise_count(known ^ q).min()) for q in query])


def test_every_hash_within_the_exact_radius_is_found():
    rng = np.random.default_rng(3)
    known = rng.integers(0, 2**63, 5000, dtype=np.int64).astype(np.uint64)
    index = ImageIndex(known, np.arange(known.size) % 7)
    query = known[:300].copy()
    for i in range(300):
        for bit in rng.choice(64, size=i % (EXACT_RADIUS + 1), replace=False):
            query[i] ^= np.uint64(1) << np.uint64(bit)
    best, which, owner = index.nearest(query, np.arange(300), 300)
    assert (best == brute_force(known, query)).all()
    assert (owner == np.arange(300) % 7).all()
    assert (known[which] == known[:300]).all()


def test_unrelated_images_match_nothing():
    rng = np.random.default_rng(4)
    known = rng.integers(0, 2**63, 1000, dtype=np.int64).astype(np.uint64)
    query = rng.integers(0, 2**63, 200, dtype=np.int64).astype(np.uint64)
    best, which, owner = ImageIndex(known, np.zeros(1000)).nearest(query, np.arange(200), 200)
    assert (best == NO_MATCH).all() and (which == -1).all() and (owner == -1).all()


def test_rows_take_their_closest_image():
    known = np.array([0], dtype=np.uint64)
    query = np.array([0b1, 0b11, 0b111111111111], dtype=np.uint64)  # 1, 2 and 12 bits away
    best, _, _ = ImageIndex(known, [0]).nearest(query, np.array([0, 0, 1]), 2)
    assert best.tolist() == [1, NO_MATCH]
