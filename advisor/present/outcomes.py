"""How the attempts of a run ended, class by class (docs/probes.md, "Attempts and outcomes"):
a table for the terminal and the same counts as JSON. Only runs with something other than
complete answers get a table: a clean run needs no second look."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich import box
from rich.table import Table

from probes.clients.base import DEADLINES

NOT_SENT = ("over_budget", "cancelled")


def outcome_counts(
    counted: Iterable[tuple[str, str, str, int]],
) -> dict[str, dict[str, dict[str, int]]]:
    """{workload: {offering: {outcome: count}}} from the store's counts
    (`RunStore.outcome_counts`: workload, offering, outcome, attempts)."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for workload, offering, outcome, n in counted:
        per = out.setdefault(workload, {}).setdefault(offering, {})
        per[outcome] = per.get(outcome, 0) + n
    return out


def outcomes_table(counts: Mapping[str, Mapping[str, int]], workload: str) -> Table | None:
    """One row per offering, one column per class that occurred; None when every attempt
    was a complete answer."""
    classes = sorted({o for per in counts.values() for o in per if o != "ok"})
    if not classes:
        return None
    table = Table(
        title=f"{workload}: how attempts ended",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
        caption=_caption(classes),
        caption_justify="left",
    )
    table.add_column("offering", overflow="fold", min_width=18)
    for name in ("ok", *classes):
        table.add_column(name, justify="right", no_wrap=True)
    for offering in sorted(counts):
        per = counts[offering]
        table.add_row(offering, *(str(per.get(name, 0)) for name in ("ok", *classes)))
    return table


def _caption(classes: list[str]) -> str | None:
    notes = []
    if any(c in DEADLINES for c in classes):
        notes.append("deadline_*: cut by our own limit (--timeout and per phase), not the server")
    if any(c in NOT_SENT for c in classes):
        notes.append("over_budget, cancelled: never sent")
    return "; ".join(notes) or None
