"""Child processes, started and always stopped: the workers of the demo, the tests and the
benchmarks (each with its own log, able to say why it exited), and the generic helpers any
child needs (free ports, a parent-death signal, SIGTERM then SIGKILL)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

_PR_SET_PDEATHSIG = 1


def worker_command(*options: str, metrics_port: int | None = None) -> list[str]:
    """`counterscan worker` on free web and metrics ports (two workers on one host must not share them)."""
    return [sys.executable, "-m", "agents.cli", "worker", "--web-port", str(free_port()),
            "--metrics-port", str(metrics_port or free_port()), "--log-level", "warning", *options]


# The line of a log that best says why a process ended: a Python exception, else a logged error.
EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Exit|Interrupt)\b.*")
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL|FATAL)\b")


class LoggedProcess(subprocess.Popen[bytes]):
    """A child process whose output goes to its own log file, in its own session (so a signal
    to the test or demo does not reach it first); it can say why it exited."""

    def __init__(self, command: Sequence[str], log_path: Path, env: Mapping[str, str]) -> None:
        self.log_path = log_path
        with open(log_path, "wb") as log:
            super().__init__(list(command), stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
                             env={**os.environ, **env}, start_new_session=True)

    def exit_description(self) -> str | None:
        """None while it runs; else which process, its exit code and the last error line of its log."""
        code = self.poll()
        if code is None:
            return None
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"{self.log_path.stem} (pid {self.pid}) exited with code {code}: {last_error_line(text)}"


def last_error_line(log: str) -> str:
    """The last line of a log that is an exception or a logged error, else its last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    found = [line for line in lines if EXCEPTION_LINE.search(line) or ERROR_LINE.search(line)]
    return found[-1] if found else lines[-1] if lines else "(its log is empty)"


def first_exit(procs: Sequence[subprocess.Popen[bytes]]) -> str | None:
    """Why the first of ``procs`` that exited did, or None while all run."""
    for proc in procs:
        if proc.poll() is not None:
            if isinstance(proc, LoggedProcess):
                return proc.exit_description()
            return f"process {proc.args!r} (pid {proc.pid}) exited with code {proc.returncode}"
    return None


@contextlib.contextmanager
def spawned(commands: Sequence[list[str]], env: Mapping[str, str], log_dir: Path) -> Iterator[list[LoggedProcess]]:
    """Start the commands (output in ``log_dir/process-N.log``); SIGTERM, then SIGKILL, on exit.
    When the block fails, the tail of every log goes to stderr."""
    procs: list[LoggedProcess] = []
    try:
        for index, command in enumerate(commands):
            procs.append(LoggedProcess(command, log_dir / f"process-{index}.log", env))
        yield procs
    except BaseException:
        for log_file in sorted(log_dir.glob("process-*.log")):
            print(f"--- {log_file.name} (last lines) ---\n{log_file.read_text(errors='replace')[-3000:]}",
                  file=sys.stderr)
        raise
    finally:
        for proc in procs:
            terminate(proc.pid, 30.0, proc)


# --- generic helpers for any child process: ports, parent-death signal, stopping ---------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def distinct_ports(*fixed: int | None) -> list[int]:
    """One port per listener: the given ones as they are, free ones for the rest, no two alike."""
    taken = {port for port in fixed if port}
    ports = []
    for port in fixed:
        if not port:
            port = free_port()
            while port in taken:
                port = free_port()
            taken.add(port)
        ports.append(port)
    return ports


def die_with_parent() -> None:
    """``preexec_fn`` of a child that must not outlive this process (Linux parent-death signal)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def terminate(pid: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """SIGTERM, wait for a clean shutdown, then SIGKILL: never leave a JVM behind."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive(pid, process):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if process is not None:
        process.wait(10)


def alive(pid: int, process: subprocess.Popen[bytes] | None) -> bool:
    """Whether ``pid`` still runs (through ``process`` when we started it); a zombie does not."""
    if process is not None:
        return process.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of a process we did not start still answers kill(0)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
