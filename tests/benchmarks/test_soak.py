"""A soak judges a worker's memory from five minutes into its life or into the offering, whichever is later."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks.soak import SETTLE_S, WorkerLife


def life(samples: list[tuple[float, float]], settled_after_s: float = SETTLE_S) -> dict[str, Any]:
    worker = WorkerLife(SimpleNamespace(pid=1), "feedback", 0.0, rss=samples, stopped=2000.0)  # type: ignore[arg-type]
    worker.settled_after_s = settled_after_s
    return worker.report()


# a warm-up that builds state for ten minutes (150 to 300 MiB), then an offering at a level
WARMED = [(float(t), 150.0 + min(t, 600) / 4) for t in range(0, 2000, 5)]


def test_state_the_warm_up_built_is_not_counted_as_growth():
    judged = life(WARMED, settled_after_s=600 + SETTLE_S)
    assert judged["rss_at_5min_mb"] == 300.0 and judged["rss_growth_after_5min"] == 0.0
    assert judged["rss_slope_mb_per_min_after_5min"] == 0.0


def test_a_climb_in_the_offering_is_counted():
    climbing = [(t, r + max(0.0, t - 900) / 60) for t, r in WARMED]  # 1 MiB a minute from 15 minutes in
    judged = life(climbing, settled_after_s=600 + SETTLE_S)
    assert 0.05 < judged["rss_growth_after_5min"] < 0.1
    assert judged["rss_slope_mb_per_min_after_5min"] == pytest.approx(1.0)


def test_a_worker_started_in_the_offering_is_judged_after_its_own_five_minutes():
    judged = life(WARMED)
    assert judged["rss_at_5min_mb"] == 225.0 and judged["rss_growth_after_5min"] == round(75 / 225, 4)
