import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.profile import OTHER, WAITING, PySpy, breakdown, budget, component_of

SCAN = "_scan (/srv/agents/worker/scan.py:185)"
LOOP = "_run_once (/usr/lib/python3.11/asyncio/base_events.py:1922)"


def test_a_sample_belongs_to_its_innermost_named_frame() -> None:
    stack = [LOOP, SCAN, "process (/srv/pipeline/scanner.py:103)", "decode_listing (/srv/pipeline/intake/validation.py:90)"]
    assert component_of(stack) == "decode and validate"
    assert component_of(stack[:3]) == "decision records and JSON"
    assert component_of(stack[:2]) == "batch hand-over (agents/worker/scan.py)"


def test_the_compiled_intake_is_a_component_of_its_own() -> None:
    stack = [LOOP, SCAN, "process (/srv/pipeline/scanner.py:103)", "admit_batch (/srv/pipeline/intake/native.py:48)"]
    assert component_of(stack) == "compiled decode, validate and normalize"


def test_library_frames_count_as_the_code_that_called_them() -> None:
    numpy_inside_text = [LOOP, SCAN, "locate (/srv/pipeline/text/batch.py:50)",
                         "searchsorted (/venv/numpy/core/fromnumeric.py:1501)"]
    assert component_of(numpy_inside_text) == "text folding and term search"


def test_frames_of_no_component_are_other_and_select_is_waiting() -> None:
    assert component_of([LOOP]) == OTHER
    assert component_of([LOOP, "select (/usr/lib/python3.11/selectors.py:468)"]) == WAITING


def test_breakdown_adds_the_counts_of_py_spy_raw_lines() -> None:
    lines = [
        f"{LOOP};{SCAN};decode_listing (/srv/pipeline/intake/validation.py:90) 7",
        f"{LOOP};{SCAN};decode_listing (/srv/pipeline/intake/validation.py:91) 3",
        f"{LOOP};getmany (/venv/aiokafka/consumer/consumer.py:1200) 5",
        f"{LOOP};select (/usr/lib/python3.11/selectors.py:468) 20",
        "",
    ]
    assert breakdown(lines) == Counter({"decode and validate": 10, "consume (aiokafka)": 5, WAITING: 20})


def test_budget_shares_the_busy_samples_out_of_the_measured_cpu() -> None:
    rows = budget(Counter({"decode and validate": 30, "normalize": 10, WAITING: 60}), worker_us=40.0)
    assert rows == [{"component": "decode and validate", "share": 0.75, "us_per_listing": 30.0},
                    {"component": "normalize", "share": 0.25, "us_per_listing": 10.0}]


def test_py_spy_samples_a_running_process_until_stopped(tmp_path: Path) -> None:
    busy = subprocess.Popen([sys.executable, "-c", "def spin():\n    while True: sum(range(1000))\nspin()"])
    try:
        spy = PySpy(tmp_path / "busy.folded", rate=200)
        spy.start(busy.pid)
        time.sleep(1.0)
        spy.stop()
    finally:
        busy.kill()
        busy.wait()
    lines = (tmp_path / "busy.folded").read_text().splitlines()
    assert any("spin (<string>" in line for line in lines)
    assert sum(breakdown(lines).values()) > 20


def test_py_spy_refusing_to_attach_is_reported_at_once(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with pytest.raises(RuntimeError, match=f"could not attach to process {gone.pid}"):
        PySpy(tmp_path / "none.folded", rate=100).start(gone.pid)
