"""Probe figures as tables and JSON, always saying whether they were measured live or simulated."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from probes.kinds.base import Figure
from probes.run import Outcome

# (column, probe, metric, format): the headline figure of each probe kind.
HEADLINES = (
    ("TTFT p50", "latency", "ttft_ms_p50", "{:.0f} ms"),
    ("TTFT p95", "latency", "ttft_ms_p95", "{:.0f} ms"),
    ("E2E p95", "latency", "e2e_ms_p95", "{:.0f} ms"),
    ("ITL p50", "latency", "itl_ms_p50", "{:.1f} ms"),
    ("agree", "determinism", "agreement", "{:.0%}"),
    ("needles", "context", "needle_recall", "{:.0%}"),
    ("schema ok", "structured", "schema_valid_rate", "{:.0%}"),
    ("samples ok", "samples", "expected_agreement", "{:.0%}"),
)


def _by_metric(figures: list[Figure]) -> dict[str, Figure]:
    return {f.metric: f for f in figures}


def results_table(outcome: Outcome, workload: str, simulated: bool) -> Table:
    """One row per probed offering of `workload`, headline figures with their sample counts."""
    label = "simulated" if simulated else "live"
    table = Table(
        title=f"{workload}: probe results ({label})",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    table.add_column("offering", overflow="fold", min_width=18)
    for column, *_ in HEADLINES:
        table.add_column(column, justify="right", no_wrap=True)
    offerings = sorted({key for (w, key, _) in outcome.figures if w == workload})
    for offering in offerings:
        cells: list[str | Text] = [offering]
        for _, probe, metric, fmt in HEADLINES:
            figure = _by_metric(outcome.figures.get((workload, offering, probe), [])).get(metric)
            if figure is None or figure.value is None:
                cells.append(Text("–", style="dim"))
            else:
                cells.append(f"{fmt.format(figure.value)} [dim]n={figure.n}[/]")
        table.add_row(*cells)
    return table


def samples_table(outcome: Outcome, workload: str) -> Table | None:
    """The workload's samples side by side: one row per sample, one column per offering."""
    per_offering = {
        key: _by_metric(figures).get("outputs")
        for (w, key, probe), figures in outcome.figures.items()
        if w == workload and probe == "samples"
    }
    per_offering = {k: v for k, v in per_offering.items() if v is not None}
    if not per_offering:
        return None
    table = Table(
        title=f"{workload}: sample outputs",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        show_lines=True,
    )
    table.add_column("#", justify="right")
    table.add_column("expected", overflow="fold")
    offerings = sorted(per_offering)
    for key in offerings:
        table.add_column(key, overflow="fold")
    first = per_offering[offerings[0]]
    assert first is not None
    count = len(first.detail["outputs"])
    for i in range(count):
        expected = first.detail["outputs"][i]["expected"]
        row: list[str | Text] = [str(i + 1), "" if expected is None else str(expected)]
        for key in offerings:
            figure = per_offering[key]
            assert figure is not None
            out = figure.detail["outputs"][i]
            style = {True: "green", False: "red"}.get(out["agrees"], "")
            mark = {
                "valid": "",
                "schema_broken": " ✗schema",
                "fenced": " ✗fenced",
                "invalid": " ✗json",
            }.get(out["schema"] or "", "")
            row.append(Text(f"{out['output'][:160]}{mark}", style=style))
        table.add_row(*row)
    return table


def outcome_json(outcome: Outcome, simulated: bool) -> dict[str, Any]:
    """Figures per workload, offering and probe, each with n and unit."""
    workloads: dict[str, Any] = {}
    for (workload, offering, probe), figures in sorted(outcome.figures.items()):
        slot = workloads.setdefault(workload, {}).setdefault(offering, {})
        slot[probe] = {
            f.metric: {
                "value": f.value,
                "n": f.n,
                "unit": f.unit,
                **({"detail": f.detail} if f.detail else {}),
            }
            for f in figures
        }
    return {
        "simulated": simulated,
        "requests_sent": outcome.sent,
        "cancelled": outcome.cancelled,
        "workloads": workloads,
    }
