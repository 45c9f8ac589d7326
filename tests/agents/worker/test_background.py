"""A failed background round is contained, counted per task, and logged once a minute per kind."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiokafka.errors import IllegalStateError, KafkaConnectionError

from agents.worker.background import BackgroundErrors


def count(errors: BackgroundErrors, task: str) -> float:
    return errors.counter.labels(task=task)._value.get()


def test_a_revoked_partition_ends_the_round_not_the_task(caplog: pytest.LogCaptureFixture):
    errors = BackgroundErrors.unexported()
    finished = []
    for _ in range(3):
        with errors.round("lag") as round_:
            raise IllegalStateError("Partition listings.raw-0 is not assigned")
        finished.append(round_.failed)
    assert finished == [True, True, True]
    assert count(errors, "lag") == 3
    warnings = [r for r in caplog.records if "lag" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING  # once a minute per kind
    assert warnings[0].exc_info is None


def test_each_kind_and_task_is_logged_on_its_own(caplog: pytest.LogCaptureFixture):
    errors = BackgroundErrors.unexported()
    for task, error in [("lag", IllegalStateError("x")), ("lag", KafkaConnectionError("y")),
                        ("follow sellers.links", KafkaConnectionError("z")), ("lag", IllegalStateError("again"))]:
        with errors.round(task):
            raise error
    assert len(caplog.records) == 3
    assert count(errors, "lag") == 3 and count(errors, "follow sellers.links") == 1


def test_the_next_line_after_the_quiet_minute_says_how_many_were_not_logged(caplog: pytest.LogCaptureFixture):
    errors = BackgroundErrors(BackgroundErrors.unexported().counter, log_every_s=0.0)
    errors._logged[("lag", "IllegalStateError")] = float("-inf")
    errors._unlogged[("lag", "IllegalStateError")] = 4
    with errors.round("lag"):
        raise IllegalStateError("x")
    assert "4 more since the last report" in caplog.records[-1].getMessage()


def test_a_bug_is_logged_with_its_traceback_and_still_contained(caplog: pytest.LogCaptureFixture):
    errors = BackgroundErrors.unexported()
    with errors.round("report listings.deadletter") as round_:
        {}["missing"]  # noqa: B018 - a KeyError, as a bug would raise
    assert round_.failed
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None


def test_a_clean_round_is_not_failed_and_exports_its_series_at_zero():
    errors = BackgroundErrors.unexported()
    with errors.round("lag") as round_:
        pass
    assert not round_.failed and count(errors, "lag") == 0


def test_cancellation_passes_through():
    errors = BackgroundErrors.unexported()

    async def cancelled() -> None:
        with errors.round("lag"):
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled())
    assert count(errors, "lag") == 0
