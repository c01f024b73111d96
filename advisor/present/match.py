"""Match results as Rich tables and short summaries."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.table import Table
from rich.text import Text

from advisor.match.matching import MatchResult
from advisor.units import usd


def candidates_table(result: MatchResult, top: int | None = None) -> Table:
    """Ranked candidates of one workload."""
    table = Table(
        box=box.SIMPLE_HEAD,
        header_style="bold",
        pad_edge=False,
        show_edge=False,
        expand=True,
        collapse_padding=True,
        title=f"{result.workload.name} ({result.workload.task})",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("offering", overflow="fold", min_width=20, ratio=2)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("$/1k", justify="right", no_wrap=True)
    table.add_column("$/month", justify="right", no_wrap=True)
    table.add_column("flags", overflow="fold", ratio=1)
    candidates = result.candidates[:top] if top else result.candidates
    for rank, c in enumerate(candidates, start=1):
        table.add_row(
            str(rank),
            c.offering.key,
            f"{c.score:.2f}",
            usd(c.cost.per_1k),
            usd(c.cost.per_month, 0),
            Text(compact_flags(c.flags, c.warnings), style="yellow"),
        )
    return table


def compact_flags(flags: Iterable[str], warnings: Iterable[str] = ()) -> str:
    """'probe: latency, context · unverified: cost · ⚠ 1' for a narrow column."""
    groups: dict[str, list[str]] = {}
    for flag in flags:
        head, _, trait = flag.partition(": ")
        groups.setdefault(head.replace("needs probe", "probe"), []).append(trait)
    parts = [f"{head}: {', '.join(traits)}" for head, traits in groups.items()]
    count = len(list(warnings))
    if count:
        parts.append(f"⚠ {count}")
    return " · ".join(parts)


def exclusion_summary(result: MatchResult) -> str:
    """'78 excluded: 52 budget, 20 lifecycle, 6 context'."""
    counts: dict[str, int] = {}
    for exclusion in result.exclusions:
        for kind in dict.fromkeys(exclusion.kinds):
            counts[kind] = counts.get(kind, 0) + 1
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{len(result.exclusions)} excluded" + (f" ({parts})" if parts else "")
