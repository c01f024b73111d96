"""Per-attempt timeouts and retries, and how they split a workload's latency budget.

Without a budget, a deployment gets twice its p99 (else p95) end-to-end time. With one and a
fallback, the budget is shared between the hops a hung primary costs: the primary's timeout
(times its attempts), then what the first fallback needs to answer (its p95 end-to-end time,
measured, else from the catalog), then GATEWAY_OVERHEAD_S for the gateway's own work. The
fallbacks time out at what the budget leaves after the primary's hop. When the split cannot
hold (the fallback alone, or the primary's own latency, needs more than the budget leaves),
the timeouts say so instead of cutting off normal answers. Figures are real time: a simulated
run at another time scale has been converted back before the planner reads it
(advisor.probe.measured).
"""

from __future__ import annotations

import dataclasses
import math

from advisor.plan.figures import Figures
from advisor.plan.model import Basis, Timeouts

DEFAULT_REQUEST_S = 60.0
DEFAULT_FIRST_TOKEN_S = 30.0
GATEWAY_OVERHEAD_S = 0.3
"""Kept free of a latency budget for the gateway's own work when it fails over. Measured:
over a hung primary's timeout, the gateway suite's slowest answer via the fallback took
0.17 s more (the LiteLLM proxy 1.110.2 on a busy 2-core machine; docs/gateways.md); Portkey
1.15.2 took 0.06 s, TensorZero 2026.6.0 0.01 s."""
UNKNOWN_SHARE = 0.5
"""Share of what the budget leaves after the gateway allowance that is kept for a fallback
whose latency neither probes nor the catalog know."""


def plan_timeouts(primary: Figures, fallback: Figures | None) -> Timeouts:
    """Timeouts of a workload served by `primary`, with `fallback` (the first deployment of
    its chain) taking over when it fails, or none."""
    w = primary.candidate.workload
    budget_ms = w.latency.e2e_p95_ms
    e2e = primary.e2e("p99") or primary.e2e("p95")
    ttft = primary.ttft("p99") or primary.ttft("p95")
    basis: tuple[Basis, ...] = (e2e,) if e2e else ()
    if budget_ms:
        basis += (Basis("e2e budget", budget_ms, "ms", "workload"),)
    if budget_ms and fallback is not None:
        timeouts = _split(budget_ms / 1000, e2e, fallback, basis)
    elif budget_ms:
        timeouts = _alone(budget_ms / 1000, e2e, basis)
    else:
        timeouts = _unbounded(e2e, fallback is not None, basis)
    if ttft is None:
        return _with_first_token(timeouts, DEFAULT_FIRST_TOKEN_S, "")
    first = _tenths_up(3 * ttft.value) if budget_ms else _seconds(3 * ttft.value)
    return _with_first_token(timeouts, first, ", 3× TTFT for the first token", ttft)


def _unbounded(e2e: Basis | None, has_fallback: bool, basis: tuple[Basis, ...]) -> Timeouts:
    """No latency budget: twice the primary's latency, else the default."""
    if e2e is not None:
        request_s, why = _seconds(2 * e2e.value), f"2× {e2e.name}"
    else:
        request_s, why = DEFAULT_REQUEST_S, "default: no measured or catalog latency"
    if has_fallback:
        retries, why_retries = 0, "no retries: a failure goes straight to the next provider"
    else:
        retries, why_retries = 2, "no fallback: 2 retries"
    return Timeouts(request_s, request_s, retries, f"{why}; {why_retries}", basis)


def _alone(budget_s: float, e2e: Basis | None, basis: tuple[Basis, ...]) -> Timeouts:
    """A budget and no fallback: retries fill what the budget holds, at most two."""
    room = budget_s - GATEWAY_OVERHEAD_S
    if e2e is None:
        request_s = _tenths_down(room)
        why = (
            "the workload's e2e budget less the gateway allowance (no measured or catalog latency)"
        )
    elif 2 * e2e.value / 1000 <= room:
        request_s, why = _tenths_up(2 * e2e.value), f"2× {e2e.name}"
    elif e2e.value / 1000 <= room:
        request_s = _tenths_down(room)
        why = f"2× {e2e.name}, cut to the budget less the gateway allowance"
    else:
        request_s = _tenths_up(e2e.value)
        why = (
            f"the primary's own {e2e} exceeds the budget less the gateway allowance, so a "
            "timeout within it would cut off its normal answers"
        )
    retries = max(0, min(2, int((room + 1e-9) // request_s) - 1))
    why += f"; no fallback: {retries} retr{'y' if retries == 1 else 'ies'} (as many as the budget holds, at most two)"
    return Timeouts(
        request_s, request_s, retries, why, basis, budget_s, overhead_s=GATEWAY_OVERHEAD_S
    )


def _split(
    budget_s: float, e2e: Basis | None, fallback: Figures, basis: tuple[Basis, ...]
) -> Timeouts:
    """A budget and a fallback: the primary's timeout is what the budget leaves after the
    fallback's answer and the gateway allowance, at most twice its own latency."""
    room = budget_s - GATEWAY_OVERHEAD_S
    allowance = Basis("gateway allowance", 1000 * GATEWAY_OVERHEAD_S, "ms", "default")
    known = fallback.e2e("p95")
    if known is None:
        return _split_unknown(budget_s, room, e2e, fallback, basis + (allowance,))
    reserve = Basis(
        f"p95 end-to-end of {fallback.offering.key}", known.value, "ms", known.origin, known.n
    )
    basis += (reserve, allowance)
    left = room - reserve.value / 1000
    why = (
        f"the {budget_s:g} s budget split: the primary's hop, then the fallback's {reserve}, "
        f"then {GATEWAY_OVERHEAD_S:g} s for the gateway"
    )
    if left < 0.1:
        over = (
            f"the fallback alone needs {reserve.value / 1000:.3g} s, more than the "
            f"{room:.3g} s the budget leaves after the gateway allowance"
        )
        request_s = _tenths_up(2 * e2e.value) if e2e else _tenths_down(room)
        return _over(request_s, over, basis, budget_s, reserve)
    if e2e is None:
        request_s = _tenths_down(left)
        why += "; the primary's latency is unknown: it gets all that is left"
    elif e2e.value / 1000 > left:
        over = (
            f"the primary's own {e2e} and the fallback's {reserve} leave no primary timeout "
            "that would not cut off the primary's normal answers"
        )
        return _over(_tenths_up(e2e.value), over, basis, budget_s, reserve)
    else:
        request_s = min(_tenths_up(2 * e2e.value), _tenths_down(left))
        why += f"; the primary gets 2× its {e2e.name}" + (
            "" if request_s >= 2 * e2e.value / 1000 else ", cut to what is left"
        )
    return _fitted(request_s, why, basis, budget_s, room, reserve)


def _split_unknown(
    budget_s: float, room: float, e2e: Basis | None, fallback: Figures, basis: tuple[Basis, ...]
) -> Timeouts:
    """The split when neither probes nor the catalog know the fallback's latency: the primary
    takes up to twice its own latency but leaves the fallback at least UNKNOWN_SHARE of the
    room, unless its own latency needs more; the fallback gets what is left."""
    half = _tenths_down(UNKNOWN_SHARE * room)
    if e2e is None:
        request_s = half
        why = "neither the primary's nor the fallback's latency is known: half each"
    elif e2e.value / 1000 > room - 0.1:
        over = (
            f"the primary's own {e2e} leaves no room in the budget for the fallback, whose "
            "latency neither probes nor the catalog know"
        )
        return _over(_tenths_up(e2e.value), over, basis, budget_s, None)
    else:
        request_s = min(_tenths_up(2 * e2e.value), max(_tenths_up(e2e.value), half))
        if request_s >= 2 * e2e.value / 1000:
            why = f"the primary gets 2× its {e2e.name}"
        elif request_s > half:
            why = f"the primary gets its own {e2e.name}, more than half"
        else:
            why = f"the primary gets half, more than its own {e2e.name}"
        why += (
            f"; the fallback's latency is unknown (no probe or catalog figure): it gets the "
            f"other {room - request_s:.3g} s"
        )
    left = room - request_s
    reserve = Basis(
        f"what is left for {fallback.offering.key}", round(1000 * left), "ms", "default"
    )
    why = f"the {budget_s:g} s budget less {GATEWAY_OVERHEAD_S:g} s for the gateway: {why}"
    return _fitted(request_s, why, basis + (reserve,), budget_s, room, reserve)


def _fitted(
    request_s: float,
    why: str,
    basis: tuple[Basis, ...],
    budget_s: float,
    room: float,
    reserve: Basis,
) -> Timeouts:
    """Timeouts whose split holds: the fallbacks time out at what the primary's hop leaves."""
    fallback_s = _tenths_down(room - request_s)
    return Timeouts(
        request_s,
        request_s,
        0,
        f"{why}; the fallbacks time out at {fallback_s:g} s, what the primary leaves; "
        "no retries: a failure goes straight to the next provider",
        basis,
        budget_s,
        fallback_s=fallback_s,
        reserve=reserve,
        overhead_s=GATEWAY_OVERHEAD_S,
    )


def _over(
    request_s: float, over: str, basis: tuple[Basis, ...], budget_s: float, reserve: Basis | None
) -> Timeouts:
    """Timeouts for a budget that cannot hold a failover: the primary keeps a timeout its
    normal answers fit, the fallbacks twice their own latency when known (else the primary's
    timeout), and the reason says why."""
    fallback_s = max(request_s, _tenths_up(2 * reserve.value) if reserve else 0.0)
    return Timeouts(
        request_s,
        request_s,
        0,
        f"{over}; no retries: a failure goes straight to the next provider",
        basis,
        budget_s,
        fallback_s=fallback_s,
        reserve=reserve,
        overhead_s=GATEWAY_OVERHEAD_S,
    )


def _with_first_token(t: Timeouts, first_s: float, why: str, ttft: Basis | None = None) -> Timeouts:
    return dataclasses.replace(
        t,
        first_token_s=min(first_s, t.request_s),
        reason=_insert(t.reason, why),
        basis=t.basis + ((ttft,) if ttft else ()),
    )


def _insert(reason: str, why: str) -> str:
    """`why` after the timeout's own reason, before what is said about retries."""
    head, sep, tail = reason.rpartition("; ")
    return f"{head}{why}{sep}{tail}" if sep else reason + why


def _tenths_down(seconds: float) -> float:
    """Seconds rounded down to a tenth, so a timeout of this length stays within them."""
    return max(0.1, math.floor(round(seconds * 10, 6)) / 10)


def _tenths_up(ms: float) -> float:
    """Milliseconds as seconds rounded up to a tenth, at least a tenth."""
    return max(0.1, math.ceil(round(ms / 100, 6)) / 10)


def _seconds(ms: float) -> float:
    """Milliseconds as whole seconds, rounded up, at least one."""
    return float(max(1, math.ceil(ms / 1000)))
