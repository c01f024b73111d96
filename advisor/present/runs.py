"""Probing runs and the shifts between two of them, as Rich tables."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.table import Table
from rich.text import Text

from advisor.units import UNKNOWN, usd
from probes.compare import Shift
from probes.store import RunSummary

RUN_STATUS_STYLE = {
    "running": "cyan",
    "complete": "green",
    "cancelled": "yellow",
    "failed": "red",
    "interrupted": "red",
}


def runs_table(runs: Iterable[RunSummary]) -> Table:
    """Probing runs, newest first; simulated runs say so."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    for name in ("run", "started (UTC)", "status", "target", "offerings", "attempts", "spent"):
        table.add_column(
            name, justify="right" if name in ("run", "offerings", "attempts", "spent") else "left"
        )
    for run in runs:
        table.add_row(
            str(run.id),
            run.started_at.replace("T", " ").removesuffix("+00:00"),
            Text(run.status, style=RUN_STATUS_STYLE.get(run.status, "")),
            _target(run),
            str(run.offerings),
            str(run.attempts),
            usd(run.spent_usd, 4) if run.spent_usd else "$0",
        )
    return table


def _target(run: RunSummary) -> str:
    """Where a run probed; a simulated run says so, with its time scale when not 1."""
    if not run.simulated:
        return run.target
    scale = f", time ×{run.time_scale:g}" if run.time_scale != 1 else ""
    return f"{run.target} (simulated{scale})"


def shifts_table(shifts: Iterable[Shift], before: int, after: int) -> Table:
    """How each probe figure moved between two runs."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("workload")
    table.add_column("offering", overflow="fold")
    table.add_column("figure")
    table.add_column(f"run {before}", justify="right")
    table.add_column(f"run {after}", justify="right")
    table.add_column("change", justify="right")
    for s in shifts:
        relative = s.relative
        style = "" if relative is None or abs(relative) < 0.1 else "yellow"
        table.add_row(
            s.workload,
            s.offering,
            f"{s.probe}.{s.metric}",
            UNKNOWN if s.before is None else f"{s.before:.4g}",
            UNKNOWN if s.after is None else f"{s.after:.4g}",
            Text("" if relative is None else f"{relative:+.0%}", style=style),
        )
    return table
