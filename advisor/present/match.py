"""Match results as Rich tables and short summaries."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from rich.text import Text

from advisor.columns import Column
from advisor.match.matching import MatchResult
from advisor.present.layout import RichCell, laid_out
from advisor.units import usd

CANDIDATE_COLUMNS = (
    Column("#", right=True, key=True),
    Column("offering", key=True),
    Column("score", right=True),
    Column("$/1k", right=True),
    Column("$/month", right=True),
    Column("flags", wrap=16),
)

WARNING_MARK = "⚠"
"""Marks a candidate's warnings (lifecycle, prices checked long ago, ...) by their count."""


def candidates_table(
    result: MatchResult, top: int | None = None, width: int = 120
) -> RenderableType:
    """Ranked candidates of one workload, laid out for `width` by `advisor.columns`."""
    candidates = result.candidates[:top] if top else result.candidates
    rows: list[list[RichCell]] = [
        [
            str(rank),
            c.offering.key,
            f"{c.score:.2f}",
            usd(c.cost.per_1k),
            usd(c.cost.per_month, 0),
            Text(compact_flags(c.flags, c.warnings), style="yellow")
            if c.flags or c.warnings
            else None,
        ]
        for rank, c in enumerate(candidates, start=1)
    ]
    warned = any(c.warnings for c in candidates)
    return laid_out(
        CANDIDATE_COLUMNS,
        rows,
        width,
        title=f"{result.workload.name} ({result.workload.task})",
        caption=f"{WARNING_MARK} N: N warnings, listed by --json and in the app"
        if warned
        else None,
    )


FLAG_MARKS = {"needs probe": "?", "unverified": "~"}
"""The short form of each kind of flag, for a flags column too narrow for the words."""


def compact_flags(
    flags: Iterable[str], warnings: Iterable[str] = (), *, short: bool = False
) -> str:
    """'needs probe: latency, context · unverified: cost · ⚠ 1': flags grouped by kind, in
    the words the README uses, then the number of warnings; `short` puts each kind's mark
    instead of its words ('? latency, context · ~ cost · ⚠ 1', read back by `flag_legend`)."""
    groups: dict[str, list[str]] = {}
    for flag in flags:
        head, _, trait = flag.partition(": ")
        groups.setdefault(head, []).append(trait)
    parts = [
        f"{FLAG_MARKS[head]} {', '.join(traits)}"
        if short and head in FLAG_MARKS
        else f"{head}: {', '.join(traits)}"
        for head, traits in groups.items()
    ]
    count = len(list(warnings))
    if count:
        parts.append(f"{WARNING_MARK} {count}")
    return " · ".join(parts)


def flag_marks(flags: Iterable[str], warnings: Iterable[str] = ()) -> str:
    """The marks a row's short form uses: '?~⚠' at most, for `flag_legend`."""
    heads = {flag.partition(": ")[0] for flag in flags}
    used = [mark for head, mark in FLAG_MARKS.items() if head in heads]
    return "".join(used) + (WARNING_MARK if any(True for _ in warnings) else "")


def flag_legend(marks: str) -> str:
    """'flags: ? = needs probe · ~ = unverified · ⚠ = warnings' for the marks in `marks`
    (what `flag_marks` gave the rows in view), or '' for none."""
    parts = [f"{mark} = {head}" for head, mark in FLAG_MARKS.items() if mark in marks]
    if WARNING_MARK in marks:
        parts.append(f"{WARNING_MARK} = warnings")
    return "flags: " + " · ".join(parts) if parts else ""


def exclusion_summary(result: MatchResult) -> str:
    """'78 excluded: 52 budget, 20 lifecycle, 6 context'."""
    counts: dict[str, int] = {}
    for exclusion in result.exclusions:
        for kind in dict.fromkeys(exclusion.kinds):
            counts[kind] = counts.get(kind, 0) + 1
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{len(result.exclusions)} excluded" + (f" ({parts})" if parts else "")
