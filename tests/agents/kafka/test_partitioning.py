"""The vectorized partitioner must pick exactly what the Java client (and aiokafka) picks."""

from __future__ import annotations

from aiokafka.partitioner import murmur2
from hypothesis import given
from hypothesis import strategies as st

from agents.kafka.partitioning import default_partitions, murmur2_batch

# org.apache.kafka.common.utils.UtilsTest.testMurmur2, as signed Java ints
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


def test_matches_the_java_client_test_vectors():
    keys = list(JAVA_VECTORS)
    got = murmur2_batch(keys).astype("int64")
    signed = [(int(h) ^ 0x80000000) - 0x80000000 for h in got]
    assert signed == list(JAVA_VECTORS.values())


@given(st.lists(st.binary(max_size=40), max_size=60))
def test_matches_aiokafka_for_any_keys(keys: list[bytes]):
    assert murmur2_batch(keys).tolist() == [murmur2(k) for k in keys]


@given(st.lists(st.binary(min_size=1, max_size=24), min_size=1, max_size=40), st.integers(1, 64))
def test_partition_is_the_default_partitioners(keys: list[bytes], count: int):
    assert default_partitions(keys, count).tolist() == [(murmur2(k) & 0x7FFFFFFF) % count for k in keys]
