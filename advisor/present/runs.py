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
from advisor.watch.drift import Drift, Finding
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


DRIFT_STYLE = {"drifted": "bold red", "stable": "green", "cannot tell": "yellow"}


def drift_table(drift: Drift, width: int = 120) -> RenderableType:
    """Each offering's metrics in two runs: drifted, stable or cannot tell, with the
    figures, their n, the interval of the change and why."""
    columns = (
        Column("workload", key=True),
        Column("offering", key=True),
        Column("metric"),
        Column("state"),
        Column(f"run {drift.before}", right=True),
        Column(f"run {drift.after}", right=True),
        Column("n", right=True),
        Column("change (95 %)", right=True),
        Column("why", wrap=24),
    )
    rows: list[list[RichCell]] = [
        [
            f.workload,
            f.offering,
            f.metric,
            Text(f.state, style=DRIFT_STYLE[f.state]),
            _drift_value(f.before, f.unit),
            _drift_value(f.after, f.unit),
            f"{f.n_before}/{f.n_after}",
            _drift_change(f),
            f.reason,
        ]
        for f in drift.findings
    ]
    drifted = len(drift.drifted)
    caption = (
        f"{drifted} drifted" if drifted else "no drift"
    ) + f" (family-wise false-alarm rate {drift.alpha:.0%}, Holm-corrected)"
    return laid_out(
        columns,
        rows,
        width,
        title=f"drift: run {drift.after} against run {drift.before}",
        caption=caption,
    )


def _drift_value(value: float | str | None, unit: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if unit == "share":
        return f"{value:.0%}"
    if unit.startswith("tokens"):
        return f"{value:.4g} tokens"
    return f"{value:.4g} ms" if unit == "ms" else f"{value:.4g}"


def _drift_change(f: Finding) -> str | None:
    if f.divergence is not None:
        return f"JSD {f.divergence:.3f}"
    if f.interval is None:
        return None
    low, high = f.interval
    if f.unit == "share":
        return f"[{low * 100:+.0f}, {high * 100:+.0f}] points"
    return f"[{low:+.3g}, {high:+.3g}]" + (" ms" if f.unit == "ms" else "")
