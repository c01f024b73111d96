"""The plan as Rich renderables, for the CLI and the TUI's preview alike."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from advisor.columns import Column
from advisor.plan.model import Choice, Plan, WorkloadPlan
from advisor.present.layout import RichCell, laid_out


def plan_tables(plan: Plan, width: int = 120) -> list[RenderableType]:
    """One block per workload, then the unplanned ones, then where the figures came from."""
    sourced = bool(plan.sources)  # a probed plan says, per workload, which run it read
    out: list[RenderableType] = [workload_block(wp, width, sourced) for wp in plan.workloads]
    for u in plan.unplanned:
        out.append(Text(f"{u.workload.name}: not planned: {u.reason}", style="red"))
    label = plan.figures_label + (
        " — SIMULATED, not measured on a provider" if plan.simulated else ""
    )
    out.append(Text(f"figures: {label}", style="yellow" if plan.simulated else "dim"))
    return out


PLAN_COLUMNS = (
    Column("role", key=True),
    Column("offering", key=True),
    Column("why", wrap=24),
    Column("figures", wrap=16),
)


def workload_block(wp: WorkloadPlan, width: int = 120, sourced: bool = False) -> Group:
    """A workload's choices as a table (`advisor.columns`: keys never split), then its timeouts,
    long-input rule, canary and notes; with `sourced`, first the run its figures come from."""
    rows: list[list[RichCell]] = [list(choice_cells(choice)) for choice in choice_rows(wp)]
    table = laid_out(PLAN_COLUMNS, rows, width, title=wp.name)
    t = wp.timeouts
    simulated = wp.source is not None and wp.source.simulated
    lines = [Text(f"figures: {wp.figures_label}", style="yellow" if simulated else "dim")]
    lines = lines if sourced else []
    lines += [
        Text(
            f"timeouts {t.request_s:g} s, first token {t.first_token_s:g} s, "
            f"{t.retries} retr{'y' if t.retries == 1 else 'ies'}: {t.reason}",
            style="dim",
        ),
        Text(wp.context.reason, style="dim"),
    ]
    if wp.canary:
        gates = ", ".join(str(g) for g in wp.canary.gates)
        lines.append(Text(f"canary gates: {gates}", style="cyan"))
    lines += [Text(f"note: {n}", style="yellow") for n in wp.notes]
    return Group(table, *lines, Text(""))


def choice_rows(wp: WorkloadPlan) -> list[Choice]:
    """Every choice of a workload, in the order traffic meets them."""
    rows = [wp.primary, *wp.headroom]
    rows += [wp.canary.choice] if wp.canary else []
    rows += [*wp.fallbacks, *(c for c in (wp.degraded, wp.context.choice, wp.verifier) if c)]
    return rows


def choice_cells(choice: Choice) -> tuple[str, str, str, str]:
    role = choice.role + (f" {choice.weight:.0%}" if choice.weight is not None else "")
    figures = "; ".join(str(b) for b in choice.basis) or "none known"
    return role, choice.key, choice.reason, figures
