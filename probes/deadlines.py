"""How long a request may take before we cut it: per phase, settable, by default a multiple
of the workload's own latency budget.

A workload that must answer in 5 s learns nothing from waiting 120 s for a server that
trickles one byte at a time; it learns that the offering missed its budget by far. So each
limit defaults to `MULTIPLE` times the budget it guards (first byte: the TTFT budget; whole
answer: the end-to-end budget), never below a floor that leaves room for a slow network and
a cold start. Without a budget the fixed limits apply (at a simulator's time scale, scaled
like everything else the simulator times); and since a long prompt's first token comes only
after its prefill, the stall limit then waits as long as the first byte's. A limit the user
sets wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from probes.spec import WorkloadSpec

MULTIPLE = 4.0
"""A limit is this many times the budget it guards: far enough past the budget that a request
cut by it has missed the budget beyond doubt."""

FLOOR_TOTAL_S = 10.0
FLOOR_FIRST_BYTE_S = 5.0
FLOOR_STALL_S = 5.0
"""No derived limit goes below these: TLS, a cold connection and a busy provider fit."""

DEFAULT_TOTAL_S = 120.0
DEFAULT_FIRST_BYTE_S = 60.0
DEFAULT_STALL_S = 30.0
"""The limits without a budget to derive from."""

MAX_TIMEOUT_S = 3600.0
"""No limit a user may set goes past an hour: a probe run is not a soak test."""


@dataclass(frozen=True)
class Timeouts:
    """Limits the user set, in seconds; None leaves that phase to the workload's budget."""

    total_s: float | None = None
    first_byte_s: float | None = None
    stall_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("total_s", "first_byte_s", "stall_s"):
            value = getattr(self, name)
            if value is not None and not (0 < value <= MAX_TIMEOUT_S and math.isfinite(value)):
                raise ValueError(f"{name} must be above 0 and at most {MAX_TIMEOUT_S:g} s")


@dataclass(frozen=True)
class Deadlines:
    """The limits one request is held to."""

    total_s: float = DEFAULT_TOTAL_S
    first_byte_s: float = DEFAULT_FIRST_BYTE_S
    stall_s: float = DEFAULT_STALL_S


def deadlines_for(
    spec: WorkloadSpec | None, timeouts: Timeouts = Timeouts(), budgeted: bool = True
) -> Deadlines:
    """The limits for a workload's requests: the user's, else derived from its budget, or
    the fixed ones when not `budgeted` (a probe whose prompts are not the workload's typical
    request, so its budget does not bound them)."""
    ttft_ms = spec.ttft_p95_ms if spec is not None and budgeted else None
    e2e_ms = spec.e2e_p95_ms if spec is not None and budgeted else None
    scale = spec.time_scale if spec is not None else 1.0
    total = (
        timeouts.total_s
        if timeouts.total_s is not None
        else _derived(e2e_ms, FLOOR_TOTAL_S, DEFAULT_TOTAL_S * scale)
    )
    first_byte = (
        timeouts.first_byte_s
        if timeouts.first_byte_s is not None
        else _derived(ttft_ms, FLOOR_FIRST_BYTE_S, DEFAULT_FIRST_BYTE_S * scale)
    )
    stall = (
        timeouts.stall_s
        if timeouts.stall_s is not None
        else _derived(ttft_ms, FLOOR_STALL_S, DEFAULT_STALL_S * scale)
    )
    if ttft_ms is None and timeouts.stall_s is None:
        stall = max(stall, first_byte)  # the first token waits on the prefill
    # A phase cannot outlast the whole: the total bounds the others.
    return Deadlines(total, min(first_byte, total), min(stall, total))


def _derived(budget_ms: float | None, floor_s: float, default_s: float) -> float:
    if budget_ms is None or not math.isfinite(budget_ms) or budget_ms <= 0:
        return default_s
    return max(floor_s, min(default_s, MULTIPLE * budget_ms / 1000))
