"""The next export after a verdict: the canary's weight one step up the ladder (5 % → 25 % →
50 % → 100 %, where it becomes the primary and the old primary its first fallback), or the
rollback (the canary out of the group: weight 0). A hold changes nothing."""

from __future__ import annotations

import dataclasses

from advisor.plan.model import Plan, WorkloadPlan
from advisor.plan.planner import reweighted
from advisor.watch.gate import Judgement

LADDER = (0.05, 0.25, 0.5, 1.0)


def next_weight(weight: float) -> float:
    """The first step of the ladder above `weight`."""
    return next((w for w in LADDER if w > weight + 1e-9), 1.0)


def stepped(plan: Plan, judgement: Judgement, today: str) -> tuple[Plan, str] | None:
    """The plan after the verdict, and the note that says why; None on a hold."""
    wp = next(w for w in plan.workloads if w.name == judgement.workload)
    canary = wp.canary
    if canary is None or judgement.verdict == "hold":
        return None
    key = canary.choice.key
    if judgement.verdict == "rollback":
        note = (
            f"advisor gate on {today}: canary {key} rolled back (weight 0) from "
            f"{canary.weight:.0%}: {judgement.reason}"
        )
        new = dataclasses.replace(wp, canary=None, notes=(*wp.notes, note))
    else:
        weight = next_weight(canary.weight)
        if weight >= 1.0:
            note = (
                f"advisor gate on {today}: canary {key} promoted to primary (100%); "
                f"{wp.primary.key} is now its first fallback: {judgement.reason}"
            )
            new = _promoted(wp, note)
        else:
            note = (
                f"advisor gate on {today}: canary {key} stepped from {canary.weight:.0%} to "
                f"{weight:.0%}: {judgement.reason}"
            )
            moved = reweighted(canary, weight)
            new = dataclasses.replace(wp, canary=moved, notes=(*wp.notes, note))
    workloads = tuple(new if w.name == wp.name else w for w in plan.workloads)
    return dataclasses.replace(plan, workloads=workloads), note


def _promoted(wp: WorkloadPlan, note: str) -> WorkloadPlan:
    assert wp.canary is not None
    newcomer = wp.canary.choice
    primary = dataclasses.replace(
        newcomer, role="primary", weight=None, reason="promoted canary: every gate passed"
    )
    old = dataclasses.replace(
        wp.primary, role="fallback", weight=None, reason="the primary before the canary's promotion"
    )
    fallbacks = (old,) + tuple(c for c in wp.fallbacks if c.key not in (newcomer.key, old.key))
    headroom = tuple(h for h in wp.headroom if h.key != newcomer.key)
    return dataclasses.replace(
        wp,
        primary=primary,
        fallbacks=fallbacks,
        headroom=headroom,
        canary=None,
        notes=(*wp.notes, note),
    )
