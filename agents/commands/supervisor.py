"""``counterscan worker --processes K``: K worker processes in one consumer group on one host.

Python runs one core per process; a host with K cores runs K workers. Each
gets its own web and metrics ports (and so its own state directory), the others share
every setting. SIGTERM and SIGINT go to all of them; the supervisor exits
once all have, non-zero if any failed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from agents.processes import terminate


def supervise(processes: int, first_port: int, first_metrics_port: int) -> int:
    children = []
    for index in range(processes):
        argv = _without_option(sys.argv[1:], "--processes")
        argv = _without_option(argv, "--web-port") + ["--web-port", str(first_port + index)]
        argv = _without_option(argv, "--metrics-port") + ["--metrics-port", str(first_metrics_port + index)]
        children.append(subprocess.Popen([sys.executable, "-m", "agents.cli", *argv], env=dict(os.environ)))

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        while any(child.poll() is None for child in children):
            if any(child.poll() not in (None, 0) for child in children):
                forward(signal.SIGTERM, None)  # one failed: stop the rest rather than run short-handed
            time.sleep(0.5)
    finally:
        for child in children:
            terminate(child.pid, 30.0, child)
    return max(child.returncode or 0 for child in children)


def _without_option(argv: list[str], option: str) -> list[str]:
    """argv without ``option VALUE`` or ``option=VALUE``."""
    result, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == option:
            skip = True
        elif not item.startswith(option + "="):
            result.append(item)
    return result
