"""What the Candidates screen says about one row: a candidate's score breakdown and cost, or
every reason an offering was excluded."""

from __future__ import annotations

import datetime as dt
import math

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from advisor import units
from advisor.match.cost import CostEstimate
from advisor.match.matching import Candidate, Exclusion
from advisor.present import catalog


def usd_small(value: float | None) -> str:
    """Per-request costs are often fractions of a cent, so they keep three significant
    digits: '$0.0000305', '$0.0121', 'free', '?'."""
    if value is None:
        return units.UNKNOWN
    if value == 0:
        return "free"
    if value >= 1:
        return units.usd(value)
    decimals = max(2, 2 - math.floor(math.log10(value)))
    whole, _, fraction = f"{value:.{decimals}f}".partition(".")
    return f"${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def cost_lines(cost: CostEstimate, today: dt.date) -> Text:
    """'$0.000123 a request · $0.12 per 1k · $369 a month', then when the prices were checked."""
    text = Text()
    text.append(f"{usd_small(cost.per_request)} a request", style="bold")
    text.append(f" · {units.usd(cost.per_1k)} per 1k · ")
    text.append(
        f"{units.usd(cost.per_month, 0)} a month" if cost.per_month is not None else "monthly: ?"
    )
    if cost.per_month is None and cost.known:
        text.append(" (set requests/day)", style="dim")
    if cost.prices_checked is not None:
        age = (today - cost.prices_checked).days
        text.append(f"\nprices checked {cost.prices_checked} ({age} days ago)", style="dim")
    for note in cost.notes:
        text.append(f"\n{note}", style="yellow")
    return text


def score_table(candidate: Candidate) -> Table:
    """Each score component: value × weight = points, and why."""
    table = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold dim")
    table.add_column("component", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("weight", justify="right", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("why", overflow="fold")
    for part in candidate.components:
        table.add_row(
            part.name,
            f"{part.value:.2f}",
            f"{part.weight:.2f}",
            Text(f"{part.points:.3f}", style="bold"),
            Text(part.why, style="dim"),
        )
    table.add_row("score", "", "", Text(f"{candidate.score:.3f}", style="bold green"), "")
    return table


def candidate_detail(
    candidate: Candidate, rank: int, today: dt.date, *, pinned: bool, compared: bool
) -> Group:
    """Everything the ranking says about one candidate."""
    o = candidate.offering
    title = Text.assemble(
        (f"#{rank} ", "bold"), (o.key, "bold"), ("  "), catalog.status(o, today=candidate.today)
    )
    if pinned:
        title.append("  ● pinned", style="green")
    if compared:
        title.append("  ◆ compare", style="cyan")
    # The cost and the score first: the flags are also in the table's last column.
    cost = _grid()
    cost.add_row("cost", cost_lines(candidate.cost, today))
    notes = _grid()
    for label, items, style in (
        ("flags", candidate.flags, "yellow"),
        ("warnings", candidate.warnings, "yellow"),
        ("replaces", candidate.replaces, "dim"),
    ):
        if items:
            notes.add_row(label, Text("\n".join(items), style=style))
    return Group(title, cost, score_table(candidate), notes)


def _grid() -> Table:
    """Bold labels beside values that wrap under themselves."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, min_width=8)
    grid.add_column(overflow="fold")
    return grid


def exclusion_detail(exclusion: Exclusion, today: dt.date | None = None) -> Group:
    """An excluded offering and every reason, each with the kind of constraint it broke;
    its status as of `today` (the day it was matched on)."""
    o = exclusion.offering
    reasons = Table.grid(padding=(0, 1))
    reasons.add_column(style="red", no_wrap=True)
    reasons.add_column(style="bold", no_wrap=True)
    reasons.add_column(overflow="fold")
    for kind, reason in zip(exclusion.kinds, exclusion.reasons, strict=True):
        reasons.add_row(" •", kind, reason)
    return Group(
        Text.assemble((o.key, "bold"), "  ", catalog.status(o, today=today)),
        Text("excluded because:", style="bold"),
        reasons,
    )


class CandidateDetail(VerticalScroll):
    """A scrollable pane showing one candidate or exclusion, or a hint."""

    def compose(self) -> ComposeResult:
        yield Static(id="candidate-detail-body")

    def show(self, body: RenderableType) -> None:
        """Replace what the pane shows and scroll back to its top."""
        self.query_one("#candidate-detail-body", Static).update(body)
        self.scroll_home(animate=False)
