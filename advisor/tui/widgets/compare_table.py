"""Side by side: 2 to 4 candidates of one workload, one column each, the best figure of each
row in bold green."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich import box
from rich.table import Table
from rich.text import Text

from advisor import units
from advisor.match.matching import Candidate
from advisor.present import catalog
from advisor.tui.widgets.candidate_detail import usd_small

BEST = "bold green"


@dataclass(frozen=True)
class Row:
    """One compared trait: how to show it and, for figures, which value is best."""

    label: str
    cell: Callable[[Candidate], Text | str]
    figure: Callable[[Candidate], float | None] | None = None
    higher_is_better: bool = True


def _tri(value: bool | None) -> Text:
    return Text(units.tristate(value), style=catalog.TRISTATE_STYLE[value])


def _pair(*values: bool | None) -> Text:
    return Text(" / ").join(_tri(v) for v in values)


def _price(c: Candidate) -> str:
    p = c.offering.pricing
    return f"{units.price(p.input if p else None)} / {units.price(p.output if p else None)}"


def _probes(c: Candidate) -> str:
    """What the catalog does not confirm, one per line: 'latency', 'unverified: cost'."""
    return "\n".join(flag.removeprefix("needs probe: ") for flag in c.flags)


def _component(name: str) -> Row:
    def points(c: Candidate) -> float | None:
        return next((p.points for p in c.components if p.name == name), None)

    def cell(c: Candidate) -> str:
        part = next((p for p in c.components if p.name == name), None)
        return "?" if part is None else f"{part.value:.2f} → {part.points:.3f}"

    return Row(name, cell, points)


SECTIONS: tuple[tuple[str, tuple[Row, ...]], ...] = (
    (
        "this workload",
        (
            Row("score", lambda c: f"{c.score:.2f}", lambda c: c.score),
            Row(
                "$ a request",
                lambda c: usd_small(c.cost.per_request),
                lambda c: c.cost.per_request,
                False,
            ),
            Row("$ per 1k", lambda c: units.usd(c.cost.per_1k), lambda c: c.cost.per_1k, False),
            Row(
                "$ a month",
                lambda c: units.usd(c.cost.per_month, 0),
                lambda c: c.cost.per_month,
                False,
            ),
            Row("to probe", lambda c: Text(_probes(c), style="yellow")),
            Row("warnings", lambda c: Text("; ".join(c.warnings), style="yellow")),
        ),
    ),
    (
        "limits, prices",
        (
            Row(
                "context",
                lambda c: units.tokens(c.offering.limits.context),
                lambda c: c.offering.limits.context,
            ),
            Row("input cap", lambda c: units.tokens(c.offering.limits.input)),
            Row(
                "max output",
                lambda c: units.tokens(c.offering.limits.output),
                lambda c: c.offering.limits.output,
            ),
            Row("$/1M in / out", _price),
        ),
    ),
    (
        "capabilities",
        (
            Row("inputs", lambda c: ", ".join(c.offering.modalities.input)),
            Row(
                "tools / parallel",
                lambda c: _pair(
                    c.offering.capabilities.tool_calling,
                    c.offering.capabilities.parallel_tool_calls,
                ),
            ),
            Row(
                "schema / json",
                lambda c: _pair(
                    c.offering.capabilities.structured_output.json_schema,
                    c.offering.capabilities.structured_output.json_mode,
                ),
            ),
            Row(
                "stream / cache",
                lambda c: _pair(
                    c.offering.capabilities.streaming, c.offering.capabilities.prompt_caching
                ),
            ),
            Row("reasoning", lambda c: _tri(c.offering.capabilities.reasoning.supported)),
            Row(
                "temp / seed",
                lambda c: _pair(c.offering.determinism.temperature, c.offering.determinism.seed),
            ),
            Row("guarantee", lambda c: c.offering.determinism.guarantee or units.UNKNOWN),
            Row("open weights", lambda c: _tri(c.offering.open_weights)),
            Row("zero retention", lambda c: _tri(c.offering.data.zero_retention)),
        ),
    ),
    ("lifecycle", (Row("status", lambda c: catalog.status(c.offering, today=c.today)),)),
    (
        "score: value→pts",
        tuple(
            _component(name)
            for name in ("cost", "latency", "context", "task_fit", "lifecycle", "confidence")
        ),
    ),
)
"""What the compare view shows, section by section."""


LABEL_WIDTH = 17


def _frame(count: int, *, header: bool) -> Table:
    """A table with the label column and `count` equal columns, so that the header and the
    body, drawn as two tables, line up."""
    table = Table(
        box=box.SIMPLE_HEAD if header else None,
        pad_edge=False,
        expand=True,
        show_header=header,
        show_edge=False,
        header_style="bold",
    )
    table.add_column("", width=LABEL_WIDTH, no_wrap=True)
    for _ in range(count):
        table.add_column(overflow="fold", ratio=1)
    return table


def compare_header(candidates: Sequence[Candidate], ranks: Sequence[int]) -> Table:
    """The column heads: rank and key of each candidate. Kept above the scrolling body."""
    table = _frame(len(candidates), header=True)
    for column, c, rank in zip(table.columns[1:], candidates, ranks, strict=True):
        column.header = Text.assemble((f"#{rank} ", "dim"), (c.offering.key, "bold"))
    return table


def compare_table(candidates: Sequence[Candidate]) -> Table:
    """One row per trait, one column per candidate, sections in bold."""
    table = _frame(len(candidates), header=False)
    for title, rows in SECTIONS:
        table.add_row(Text(title, style="bold cyan"), *("" for _ in candidates))
        for row in rows:
            table.add_row(Text(f" {row.label}", style="bold"), *_cells(row, candidates))
        table.add_row()
    return table


def _cells(row: Row, candidates: Sequence[Candidate]) -> list[Text]:
    cells = [Text(c) if isinstance(c, str) else c for c in map(row.cell, candidates)]
    if row.figure is None:
        return cells
    figures = [row.figure(c) for c in candidates]
    known = [f for f in figures if f is not None]
    if len(set(known)) > 1:  # only a real difference is worth a highlight
        best = max(known) if row.higher_is_better else min(known)
        for cell, figure in zip(cells, figures, strict=True):
            if figure == best:
                cell.stylize(BEST)
    return cells
