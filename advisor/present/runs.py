"""Probing runs and the shifts between two of them, as Rich tables."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from advisor.columns import Column
from advisor.present.layout import RichCell, laid_out
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


def shifts_table(
    shifts: Iterable[Shift], before: int, after: int, width: int = 120
) -> RenderableType:
    """How each probe figure moved between two runs; figure names are never cut
    (`advisor.columns`: keys shortened, then records, when space is short)."""
    columns = (
        Column("workload", key=True),
        Column("offering", key=True),
        Column("figure"),
        Column(f"run {before}", right=True),
        Column(f"run {after}", right=True),
        Column("change", right=True),
    )
    rows: list[list[RichCell]] = []
    for s in shifts:
        relative = s.relative
        style = "" if relative is None or abs(relative) < 0.1 else "yellow"
        rows.append(
            [
                s.workload,
                s.offering,
                f"{s.probe}.{s.metric}",
                UNKNOWN if s.before is None else f"{s.before:.4g}",
                UNKNOWN if s.after is None else f"{s.after:.4g}",
                None if relative is None else Text(f"{relative:+.0%}", style=style),
            ]
        )
    return laid_out(columns, rows, width)
