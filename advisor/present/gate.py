"""A canary's judgement as Rich renderables: the verdict, then a row per gate with the
canary's figure, n and interval beside the baseline's."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from advisor.columns import Column
from advisor.present.layout import RichCell, laid_out
from advisor.watch.gate import Figure, Judgement

VERDICT_STYLE = {"promote": "bold green", "hold": "bold yellow", "rollback": "bold red"}
DECISION_STYLE = {"pass": "green", "fail": "red", "undecided": "yellow", "not judged": "dim"}


def _interval(f: Figure | None, metric: str) -> str | None:
    if f is None or f.interval is None:
        return None
    low, high = f.interval
    if metric == "usd_per_1k":
        return f"${1000 * low:.4g}-{1000 * high:.4g}/1k"
    return f"{low:.1%}-{high:.1%}"


def judgement_view(j: Judgement, width: int = 120) -> RenderableType:
    """The verdict line, the gates table and the source's notes."""
    head = Text()
    head.append(j.verdict, style=VERDICT_STYLE[j.verdict])
    head.append(
        f"  {j.workload}: canary {j.canary_key} at {j.weight:.0%} beside {j.baseline_key}; "
        f"{j.reason}"
    )
    columns = (
        Column("gate"),
        Column("decision"),
        Column("canary", wrap=16),
        Column("n", right=True),
        Column("interval"),
        Column("baseline", wrap=16),
        Column("base n", right=True),
        Column("reason", wrap=30),
    )
    rows: list[list[RichCell]] = []
    for r in j.gates:
        rows.append(
            [
                str(r.gate),
                Text(r.decision, style=DECISION_STYLE[r.decision]),
                r.canary.value if r.canary else None,
                str(r.canary.n) if r.canary else None,
                _interval(r.canary, r.gate.metric),
                r.baseline.value if r.baseline else None,
                str(r.baseline.n) if r.baseline else None,
                r.reason,
            ]
        )
    foot = Text(
        f"source: {j.traffic.source}; false-alarm rate {j.alpha:.0%} over the gates judged "
        f"({j.alpha_per_gate:.2%} each); intervals hold at every n at once",
        style="dim",
    )
    notes = [Text(f"note: {n}", style="yellow") for n in j.traffic.notes]
    return Group(head, laid_out(columns, rows, width), foot, *notes)
