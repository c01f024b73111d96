"""What every export shares: the header it starts with, the names it gives deployments, and
how each gateway names a provider."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from advisor.plan.model import Choice, Endpoint, Plan, WorkloadPlan


def header_lines(plan: Plan, what: str) -> list[str]:
    """What a reader of the file must know first: who made it, from which data, and whether
    its figures were simulated."""
    checked = plan.catalog_checked.isoformat() if plan.catalog_checked else "unknown"
    lines = [
        f"{what} written by model-advisor {plan.version} on {plan.made_on.isoformat()}",
        f"catalog prices checked up to {checked}; figures: {plan.figures_label}",
    ]
    if plan.simulated:
        lines.append(
            "SIMULATED: the measured figures behind this plan came from the simulator, not a provider"
        )
    if plan.time_scales:
        lines.append(time_scaled_line(plan))
    lines.append("keys are referenced by environment variable name, never written here")
    return lines


def time_scaled_line(plan: Plan) -> str:
    """What a reader must know of figures from a time-scaled simulator run."""
    scales = ", ".join(f"×{s:g}" for s in plan.time_scales)
    return (
        f"TIME-SCALED: latency figures were converted to real time from a simulator run at "
        f"time scale {scales}; timeouts rest on the converted figures"
    )


def workload_lines(wp: WorkloadPlan) -> list[str]:
    """What every export's header says about one workload: its failover budget and, with a
    canary, that the canary only ever takes its share of traffic."""
    lines = [f"{wp.name}: {wp.timeouts.summary()}"]
    if wp.canary:
        gates = "; ".join(str(g) for g in wp.canary.gates)
        lines.append(
            f"{wp.name}: canary {wp.canary.choice.key} takes {wp.canary.weight:.0%} of requests "
            f"and is never a fallback target; gates {gates}. {wp.canary.rollback}"
        )
    return lines


TRANSIENT_STATUSES = (408, 429, 500, 502, 503, 504)
"""The statuses worth retrying or failing over on; any other 4xx is the request's fault and
fails the same way everywhere."""


@dataclass(frozen=True)
class Deployment:
    """A choice as one gateway target: its name in the export, its share of its group."""

    name: str
    choice: Choice
    endpoint: Endpoint
    weight: float | None = None


def timeouts_of(wp: WorkloadPlan, d: Deployment) -> tuple[float, float]:
    """Per-attempt request and first-token timeouts of one deployment: the plan's for the
    workload's own group, what the budget leaves for the fallbacks, the context fallback's,
    and a degraded last resort's own shorter one."""
    t = wp.timeouts
    role = d.choice.role
    if role == "degraded" and d.choice.timeout_s:
        request = d.choice.timeout_s
    elif role in ("fallback", "degraded"):
        request = t.takeover_s
    elif role == "context":
        request = t.context_s
    else:
        request = t.request_s
    return request, min(request, t.first_token_s)


def primary_group(wp: WorkloadPlan, plan: Plan) -> list[Deployment]:
    """The deployments that share the workload's own traffic: the primary, deployments added
    for rate headroom, and the canary, with weights summing to 1 (None when alone)."""
    members = [(wp.primary, "primary")] + [
        (h, f"headroom-{i}") for i, h in enumerate(wp.headroom, 1)
    ]
    canary = wp.canary.weight if wp.canary else 0.0
    headroom = sum(h.weight or 0.0 for h in wp.headroom)
    shares = [1.0 - headroom] + [h.weight or 0.0 for h in wp.headroom]
    out = [
        Deployment(name, choice, plan.endpoints[choice.offering.provider], share * (1 - canary))
        for (choice, name), share in zip(members, shares, strict=True)
    ]
    if wp.canary:
        c = wp.canary.choice
        out.append(Deployment("canary", c, plan.endpoints[c.offering.provider], canary))
    if len(out) == 1:
        return [Deployment(out[0].name, out[0].choice, out[0].endpoint, None)]
    return out


def chain(wp: WorkloadPlan, plan: Plan) -> list[Deployment]:
    """Who answers after the workload's own group fails, in order: fallbacks, then the
    degraded last resort."""
    out = [
        Deployment(f"fallback-{i}", c, plan.endpoints[c.offering.provider])
        for i, c in enumerate(wp.fallbacks, 1)
    ]
    if wp.degraded:
        d = wp.degraded
        out.append(Deployment("degraded", d, plan.endpoints[d.offering.provider]))
    return out


def context_deployment(wp: WorkloadPlan, plan: Plan) -> Deployment | None:
    choice = wp.context.choice
    if choice is None:
        return None
    return Deployment("context", choice, plan.endpoints[choice.offering.provider])


def verifier_deployment(wp: WorkloadPlan, plan: Plan) -> Deployment | None:
    if wp.verifier is None:
        return None
    return Deployment("verifier", wp.verifier, plan.endpoints[wp.verifier.offering.provider])


def integer_weights(shares: list[float], total: int = 100) -> list[int]:
    """Shares as whole numbers summing to `total` (largest remainders), each at least 1."""
    raw = [s * total for s in shares]
    out = [max(1, int(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[: max(0, total - sum(out))]:
        out[i] += 1
    return out


def comment_block(lines: list[str], mark: str = "#", width: int = 98) -> str:
    """Lines as a wrapped comment block, one blank line after it."""
    out = []
    for line in lines:
        # Names and keys stay whole (a hyphen is no place to break them), so they can be copied.
        wrapped = textwrap.wrap(
            line,
            width - len(mark) - 1,
            subsequent_indent="  ",
            break_on_hyphens=False,
            break_long_words=False,
        ) or [""]
        out += [f"{mark} {part}".rstrip() for part in wrapped]
    return "\n".join(out) + "\n\n"
