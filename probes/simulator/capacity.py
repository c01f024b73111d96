"""Correctness under load: each offering answers well up to a number of requests in flight;
beyond it, a share of the answers that can be checked come out wrong.

In flight = this offering's accepted requests whose last token is not yet due, this one
included, counted when the request arrives (from the schedules the server itself planned,
so it follows the time scale: at 0.01 a request is in flight for a hundredth as long).

Over capacity C with n in flight, an answer degrades with probability min(0.8, 1 − C/n):
none at C, half at 2C. Only answers a probe can check change: JSON (schema-constrained
output gives other values, still valid; other modes break the schema) and number-word
conversions (a wrong digit). Prose, needles, tool calls and retention answers do not.

The catalog has no figure for it, so every offering gets DEFAULT_CAPACITY × a fixed factor
in 0.7–2.8 derived from its key (11 to 45 requests in flight); the server's `--capacity`
sets one for all.
"""

from __future__ import annotations

import hashlib
import heapq
from typing import Final

from catalog.schema import Offering

DEFAULT_CAPACITY: Final = 16
FACTOR_RANGE: Final = (0.7, 2.8)
MAX_DEGRADE: Final = 0.8


def capacity(offering: Offering, override: int | None = None) -> int:
    """Requests in flight the offering serves without degrading."""
    if override is not None:
        return override
    digest = hashlib.blake2b(f"capacity:{offering.key}".encode(), digest_size=8).digest()
    unit = int.from_bytes(digest, "big") / 2**64
    low, high = FACTOR_RANGE
    return round(DEFAULT_CAPACITY * (low + (high - low) * unit))


def degrade_share(in_flight: int, limit: int) -> float:
    """The chance a checkable answer degrades with `in_flight` requests at `limit` capacity."""
    if in_flight <= limit:
        return 0.0
    return min(MAX_DEGRADE, 1.0 - limit / in_flight)


class InFlight:
    """Per offering, when each accepted request's last token is due (monotonic ns)."""

    def __init__(self) -> None:
        self._ends: dict[str, list[int]] = {}

    def arrive(self, key: str, now_ns: int) -> int:
        """Requests of `key` in flight at `now_ns`, counting the one arriving."""
        ends = self._ends.setdefault(key, [])
        while ends and ends[0] <= now_ns:
            heapq.heappop(ends)
        return len(ends) + 1

    def started(self, key: str, end_ns: int) -> None:
        """An accepted request of `key` whose last token is due at `end_ns`."""
        heapq.heappush(self._ends.setdefault(key, []), end_ns)
