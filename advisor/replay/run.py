"""A replay from start to finish, on each of its targets, down to one report.

- `replay_model`: the gateway model in process against the behaviour model; virtual time,
  so it takes no wall time whatever the log's span.
- `replay_sim`: the same gateway model, each attempt sent to a running simulator; requests
  are released open loop at the log's arrival times (`probes.load`, trace mode).
- `replay_gateway` (in `advisor.replay.live`): a real gateway running the plan's export.

`scale` compresses the log's arrivals (0.1: ten times faster); the gateway's cooldowns,
rate limits and timeouts keep their real length, and every report carries its scale.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from advisor.plan.model import Plan
from advisor.probe.measured import RunMeasures
from advisor.replay.assign import Assigned
from advisor.replay.behaviour import Behaviour, behaviour
from advisor.replay.gateway import Router, Served, Upstream, rules_for
from advisor.replay.outcome import Figures, Share, Volume, figures, volume
from advisor.replay.upstream import ModelUpstream, SimUpstream
from catalog import Catalog
from catalog.errors import BadInput
from probes.clients import Pool
from probes.load import Load, drive


class UnknownOffering(BadInput):
    """A `--fail KEY=RATE` naming an offering the plan does not route to."""

    title = "unknown offering"


@dataclass(frozen=True)
class ReplayReport:
    """A replay of one log through one plan on one target."""

    plan: str
    """What the plan was made from: its workload file and figures."""
    target: str
    scale: float
    timed: bool
    workloads: tuple[Figures, ...]
    total: Figures
    unmatched: Mapping[str, int]
    basis: tuple[str, ...]
    """Where the answers came from: a line per source of the offerings' behaviour (model
    target), or the server that answered (simulator, gateway)."""
    simulated: bool
    """No real provider answered: the behaviour model or the simulator did."""
    answers: tuple[Served, ...] = ()
    """Every request's fate, in arrival order, with its attempts."""

    @property
    def scale_label(self) -> str:
        """The time scale as every table and JSON says it."""
        if self.scale == 1:
            return "real time (scale 1)"
        return f"time scale {self.scale:g}: arrivals {1 / self.scale:g}x closer than in the log"


def routed(plan: Plan) -> set[str]:
    """Every offering key the plan routes to."""
    return {choice.key for wp in plan.workloads for choice in wp.choices()}


def check_failures(plans: Sequence[Plan], failures: Mapping[str, float]) -> None:
    """Refuse an imposed failure for an offering none of the plans routes to."""
    known = set().union(*(routed(p) for p in plans))
    unknown = sorted(set(failures) - known)
    if unknown:
        raise UnknownOffering(
            f"--fail {', '.join(unknown)}: no plan routes to "
            f"{'it' if len(unknown) == 1 else 'them'}; the plans route to {', '.join(sorted(known))}"
        )


Measures = RunMeasures | Mapping[str, RunMeasures] | None
"""One run's figures for every workload, or each workload's own run (by workload name)."""


def behaviours(
    plan: Plan, measures: Measures, failures: Mapping[str, float]
) -> dict[str, Behaviour]:
    """Every planned offering's behaviour, with the imposed failure rates that apply."""
    out: dict[str, Behaviour] = {}
    for wp in plan.workloads:
        mine = measures.get(wp.name) if isinstance(measures, Mapping) else measures
        for choice in wp.choices():
            out.setdefault(
                choice.key,
                behaviour(choice.offering, wp.name, mine, failures.get(choice.key)),
            )
    return out


def check_workloads(traffic: Assigned, plan: Plan) -> None:
    """Every workload a log request was assigned to has a plan (an unplanned one cannot be
    routed)."""
    planned = {wp.name for wp in plan.workloads}
    missing = sorted({r.workload for r in traffic.requests} - planned)
    if missing:
        why = "; ".join(u.reason for u in plan.unplanned if u.workload.name in missing)
        raise BadInput(f"no plan for workload {', '.join(missing)} of the log: {why}")


def report(
    plan: Plan,
    label: str,
    target: str,
    traffic: Assigned,
    served: Sequence[Served],
    scale: float,
    basis: Sequence[str],
    seed: int,
    simulated: bool = True,
) -> ReplayReport:
    """Sum up a replay's answers per workload and for the whole log."""
    volumes: dict[str, Volume | None] = {}
    per = []
    for wp in plan.workloads:
        mine = [s for s in served if s.request.workload == wp.name]
        if not mine:
            continue
        volumes[wp.name] = volume(wp.workload, len(mine), traffic.span_s)
        per.append(figures(mine, wp.name, volumes, seed))
    return ReplayReport(
        plan=label,
        target=target,
        scale=scale,
        timed=traffic.timed,
        workloads=tuple(per),
        total=figures(served, None, volumes, seed),
        unmatched=traffic.unmatched,
        basis=tuple(basis),
        simulated=simulated,
        answers=tuple(sorted(served, key=lambda s: s.request.index)),
    )


def replay_model(
    traffic: Assigned,
    plan: Plan,
    label: str,
    *,
    measures: Measures = None,
    failures: Mapping[str, float] | None = None,
    scale: float = 1.0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    """The log through the gateway model, every answer drawn from the behaviour model;
    `progress(done, total)` is told after each request."""
    check_workloads(traffic, plan)
    known = behaviours(plan, measures, failures or {})
    router = Router(plan, ModelUpstream(known), rules_for(plan), seed)
    total = len(traffic.requests)

    async def run() -> list[Served]:
        out = []
        for r in traffic.requests:
            out.append(await router.route(r, r.offset_s * scale))
            if progress is not None:
                progress(len(out), total)
        return out

    served = asyncio.run(run())
    return report(plan, label, "gateway model", traffic, served, scale, basis(known), seed)


def basis(known: Mapping[str, Behaviour]) -> list[str]:
    """Where the behaviours came from, one line per source: offerings named when few."""
    by: dict[str, list[str]] = {}
    for b in known.values():
        line = f"latency from {b.source}; failures {b.failure_source}"
        by.setdefault(line, []).append(b.key + (f" ({b.rpm:,} rpm)" if b.rpm else ""))
    out = []
    for line, keys in by.items():
        who = ", ".join(keys) if len(keys) <= 3 else f"{len(keys)} offerings"
        out.append(f"{who}: {line}")
    return out


async def replay_sim(
    traffic: Assigned,
    plan: Plan,
    label: str,
    catalog: Catalog,
    sim_url: str,
    *,
    sim_scale: float,
    scale: float = 1.0,
    seed: int = 0,
    faults: str = "",
) -> ReplayReport:
    """The log through the gateway model, each attempt answered by the simulator at
    `sim_url` (running at `sim_scale`), released at the log's arrival times."""
    check_workloads(traffic, plan)
    requests = traffic.requests
    served: list[Served | None] = [None] * len(requests)
    start = time.monotonic()
    async with Pool(concurrency=max(64, len(requests))) as pool:
        upstream: Upstream = SimUpstream(catalog, sim_url, pool, sim_scale)
        router = Router(
            plan, upstream, rules_for(plan), seed, clock=lambda: time.monotonic() - start
        )

        async def send(index: int, _intended_ns: int) -> None:
            served[index] = await router.route(requests[index], time.monotonic() - start)

        offsets = tuple(r.offset_s for r in requests)
        if offsets:
            await drive(Load(mode="trace", offsets=offsets, scale=scale), len(requests), send)
    done = [s for s in served if s is not None]
    lines = [f"simulator at time scale {sim_scale:g}" + (f", faults {faults}" if faults else "")]
    return report(plan, label, "simulator", traffic, done, scale, lines, seed)


def report_json(r: ReplayReport) -> dict[str, Any]:
    """A replay as plain JSON values, every share with its interval."""
    return {
        "plan": r.plan,
        "target": r.target,
        "time_scale": r.scale,
        "scale": r.scale_label,
        "simulated": r.simulated,
        "timed": r.timed,
        "basis": list(r.basis),
        "unmatched": dict(r.unmatched),
        "workloads": [_figures_json(f) for f in r.workloads],
        "total": _figures_json(r.total),
    }


def _share_json(s: Share) -> dict[str, Any]:
    low, high = s.interval
    return {"count": s.count, "n": s.n, "share": s.value, "low": low, "high": high}


def _figures_json(f: Figures) -> dict[str, Any]:
    lat = f.latency
    return {
        "workload": f.workload,
        "requests": f.requests,
        "served_by": {k: _share_json(v) for k, v in f.served_by.items()},
        "fallback": _share_json(f.fallback),
        "context": _share_json(f.context),
        "errors": _share_json(f.errors),
        "error_statuses": {str(k): v for k, v in f.error_statuses.items()},
        "over_trim": f.over_trim,
        "latency_ms": lat.as_dict() if lat else None,
        "cost_per_request_usd": f.cost_per_request,
        "monthly_usd": (
            {
                "value": f.monthly.value,
                "low": f.monthly.low,
                "high": f.monthly.high,
                "interval": f"95%, {f.monthly.method}",
            }
            if f.monthly
            else None
        ),
        "share_interval": "95%, Wilson score",
        "as_logged": {
            "errors": _share_json(f.logged.errors) if f.logged.errors else None,
            "latency_ms": f.logged.latency.as_dict() if f.logged.latency else None,
            "monthly_usd": f.logged.monthly,
        },
        "monthly_requests": (
            {"value": f.volume.per_month, "source": f.volume.source} if f.volume else None
        ),
    }
