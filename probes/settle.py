"""Waiting for a quiet client before a timed step.

A first token is stamped when the event loop gets to it. While the loop is busy (a run's
start: a hundred connections, megabyte prompts encoded and parsed on a shared machine), a
token that arrived on time is stamped late, and a TTFT near its budget reads as over it:
the measurement is of the client, not the provider. So a timed step waits, within a bound,
until the loop has woken on time for a while; every other request goes at once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

TICK_S: Final = 0.005
"""How often the loop is asked to wake while waiting."""
QUIET_LATE_S: Final = 0.005
"""A wake-up at most this late counts as quiet."""
QUIET_FOR_S: Final = 0.2
"""The loop must stay quiet this long: long enough to cover a simulator parsing a
megabyte prompt just sent (about 20 ms each)."""
AT_MOST_S: Final = 3.0
"""A machine that never quiets down does not hold a run up longer than this per step."""


async def settle(
    quiet_for_s: float = QUIET_FOR_S, at_most_s: float = AT_MOST_S
) -> tuple[float, bool]:
    """Wait until the loop has woken on time (within QUIET_LATE_S) for `quiet_for_s`, or
    `at_most_s` has passed; the seconds waited, and whether it was quiet."""
    started = time.perf_counter()
    quiet_since = started
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(TICK_S)
        woke = time.perf_counter()
        if woke - asked - TICK_S > QUIET_LATE_S:
            quiet_since = woke
        if woke - quiet_since >= quiet_for_s:
            return woke - started, True
        if woke - started >= at_most_s:
            return woke - started, False
