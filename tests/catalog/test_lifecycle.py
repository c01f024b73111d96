"""The status on a day, derived from the lifecycle's dates and its stored status."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.lifecycle import StatusOn, status_on
from catalog.schema import Lifecycle

D = dt.date


@pytest.mark.parametrize(
    ("lifecycle", "day", "expected"),
    [
        # the shutdown day is already retired, whatever the stored status says
        (
            Lifecycle(status="deprecated", shutdown_date=D(2026, 12, 1)),
            D(2026, 12, 1),
            StatusOn("retired", D(2026, 12, 1)),
        ),
        (
            Lifecycle(status="active", shutdown_date=D(2026, 12, 1)),
            D(2026, 12, 6),
            StatusOn("retired", D(2026, 12, 1)),
        ),
        (
            Lifecycle(status="deprecated", shutdown_date=D(2026, 12, 1)),
            D(2026, 11, 30),
            StatusOn("deprecated", None),
        ),
        (Lifecycle(status="retired"), D(2020, 1, 1), StatusOn("retired", None)),
        # a stored retired with a shutdown still ahead was served on that day
        (
            Lifecycle(
                status="retired", shutdown_date=D(2027, 1, 1), deprecation_date=D(2026, 6, 1)
            ),
            D(2026, 12, 6),
            StatusOn("deprecated", D(2026, 6, 1)),
        ),
        # an announced deprecation applies from its date
        (
            Lifecycle(status="active", deprecation_date=D(2026, 6, 1)),
            D(2026, 6, 1),
            StatusOn("deprecated", D(2026, 6, 1)),
        ),
        (
            Lifecycle(status="deprecated", deprecation_date=D(2026, 6, 1)),
            D(2026, 5, 31),
            StatusOn("active", None),
        ),
        (
            Lifecycle(status="legacy", release_date=D(2025, 9, 1)),
            D(2026, 12, 6),
            StatusOn("legacy", None),
        ),
        (
            Lifecycle(status="legacy", shutdown_date=D(2026, 12, 1)),
            D(2026, 12, 6),
            StatusOn("retired", D(2026, 12, 1)),
        ),
        (
            Lifecycle(status="preview", release_date=D(2026, 3, 1)),
            D(2026, 12, 6),
            StatusOn("preview", D(2026, 3, 1)),
        ),
        (Lifecycle(release_date=D(2026, 3, 1)), D(2026, 12, 6), StatusOn("active", D(2026, 3, 1))),
        (Lifecycle(release_date=D(2027, 3, 1)), D(2026, 12, 6), StatusOn("active", None)),
    ],
)
def test_status_on_a_day(lifecycle: Lifecycle, day: dt.date, expected: StatusOn) -> None:
    assert status_on(lifecycle, day) == expected
    assert status_on(lifecycle, day).served == (expected.status != "retired")
