"""The allocator's free pages go back to the system, and the worker's trims are counted."""

from __future__ import annotations

import asyncio

from agents.worker.background import BackgroundErrors
from agents.worker.memory import MemoryTrimService, resident_bytes, trim_memory
from agents.worker.metrics import Metrics

MiB = 2**20


def fragmented_heap(objects: int = 100_000, kept_every: int = 64) -> list[bytes]:
    """About 100 MiB of 1 KiB records freed but for every 64th (the last one kept too): the freed
    pages lie between live blocks, where malloc does not give them back by itself."""
    records = [b"%07d" % index * 146 for index in range(objects)]  # 1022 bytes each, every page written
    kept = [record for index, record in enumerate(records) if index % kept_every == kept_every - 1]
    del records
    return kept


def test_pages_freed_between_live_blocks_come_back():
    kept = fragmented_heap()
    resident = resident_bytes()
    returned = trim_memory()
    assert returned is not None, "glibc has malloc_trim"
    assert returned >= 50 * MiB, f"{returned / MiB:.1f} MiB returned of about 100 MiB freed"
    assert resident - resident_bytes() >= 50 * MiB
    assert len(kept) == 1562 and kept[-1].startswith(b"0099967")  # the survivors are intact


def test_the_service_trims_every_round_and_counts_it():
    metrics = Metrics()
    errors = BackgroundErrors(metrics.background_errors)

    async def run() -> None:
        service = MemoryTrimService(metrics, errors, every_s=0.05)
        await service.start()
        kept = fragmented_heap(objects=20_000)
        await asyncio.sleep(0.5)
        await service.stop()
        assert kept

    asyncio.run(run())
    value = metrics.registry.get_sample_value
    assert value("counterscan_memory_trim_seconds_total") > 0
    assert value("counterscan_memory_returned_bytes_total") >= 5 * MiB  # of the 20 MiB freed
    assert value("counterscan_background_errors_total", {"task": "memory trim"}) == 0
