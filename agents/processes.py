"""Worker processes started by the demo, the tests and the benchmarks, and always stopped."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pipeline.broker import free_port, terminate
from pipeline.settings import PROJECT_ROOT


def worker_command(*options: str, metrics_port: int | None = None) -> list[str]:
    """`counterscan worker` on free web and metrics ports (two workers on one host must not share them)."""
    return [sys.executable, "-m", "agents.cli", "worker", "--web-port", str(free_port()),
            "--metrics-port", str(metrics_port or free_port()), "--log-level", "warning", *options]


@contextlib.contextmanager
def spawned(commands: Sequence[list[str]], env: Mapping[str, str], log_dir: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start the commands (output in ``log_dir/process-N.log``); SIGTERM, then SIGKILL, on exit.
    When the block fails, the tail of every log goes to stderr."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for index, command in enumerate(commands):
            with open(log_dir / f"process-{index}.log", "wb") as log:
                procs.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
                                              env={**os.environ, **env}, start_new_session=True))
        yield procs
    except BaseException:
        for log_file in sorted(log_dir.glob("process-*.log")):
            print(f"--- {log_file.name} (last lines) ---\n{log_file.read_text(errors='replace')[-3000:]}",
                  file=sys.stderr)
        raise
    finally:
        for proc in procs:
            terminate(proc.pid, 30.0, proc)
