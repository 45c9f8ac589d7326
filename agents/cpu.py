"""CPU time of processes, read from /proc: a rate says how fast, CPU per listing says why.

On a machine whose cores the broker shares with the workers, what bounds a
rate is CPU per listing across every process involved; measuring it beside
the rate, over the same window, turns "slower than passthrough" into a budget
that shows which process spends it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system time of a process and its live descendants (a supervisor's workers);
    0 once it is gone."""
    return sum(_own_seconds(p) for p in _tree(pid))


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces); None once
    the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def _own_seconds(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _tree(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry))  # ppid
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(parents.get(current, ()))
    return tree


class CpuUse:
    """CPU seconds per named group of processes between :meth:`open` and :meth:`close`."""

    def __init__(self, groups: Mapping[str, Sequence[int]]) -> None:
        self.groups = {name: list(pids) for name, pids in groups.items() if pids}
        self._opened: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        return {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self.groups.items()}

    def open(self) -> None:
        self._opened = self._read()

    def close(self) -> dict[str, float]:
        if not self._opened:
            raise RuntimeError("CpuUse.close() before open()")
        now = self._read()
        self.seconds = {name: round(now[name] - self._opened[name], 2) for name in self.groups}
        return self.seconds

    def per_listing_us(self, listings: int) -> dict[str, float]:
        """Microseconds of CPU per listing for each group, over the window closed last."""
        return {name: round(1e6 * seconds / max(1, listings), 1) for name, seconds in self.seconds.items()}
