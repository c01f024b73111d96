"""Offerings as Rich renderables: the catalog table, one offering's detail, lifecycle marks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.columns import Column
from advisor.present.layout import RichCell, laid_out
from advisor.units import UNKNOWN, price, tokens, tristate
from catalog import Offering, Problem
from catalog.disputes import dispute_lines, disputed
from catalog.lifecycle import status_on
from catalog.schema import Source

TRISTATE_STYLE = {True: "green", False: "red", None: "yellow"}


STATUS_STYLE = {
    "preview": "cyan",
    "active": "green",
    "legacy": "blue",
    "deprecated": "yellow",
    "retired": "red strike",
}


def status(offering: Offering, *, successor: bool = True, today: dt.date | None = None) -> Text:
    """The lifecycle status on `today` (default: the real today), styled; deprecated and
    retired ones add their shutdown date and, unless `successor` is False, what replaces them."""
    life = offering.lifecycle
    now = status_on(life, today or dt.date.today()).status
    text = Text(now, style=STATUS_STYLE[now])
    if now in ("legacy", "deprecated", "retired"):
        if life.shutdown_date:
            text.append(f" {life.shutdown_date}")
        if successor and life.successor:
            text.append(f" → {life.successor}", style="dim")
    return text


def successor_lines(offerings: Iterable[Offering], today: dt.date | None = None) -> list[str]:
    """'KEY → SUCCESSOR' for each offering that names one and is no longer active on `today`."""
    day = today or dt.date.today()
    return [
        f"{o.key} → {o.lifecycle.successor}"
        for o in offerings
        if o.lifecycle.successor
        and status_on(o.lifecycle, day).status in ("legacy", "deprecated", "retired")
    ]


MODALITY_ABBREVIATIONS = {
    "text": "text",
    "image": "img",
    "audio": "aud",
    "video": "vid",
    "pdf": "pdf",
}


def modalities(offering: Offering) -> str:
    """Input modalities, abbreviated: 'text,img,pdf'."""
    return ",".join(MODALITY_ABBREVIATIONS[m] for m in offering.modalities.input)


OFFERING_COLUMNS = (
    Column("offering", key=True),
    Column("ctx", right=True),
    Column("out", right=True),
    Column("$in", right=True),
    Column("$out", right=True),
    Column("inputs"),
    Column("status"),
)

OFFERING_CAPTION = (
    "ctx/out: tokens (k = 1,000, Ki = 1,024) · $in/$out: USD per 1M tokens · ?: unknown"
    " · *: disputed"
)


def offerings_table(
    offerings: Iterable[Offering], width: int = 120, today: dt.date | None = None
) -> RenderableType:
    """The catalog as a table, one row per offering, laid out for `width` by the one rule of
    `advisor.columns` (keys whole, shortened or as records when the terminal is narrow)."""
    rows: list[list[RichCell]] = []
    for o in offerings:
        p = o.pricing
        rows.append(
            [
                o.key,
                tokens(o.limits.context),
                tokens(o.limits.output),
                price(p.input if p else None) + ("*" if disputed(o, "pricing.input") else ""),
                price(p.output if p else None) + ("*" if disputed(o, "pricing.output") else ""),
                modalities(o),
                status(o, successor=False, today=today),
            ]
        )
    return laid_out(OFFERING_COLUMNS, rows, width, caption=OFFERING_CAPTION)


def problem_lines(problems: Iterable[Problem]) -> list[str]:
    """One `PATH:LINE:COL: field: message` line per problem; warnings say so."""
    return [str(p) if p.severity == "error" else f"{p}  [warning]" for p in problems]


def _source(source: Source | None) -> Text:
    if source is None:
        return Text("no source", style="red")
    text = Text(f"{source.ref} · checked {source.checked}", style="dim")
    if source.note:
        text.append(f" · {source.note}", style="dim italic")
    return text


def _flags(pairs: Iterable[tuple[str, bool | None]]) -> Text:
    text = Text()
    for i, (name, value) in enumerate(pairs):
        if i:
            text.append(" · ")
        text.append(f"{name} ")
        text.append(tristate(value), style=TRISTATE_STYLE[value])
    return text


def offering_detail(offering: Offering, today: dt.date | None = None) -> Group:
    """Every trait of one offering, each block with its source and checked date."""
    o = offering
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, value: Text | str, source: Source | None | bool = False) -> None:
        grid.add_row(label, value)
        if source is not False:
            grid.add_row("", _source(source if isinstance(source, Source) else None))

    title = Text(o.name, style="bold")
    title.append(f"  {o.key}", style="dim")
    row("model", f"{o.model}" + (f" · family {o.family}" if o.family else ""))
    if o.aliases:
        row("aliases", ", ".join(o.aliases))
    row("status", status(o, today=today), o.lifecycle.source if o.lifecycle.source else False)
    if o.lifecycle.release_date or o.lifecycle.deprecation_date:
        row(
            "dates",
            f"released {o.lifecycle.release_date or UNKNOWN}"
            + (
                f" · deprecated {o.lifecycle.deprecation_date}"
                if o.lifecycle.deprecation_date
                else ""
            ),
        )
    lim = o.limits
    row(
        "limits",
        f"context {tokens(lim.context)} · input cap {tokens(lim.input)} · "
        f"output {tokens(lim.output)}",
        lim.source,
    )
    p = o.pricing
    if p is None:
        row("pricing", Text("unknown", style="yellow"))
    else:
        parts = [f"in {price(p.input)}", f"out {price(p.output)}"]
        parts += [
            f"{name.replace('_', ' ')} {price(getattr(p, name))}"
            for name in ("cache_read", "cache_write", "cache_write_1h", "reasoning", "input_audio")
            if getattr(p, name) is not None
        ]
        if p.per_request is not None:
            parts.append(f"per request ${p.per_request:g}")
        row("pricing", "USD/1M: " + " · ".join(parts))
        for tier in p.tiers:
            row(
                "",
                f"above {tokens(tier.above_input_tokens)} input: in {price(tier.input)} · "
                f"out {price(tier.output)}",
            )
        if p.batch:
            row("", f"batch: in {price(p.batch.input)} · out {price(p.batch.output)}")
        for timed in p.discounts:
            hours = "; ".join(
                ",".join(w.hours_utc) + (f" days {w.weekdays}" if w.weekdays else "")
                for w in timed.windows
            )
            row(
                "",
                f"{timed.name} (UTC {hours}): in {price(timed.input)} · out {price(timed.output)}",
            )
        grid.add_row("", _source(p.source))
    for line in dispute_lines(o):
        row("disputed", Text(line, style="yellow"))
    row("inputs", ", ".join(o.modalities.input) + "  →  " + ", ".join(o.modalities.output))
    c = o.capabilities
    row(
        "tools",
        _flags(
            [
                ("calling", c.tool_calling),
                ("parallel", c.parallel_tool_calls),
                ("choice", c.tool_choice),
            ]
        ),
    )
    row(
        "structured",
        _flags(
            [
                ("json_schema", c.structured_output.json_schema),
                ("json_mode", c.structured_output.json_mode),
            ]
        ),
    )
    row(
        "api",
        _flags(
            [
                ("streaming", c.streaming),
                ("caching", c.prompt_caching),
                ("system", c.system_messages),
                ("web search", c.web_search),
            ]
        ),
    )
    r = c.reasoning
    reasoning = _flags([("supported", r.supported), ("always on", r.always_on)])
    if r.effort:
        reasoning.append(f" · effort {'/'.join(r.effort)}")
    if r.budget_tokens:
        reasoning.append(f" · budget {r.budget_tokens.min or 0}..{r.budget_tokens.max or UNKNOWN}")
    row("reasoning", reasoning)
    d = o.determinism
    det = _flags([("temperature", d.temperature), ("seed", d.seed)])
    det.append(f" · guarantee {d.guarantee or UNKNOWN}")
    if d.fingerprint_field:
        det.append(f" · fingerprint {d.fingerprint_field}")
    row("determinism", det)
    for limit in o.rate_limits:
        values = [
            f"{name} {getattr(limit, name):,}"
            for name in ("rpm", "tpm", "rpd")
            if getattr(limit, name) is not None
        ]
        row(
            "rate limits",
            (f"{limit.tier}: " if limit.tier else "") + " · ".join(values),
            limit.source,
        )
    if o.free_tier:
        f = o.free_tier
        values = [
            f"{name} {getattr(f, name):,}"
            for name in ("rpm", "rpd")
            if getattr(f, name) is not None
        ]
        row("free tier", " · ".join(values + ([f.note] if f.note else [])) or "yes", f.source)
    for fig in o.performance:
        row(
            "measured",
            f"{fig.metric} {fig.percentile} {fig.value:g}"
            + (f" ({fig.workload})" if fig.workload else ""),
            fig.source,
        )
    regions = ", ".join(o.data.regions) if o.data.regions is not None else UNKNOWN
    row("data", _flags([("zero retention", o.data.zero_retention)]) + Text(f" · regions {regions}"))
    row(
        "weights",
        _flags([("open", o.open_weights)])
        + Text(f" · knowledge cutoff {o.knowledge_cutoff or UNKNOWN}"),
    )
    if o.notes:
        row("notes", o.notes)
    return Group(title, grid)
