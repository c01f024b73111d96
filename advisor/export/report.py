"""The plan for people: Markdown that explains every choice, and the same as JSON for tools.

Every number says where it came from: measured live, measured on the simulator, the catalog,
the workload file, or a default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from advisor.export.common import header_lines
from advisor.plan.model import Basis, Canary, Choice, Plan, RunSource, WorkloadPlan, format_value
from advisor.units import UNKNOWN
from advisor.watch.successors import SideBySide, sunsets


def plan_json(plan: Plan) -> dict[str, Any]:
    """The whole plan as JSON-ready values."""
    return {
        "version": plan.version,
        "made_on": plan.made_on.isoformat(),
        "catalog_checked": plan.catalog_checked.isoformat() if plan.catalog_checked else None,
        "run_id": plan.run_id,
        "simulated": plan.simulated,
        "figures": plan.figures_label,
        "workloads": [_workload_json(wp) for wp in plan.workloads],
        "unplanned": [{"workload": u.workload.name, "reason": u.reason} for u in plan.unplanned],
        "endpoints": {
            p: {"api": e.api, "base_url": e.base_url, "key_env": e.key_env}
            for p, e in plan.endpoints.items()
        },
    }


def _workload_json(wp: WorkloadPlan) -> dict[str, Any]:
    t = wp.timeouts
    return {
        "workload": wp.name,
        "primary": _choice_json(wp.primary),
        "fallbacks": [_choice_json(c) for c in wp.fallbacks],
        "context": {
            "fallback": _choice_json(wp.context.choice) if wp.context.choice else None,
            "trim_at_tokens": wp.context.trim_at_tokens,
            "reason": wp.context.reason,
        },
        "headroom": [_choice_json(c) for c in wp.headroom],
        "degraded": _choice_json(wp.degraded) if wp.degraded else None,
        "canary": _canary_json(wp.canary) if wp.canary else None,
        "verifier": _choice_json(wp.verifier) if wp.verifier else None,
        "timeouts": {
            "request_s": t.request_s,
            "first_token_s": t.first_token_s,
            "retries": t.retries,
            "failover_s": t.hop_s,
            "budget_s": t.budget_s,
            "fallback_s": t.fallback_s,
            "fallback_needs": _basis_json(t.reserve) if t.reserve else None,
            "gateway_allowance_s": t.overhead_s,
            "fits_budget": t.fits,
            "reason": t.reason,
            "basis": [_basis_json(b) for b in t.basis],
        },
        "notes": list(wp.notes),
        "figures": wp.figures_label,
        "run": _source_json(wp.source),
    }


def _source_json(source: RunSource | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "run_id": source.run_id,
        "simulated": source.simulated,
        "time_scale": source.time_scale,
        "converted_to_real_time": source.time_scale != 1,
    }


def _choice_json(c: Choice) -> dict[str, Any]:
    out: dict[str, Any] = {
        "offering": c.key,
        "role": c.role,
        "reason": c.reason,
        "basis": [_basis_json(b) for b in c.basis],
    }
    if c.weight is not None:
        out["weight"] = c.weight
    if c.timeout_s is not None:
        out["timeout_s"] = c.timeout_s
    return out


def _canary_json(c: Canary) -> dict[str, Any]:
    return {
        **_choice_json(c.choice),
        "weight": c.weight,
        "gates": [
            {"metric": g.metric, "op": g.op, "limit": g.limit, "unit": g.unit, "reason": g.reason}
            for g in c.gates
        ],
        "rollback": c.rollback,
    }


def _basis_json(b: Basis) -> dict[str, Any]:
    return {"name": b.name, "value": b.value, "unit": b.unit, "origin": b.origin, "n": b.n}


def render_markdown(plan: Plan, successors: Sequence[SideBySide] = ()) -> str:
    """The report as Markdown; `successors` (`advisor.watch.successors.side_by_side`) adds
    each offering near its sunset beside its successor, with the change proposed."""
    out = ["# Routing plan", ""]
    out += [f"> {line}" for line in header_lines(plan, "Routing report")] + [""]
    if plan.simulated:
        out += [
            "**Figures marked `simulated` were measured on the simulator, not on a provider. "
            "Probe live before relying on them.**",
            "",
        ]

    for wp in plan.workloads:
        out += _workload_md(wp)
    for u in plan.unplanned:
        out += [f"## {u.workload.name}", "", f"Not planned: {u.reason}.", ""]
    out += _lifecycle_md(plan, successors)
    out += [
        "## Endpoints",
        "",
        "| provider | wire | base URL | key variable |",
        "|---|---|---|---|",
    ]
    for p, e in plan.endpoints.items():
        out.append(f"| {p} | {e.api} | {e.base_url} | {e.key_env or '(none)'} |")
    return "\n".join(out) + "\n"


def _workload_md(wp: WorkloadPlan) -> list[str]:
    out = [f"## {wp.name}", "", f"Figures: {wp.figures_label}.", ""]
    out += ["| role | offering | why | figures |", "|---|---|---|---|"]
    rows = [wp.primary, *wp.headroom, *wp.fallbacks]
    rows += [c for c in (wp.context.choice, wp.degraded) if c]
    rows += [wp.canary.choice] if wp.canary else []
    rows += [wp.verifier] if wp.verifier else []
    for c in rows:
        role = c.role + (f" ({c.weight:.0%})" if c.weight is not None else "")
        figures = "; ".join(str(b) for b in c.basis) or "none known"
        out.append(f"| {role} | `{c.key}` | {_cell(c.reason)} | {_cell(figures)} |")
    t = wp.timeouts
    out += [
        "",
        f"- **Timeouts**: {t.request_s:g} s per request, {t.first_token_s:g} s to the "
        f"first token, {t.retries} retr{'y' if t.retries == 1 else 'ies'}: {t.reason}"
        + (f" ({'; '.join(str(b) for b in t.basis)})" if t.basis else "")
        + ".",
        f"- **Failover**: {t.summary()}.",
    ]
    out.append(f"- **Long inputs**: {wp.context.reason}.")
    canary = wp.canary
    if canary:
        out.append(f"- **Canary** `{canary.choice.key}` on {canary.weight:.0%} of traffic. Gates:")
        out += [f"  - `{g}`: {g.reason}" for g in canary.gates]
        out.append(f"  - Rollback: {canary.rollback}")
    out += [f"- Note: {n}" for n in wp.notes]
    return out + [""]


def _lifecycle_md(plan: Plan, successors: Sequence[SideBySide]) -> list[str]:
    """Offerings deprecated or near their shutdown, each beside its successor where a
    comparison was made, and the canary that would move traffic over."""
    near = sunsets(plan)
    if not near and not successors:
        return []
    out = ["## Lifecycle", ""]
    compared = {(p.sunset.workload, p.sunset.offering.key) for p in successors}
    out += [f"- {s.message()}." for s in near if (s.workload, s.offering.key) not in compared]
    for pair in successors:
        s = pair.sunset
        out += ["", f"### {s.workload}: `{s.offering.key}` → `{s.successor}`", ""]
        out += [f"{s.message()}.", ""]
        if pair.rows:
            out += [
                f"| figure | `{s.offering.key}` | `{s.successor}` |",
                "|---|---|---|",
            ]
            out += [
                f"| {r.figure} | {_basis_cell(r.current)} | {_basis_cell(r.successor)} |"
                for r in pair.rows
            ]
            bars = [
                "not probed" if not probed else "clears them" if p is None else f"fails: {p}"
                for p, probed in zip(pair.problems, pair.probed, strict=True)
            ]
            out += [f"| workload's bars | {_cell(bars[0])} | {_cell(bars[1])} |", ""]
        out.append(f"**Proposed**: {pair.note}.")
        if pair.canary is not None:
            out.append(f"The canary `{pair.canary.choice.key}` at {pair.canary.weight:.0%}:")
            out += [f"- `{g}`: {g.reason}" for g in pair.canary.gates]
            out.append(f"- Rollback: {pair.canary.rollback}")
    return out + [""]


def _basis_cell(b: Basis | None) -> str:
    return UNKNOWN if b is None else f"{format_value(b.value, b.unit)} ({b.source})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
