import subprocess
import sys
import time

import pytest

from agents.cpu import CpuUse, cpu_seconds


def test_a_busy_child_process_is_counted_through_its_parent() -> None:
    """The parent sleeps while its child spins: the CPU is found by walking the process tree."""
    spin = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys, time\n"
                               f"subprocess.Popen([sys.executable, '-c', {spin!r}])\ntime.sleep(30)"])
    try:
        use = CpuUse({"tree": [parent.pid], "nobody": []})
        use.open()
        deadline = time.monotonic() + 20
        while cpu_seconds(parent.pid) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.05)
        seconds = use.close()
        assert set(seconds) == {"tree"}  # a group without processes is left out
        assert seconds["tree"] >= 0.2
        assert use.per_listing_us(1000)["tree"] == pytest.approx(1e6 * seconds["tree"] / 1000, abs=0.1)
    finally:
        for child in subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split():
            subprocess.run(["kill", child])
        parent.kill()
        parent.wait()


def test_a_process_that_is_gone_has_spent_nothing_more() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert cpu_seconds(gone.pid) == 0.0


def test_closing_before_opening_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        CpuUse({"me": [1]}).close()
