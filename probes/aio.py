"""Run a probing coroutine on the fastest event loop available."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, on uvloop when it is installed: its faster I/O path is less work between
    a byte's arrival and its timestamp."""
    result: list[T] = []

    async def kept_aside() -> None:
        # The runner's main task ends with None: asyncio.Runner formats that task (with its
        # result) twice on its way out, in an error message that `signal.getsignal` builds
        # and drops, and a run's result holds every prompt sent, megabytes for long-context
        # workloads: the repr took seconds after the last answer.
        result.append(await main)

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
        asyncio.run(kept_aside())
    else:
        uvloop.run(kept_aside())
    return result[0]
