"""Open loop on a log's arrival times: the schedule, time-scaled, and the intended times the
load loop hands each request."""

from __future__ import annotations

import asyncio

import pytest

from probes.load import Load, drive, trace_offsets


def test_a_trace_is_replayed_from_its_first_arrival_scaled() -> None:
    assert trace_offsets([100.0, 101.0, 104.0], 3, 1.0) == [0.0, 1.0, 4.0]
    assert trace_offsets([100.0, 101.0, 104.0], 3, 0.5) == [0.0, 0.5, 2.0]


def test_a_trace_shorter_than_the_count_repeats_after_its_span_and_mean_gap() -> None:
    # span 4 s, mean gap 2 s: the second lap starts 6 s after the first
    assert trace_offsets([0.0, 1.0, 4.0], 5, 1.0) == [0.0, 1.0, 4.0, 6.0, 7.0]


def test_an_empty_trace_or_a_scale_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one arrival"):
        trace_offsets([], 1, 1.0)
    with pytest.raises(ValueError, match="scale"):
        trace_offsets([0.0], 1, 0.0)


def test_the_open_loop_dues_each_request_at_its_scaled_arrival() -> None:
    """Each request's intended time is the start plus its scaled offset, whatever the
    sending takes: a slow send never pushes later ones back."""
    due: dict[int, int] = {}

    async def send(index: int, intended_ns: int) -> None:
        due[index] = intended_ns
        await asyncio.sleep(0.05)  # slower than the gaps: the loop must not wait for it

    load = Load(mode="trace", offsets=(10.0, 10.1, 10.3, 10.3), scale=0.1)
    asyncio.run(drive(load, 4, send))
    start = due[0]
    assert [round((due[i] - start) / 1e6, 3) for i in range(4)] == [0.0, 10.0, 30.0, 30.0]
    assert "time scale 0.1" in load.describe() and "4 arrival times" in load.describe()
