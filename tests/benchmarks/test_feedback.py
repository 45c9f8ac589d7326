"""The feedback benchmark's arithmetic: rates over each part of the backlog, from progress samples."""

from benchmarks.feedback import FEEDBACK_COMPONENTS, rates_by_segment
from benchmarks.profile import component_of


def test_the_rate_of_each_part_of_the_backlog_comes_from_the_samples_that_cover_it():
    # (seconds since the first commit, outcomes applied): fast at first, then slow
    progress = [(0.0, 100), (1.0, 600), (2.0, 1100), (12.0, 1600), (22.0, 2100)]
    assert rates_by_segment(progress, 100, 2100, segments=4) == [500.0, 500.0, 50.0, 50.0]


def test_a_part_passed_within_one_sample_reports_no_rate():
    assert rates_by_segment([(0.0, 0), (1.0, 1000)], 0, 1000, segments=2) == [1000.0, 0.0]


def test_a_feedback_sample_is_put_in_the_component_of_its_innermost_frame_that_names_one():
    stack = ["main (agents/cli.py:50)", "apply (agents/worker/outcomes.py:108)",
             "judge (pipeline/sellers/finding.py:92)", "refresh (pipeline/sellers/strike_index.py:170)",
             "delete (numpy/lib/function_base.py:5000)"]
    assert component_of(stack, FEEDBACK_COMPONENTS) == "strike index"
    assert component_of(stack[:3], FEEDBACK_COMPONENTS) == "judge on strike times"
    assert component_of(["_run_once (asyncio/base_events.py:1922)"], FEEDBACK_COMPONENTS).startswith("other")
