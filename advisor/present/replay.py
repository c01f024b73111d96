"""Replays as Rich tables: one column per plan, so two plans read side by side."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor.replay.outcome import Figures, Share
from advisor.replay.run import ReplayReport
from advisor.units import UNKNOWN, usd


def share(s: Share) -> str:
    """`42% (37–47%)`: the share and its 95 % Wilson interval."""
    low, high = s.interval
    return f"{s.value:.0%} ({low:.0%}–{high:.0%})"


def _ms(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _rows(f: Figures) -> dict[str, str]:
    rows = {"requests": f"{f.requests:,}"}
    for name, s in f.served_by.items():
        rows[f"served by {name}"] = share(s)
    rows["fallback share"] = share(f.fallback)
    rows["context fallback"] = share(f.context)
    statuses = ", ".join(f"{n}× {status}" for status, n in sorted(f.error_statuses.items()))
    rows["errors users saw"] = share(f.errors) + (f": {statuses}" if statuses else "")
    if f.over_trim:
        rows["inputs over the trim point"] = f"{f.over_trim:,}"
    lat = f.latency
    rows["latency p50 / p95 / p99"] = (
        " / ".join(_ms(v) for v in (lat.p50, lat.p95, lat.p99)) if lat else UNKNOWN
    )
    if f.monthly is not None:
        m = f.monthly
        cents = 0 if m.high >= 100 else 2  # cents matter only on small bills
        rows["cost per month (95% interval)"] = (
            f"{usd(m.value, cents)} ({usd(m.low, cents)}–{usd(m.high, cents)})"
        )
    elif f.cost_per_request is not None:
        rows["cost per 1k requests"] = usd(f.cost_per_request * 1000, 4)
    else:
        rows["cost per month (95% interval)"] = UNKNOWN
    if f.volume is not None:
        rows["monthly volume"] = f"{f.volume.per_month:,.0f} requests ({f.volume.source})"
    return rows


def _logged_rows(f: Figures) -> dict[str, str]:
    """The log's own record of the same requests, in the rows it has figures for."""
    logged = f.logged
    rows = {"requests": f"{f.requests:,}"}
    if logged.errors is not None:
        rows["errors users saw"] = share(logged.errors)
    lat = logged.latency
    if lat is not None:
        rows["latency p50 / p95 / p99"] = " / ".join(_ms(v) for v in (lat.p50, lat.p95, lat.p99))
    if logged.monthly is not None:
        rows["cost per month (95% interval)"] = usd(
            logged.monthly, 0 if logged.monthly >= 100 else 2
        )
    return rows


def replay_tables(reports: Sequence[ReplayReport]) -> list[RenderableType]:
    """What each plan's replay says, then one table per workload and one for the whole log,
    a column per plan, and beside them what the log itself recorded when it says."""
    out: list[RenderableType] = []
    for n, r in enumerate(reports, 1):
        lines = [
            Text(f"plan {n}: {r.plan}", style="bold"),
            Text(f"  target: {r.target}; {r.scale_label}"),
        ]
        if r.simulated:
            lines.append(Text("  SIMULATED: no real provider answered", style="yellow"))
        if not r.timed:
            lines.append(Text("  the log has no arrival times: replayed one request a second"))
        lines += [Text(f"  {b}", style="dim") for b in r.basis]
        for route, count in sorted(r.unmatched.items()):
            lines.append(Text(f"  {count:,} requests for {route}: no workload of this plan"))
        out.append(Group(*lines))
    names = [f.workload for f in reports[0].workloads]
    for name in [*names, None]:
        columns = [_pick(r, name) for r in reports]
        title = name if name is not None else "whole log"
        table = Table(
            title=Text(f"{title} ({reports[0].scale_label})"),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            header_style="bold",
            pad_edge=False,
            show_edge=False,
        )
        table.add_column("")
        for n in range(1, len(reports) + 1):
            table.add_column(f"plan {n}" if len(reports) > 1 else "replay")
        rows = [_rows(f) if f else {} for f in columns]
        first = columns[0]
        if first is not None and first.logged.known:
            table.add_column("as logged")
            rows.append(_logged_rows(first))
        keys = list(dict.fromkeys(k for r in rows for k in r))
        for key in keys:
            table.add_row(key, *(r.get(key, "") for r in rows))
        out.append(table)
    return out


def _pick(report: ReplayReport, name: str | None) -> Figures | None:
    if name is None:
        return report.total
    return next((f for f in report.workloads if f.workload == name), None)
