"""Pausing the cyclic garbage collector around work that builds many objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block, and restore it after.

    Loading a catalog or matching it builds tens of thousands of objects, none in cycles; each
    collection the allocations trigger would scan them all for nothing. Measured: a 5,000-
    offering load 3× faster, matching 20 workloads against it about 20 % faster and steadier
    (docs/benchmarks.md). Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
