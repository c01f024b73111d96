"""An offering near its sunset beside its successor, and the change proposed, as Rich."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import RenderableType
from rich.text import Text

from advisor.columns import Column
from advisor.plan.model import Basis, format_value
from advisor.present.layout import RichCell, laid_out
from advisor.units import UNKNOWN
from advisor.watch.successors import SideBySide


def successor_tables(
    pair: SideBySide, simulated: bool, width: int = 120
) -> Iterator[RenderableType]:
    """The figures side by side, whether each clears the workload's bars, then the proposal."""
    sunset = pair.sunset
    yield Text(sunset.message(), style="bold yellow")
    if pair.rows:
        current, successor = sunset.offering.key, sunset.successor or ""
        columns = (Column("figure"), Column(current, right=True), Column(successor, right=True))
        rows: list[list[RichCell]] = [
            [row.figure, _cell(row.current), _cell(row.successor)] for row in pair.rows
        ]
        rows.append(
            [
                "workload's bars",
                *(_bars(p, probed) for p, probed in zip(pair.problems, pair.probed, strict=True)),
            ]
        )
        title = f"{sunset.workload}: {current} beside its successor" + (
            " (simulated)" if simulated else ""
        )
        yield laid_out(columns, rows, width, title=title)
    yield Text(f"proposed: {pair.note}")
    if pair.canary is not None:
        for gate in pair.canary.gates:
            yield Text(f"  gate {gate}: {gate.reason}", style="dim")
        yield Text(f"  rollback: {pair.canary.rollback}", style="dim")


def _cell(basis: Basis | None) -> str:
    return UNKNOWN if basis is None else f"{format_value(basis.value, basis.unit)} ({basis.source})"


def _bars(problem: str | None, probed: bool) -> Text:
    if not probed:
        return Text("not probed", style="yellow")
    if problem is None:
        return Text("clears them", style="green")
    return Text(f"fails: {problem}", style="red")
