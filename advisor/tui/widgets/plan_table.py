"""The Plan screen's table: one row per part of a workload's plan, in the order traffic meets
them, and what the detail pane says about each row (its reason and every figure with where
it came from)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from advisor.plan.model import Basis, Choice, WorkloadPlan, format_value
from advisor.tui.widgets.key_column import KeyFit, fit_keys, show_legend

PADDING = 2  # DataTable's cell padding, one each side
SCROLLBAR = 2
ROLE_WIDTH = 12
FIGURES_MIN = 25
"""Enough for 'catalog · cost $0.0305/1k': where a figure came from, and the figure."""
OFFERING_MIN = 20


@dataclass(frozen=True)
class PlanRow:
    """One line of the table and the detail shown when it is highlighted."""

    key: str
    role: str
    what: str
    figures: str
    detail: RenderableType
    style: str = ""
    fallback: int | None = None
    """The fallback's index in the chain, for the rows that can be moved and dropped."""
    prose: bool = False
    """`what` is a sentence, not an offering key: shortened at its end, not its middle."""


def plan_rows(wp: WorkloadPlan) -> list[PlanRow]:
    """Every part of `wp`: the choices first, then the long-input rule, timeouts and notes."""
    rows = [_choice_row("primary", "primary", wp.primary, "bold")]
    for i, h in enumerate(wp.headroom):
        rows.append(_choice_row(f"headroom-{i}", _weighted("headroom", h.weight), h))
    if wp.canary:
        canary = wp.canary
        row = _choice_row("canary", _weighted("canary", canary.weight), canary.choice, "cyan")
        gates = Text("gates, each must hold for the canary to stay in:", style="bold")
        lines = [Text(f"  {g} — {g.reason}") for g in canary.gates]
        rollback = Text(canary.rollback, "dim")
        rows.append(
            PlanRow(
                row.key,
                row.role,
                row.what,
                f"{len(canary.gates)} gates",
                Group(row.detail, gates, *lines, rollback),
                row.style,
            )
        )
    for i, f in enumerate(wp.fallbacks):
        row = _choice_row(f"fallback-{i}", f"fallback {i + 1}", f)
        rows.append(PlanRow(row.key, row.role, row.what, row.figures, row.detail, fallback=i))
    if wp.degraded:
        rows.append(_choice_row("degraded", "degraded", wp.degraded, "yellow"))
    rows.append(_context_row(wp))
    if wp.verifier:
        rows.append(_choice_row("verifier", "verifier", wp.verifier))
    rows.append(_timeouts_row(wp))
    for i, note in enumerate(wp.notes):
        rows.append(PlanRow(f"note-{i}", "note", note, "", Text(note), "yellow", prose=True))
    return rows


def _weighted(role: str, weight: float | None) -> str:
    return role if weight is None else f"{role} {weight:.0%}"


def _choice_row(key: str, role: str, choice: Choice, style: str = "") -> PlanRow:
    title = Text.assemble((f"{role}  ", "bold"), (choice.key, style or "bold"))
    offering = choice.offering
    about = Text(f"{offering.provider} · model {offering.model}", style="dim")
    parts: list[RenderableType] = [title, about, Text.assemble(("why ", "bold"), choice.reason)]
    if choice.timeout_s is not None:
        parts.append(Text(f"its own timeout: {choice.timeout_s:g} s"))
    parts.append(_basis_lines(choice.basis))
    return PlanRow(key, role, choice.key, _short(choice.basis), Group(*parts), style)


def _context_row(wp: WorkloadPlan) -> PlanRow:
    context = wp.context
    trim = f"trim above {context.trim_at_tokens:,} tokens"
    what = context.choice.key if context.choice else "— none needed"
    parts: list[RenderableType] = [Text.assemble(("context  ", "bold"), what)]
    if context.choice:
        parts += [
            Text.assemble(("why ", "bold"), context.choice.reason),
            _basis_lines(context.choice.basis),
        ]
    parts.append(Text.assemble((trim, "bold"), f": {context.reason}"))
    return PlanRow("context", "context", what, trim, Group(*parts), prose=not context.choice)


def _timeouts_row(wp: WorkloadPlan) -> PlanRow:
    t = wp.timeouts
    what = (
        f"{t.request_s:g} s, first token {t.first_token_s:g} s, "
        f"{t.retries} retr{'y' if t.retries == 1 else 'ies'}"
    )
    detail = Group(
        Text.assemble(("timeouts  ", "bold"), what),
        Text.assemble(("why ", "bold"), t.reason),
        _basis_lines(t.basis),
    )
    figures = _short(t.basis) if t.basis else "defaults"
    return PlanRow("timeouts", "timeouts", what, figures, detail, prose=True)


def _ordered(basis: Sequence[Basis]) -> list[Basis]:
    """Probed figures before catalog ones: a simulated or measured figure must show first."""
    return sorted(basis, key=lambda b: b.origin in ("catalog", "workload", "default"))


def _short(basis: Sequence[Basis]) -> str:
    """The table's figures cell: where the first figure came from (first, so that a narrow
    column never cuts 'simulated' off), the figure, and how many more there are."""
    if not basis:
        return "none known"
    first, *rest = _ordered(basis)
    more = f" +{len(rest)}" if rest else ""
    return f"{first.origin} · {first.name} {format_value(first.value, first.unit)}{more}"


def _basis_lines(basis: Sequence[Basis]) -> Text:
    if not basis:
        return Text("figures: none known", style="dim")
    text = Text("figures:", style="bold")
    for b in _ordered(basis):
        style = "yellow" if b.origin == "simulated" else ""
        text.append(f"\n  {b.name} {format_value(b.value, b.unit)} ")
        text.append(f"({b.source})", style=style or "dim")
    return text


class PlanTable(DataTable[Text | str]):
    """The rows of one workload's plan, laid out for the table's width; rows are keyed by
    `PlanRow.key`, so the cursor can follow a fallback as it moves."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.plan_rows: list[PlanRow] = []
        self._layout_width = 0

    def show(self, rows: list[PlanRow], cursor: str | None = None) -> None:
        """Show `rows`, the cursor on row `cursor` if given, else where it was."""
        self.plan_rows = rows
        self._fill(cursor)

    @property
    def current(self) -> PlanRow | None:
        """The row under the cursor, if any."""
        if not self.plan_rows:
            return None
        return self.plan_rows[min(self.cursor_row, len(self.plan_rows) - 1)]

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._layout_width:
            self._fill(None)

    def _fill(self, cursor: str | None) -> None:
        row = self.cursor_row
        width = self.size.width or 80
        self._layout_width = width
        room = width - 3 * PADDING - SCROLLBAR - ROLE_WIDTH
        # Offering keys name the rows, so they get the room first, whole or shortened by their
        # provider with a legend (`advisor.columns`); figures take the rest. Notes may be long
        # sentences: they are cut short here and read in full in the detail.
        keys = [r.what for r in self.plan_rows if not r.prose]
        keys_fit = fit_keys(keys, room - FIGURES_MIN, OFFERING_MIN)
        prose = max(
            (len(r.what) for r in self.plan_rows if r.prose and r.role != "note"), default=0
        )
        offering = max(keys_fit.width, min(prose, room - FIGURES_MIN))
        keys_fit = KeyFit(keys_fit.short, offering)
        figures = max(FIGURES_MIN, room - offering)
        self.clear(columns=True)
        self.add_column("role", width=ROLE_WIDTH, key="role")
        self.add_column("offering / rule", width=offering, key="what")
        self.add_column("origin · figures", width=figures, key="figures")
        for r in self.plan_rows:
            self.add_row(
                Text(r.role, style=r.style),
                Text(_fit(r.what, offering) if r.prose else keys_fit.cell(r.what), style=r.style),
                Text(_fit(r.figures, figures), style="yellow" if "simulated" in r.figures else ""),
                key=r.key,
            )
        show_legend(self, keys, keys_fit)
        row_keys = [r.key for r in self.plan_rows]
        if cursor in row_keys:
            row = row_keys.index(cursor)
        if row_keys:
            self.move_cursor(row=min(row, len(row_keys) - 1), animate=False)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
