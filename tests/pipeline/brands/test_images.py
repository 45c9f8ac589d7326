import numpy as np

from pipeline.brands.images import EXACT_RADIUS, NO_MATCH, ImageIndex


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


def test_agrees_with_comparing_every_pair_at_the_edges_of_chunk_values():
    rng = np.random.default_rng(5)
    edges = np.array([0, 0xFFFF, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_0000_FFFF_0000], dtype=np.uint64)
    known = np.concatenate((edges, rng.integers(0, 2**63, 2000, dtype=np.int64).astype(np.uint64)))
    flips = [np.uint64(sum(1 << int(b) for b in rng.choice(64, size=i % 5, replace=False))) for i in range(400)]
    query = np.concatenate((edges, known[rng.integers(0, known.size, 396)])) ^ np.array(flips, dtype=np.uint64)
    best, which, _ = ImageIndex(known, np.zeros(known.size)).nearest(query, np.arange(query.size), query.size)
    brute = brute_force(known, query)
    found = best != NO_MATCH
    assert (best[brute <= EXACT_RADIUS] == brute[brute <= EXACT_RADIUS]).all()  # never missed, never farther
    assert (best[found] >= brute[found]).all()
    assert (np.bitwise_count(known[which[found]] ^ query[found]) == best[found]).all()
