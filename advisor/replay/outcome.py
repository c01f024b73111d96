"""What a replay found, per workload and for the whole log, every figure with its interval.

- Shares (served by each offering, fallback, context fallback, errors): the Wilson score
  interval at 95 % over the replayed requests (`probes.stats.wilson`).
- Latency: p50/p95/p99 of what users waited for an answer, failed attempts included.
- Monthly cost: the mean cost of a replayed request times the workload's monthly volume
  (its `volume.requests_per_day` when the workload file states it, else the log's own rate
  over its span), with a 95 % percentile bootstrap interval: the requests resampled with
  replacement BOOTSTRAP times, seeded; the whole log's interval resamples every workload in
  the same round and sums. Past BOOTSTRAP_MAX requests, where resampling would take longer
  than the replay, the interval is the normal one of a mean (±1.96 standard errors, each
  workload's variance added), which the bootstrap approaches anyway; the interval says which
  it is. Errors cost nothing (failed attempts are not billed).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from advisor.replay.gateway import Served
from advisor.workload.model import DAYS_PER_MONTH, Workload
from probes.stats import Summary, percentile, summarise, wilson

BOOTSTRAP: Final = 500
BOOTSTRAP_MAX: Final = 5_000
Z95: Final = 1.96
SECONDS_PER_DAY: Final = 86_400


@dataclass(frozen=True)
class Share:
    """`count` of `n`, with its 95 % Wilson interval."""

    count: int
    n: int

    @property
    def value(self) -> float:
        return self.count / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.count, self.n)

    def holds(self, value: float) -> bool:
        """Whether `value` lies within the interval."""
        low, high = self.interval
        return low <= value <= high


@dataclass(frozen=True)
class Interval:
    """An estimate and its 95 % interval."""

    value: float
    low: float
    high: float
    method: str

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Volume:
    """Requests a month a cost is scaled to, and where that number came from."""

    per_month: float
    source: str


@dataclass(frozen=True)
class AsLogged:
    """What the log itself says happened to the same requests, where it says: the baseline
    a plan's replay reads against. Each figure covers the requests the log states it for."""

    errors: Share | None
    """Statuses of 400 and above among the requests with a logged status."""
    latency: Summary | None
    """Logged latency (ms) of the requests logged as answered."""
    monthly: float | None
    """Mean logged cost times the monthly volume, when the log prices every request."""

    @property
    def known(self) -> bool:
        return any(v is not None for v in (self.errors, self.latency, self.monthly))


@dataclass(frozen=True)
class Figures:
    """One workload's replay (or the whole log's, with `workload` None)."""

    workload: str | None
    requests: int
    served_by: Mapping[str, Share]
    """By `role offering-key`, e.g. `fallback-1 south/south-chat`."""
    fallback: Share
    context: Share
    errors: Share
    error_statuses: Mapping[int, int]
    over_trim: int
    latency: Summary | None
    cost_per_request: float | None
    """Mean USD per replayed request; None when an answering offering has no price."""
    monthly: Interval | None
    volume: Volume | None
    logged: AsLogged


def volume(workload: Workload, requests: int, span_s: float) -> Volume | None:
    """The workload's declared volume, else the log's rate; None when neither is known."""
    daily = workload.volume.requests_per_day
    if daily is not None:
        return Volume(daily * DAYS_PER_MONTH, "workload file")
    if requests < 2 or span_s <= 0:
        return None
    hours = span_s / 3600
    return Volume(
        requests / span_s * SECONDS_PER_DAY * DAYS_PER_MONTH, f"log rate over {hours:.3g} h"
    )


def figures(
    served: Sequence[Served],
    name: str | None,
    volumes: Mapping[str, Volume | None],
    seed: int = 0,
) -> Figures:
    """Sum up `served` (one workload's, or every workload's when `name` is None)."""
    n = len(served)
    by: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    fallback = context = errors = 0
    for s in served:
        if s.key is None:
            errors += 1
            statuses[s.status] += 1
            continue
        by[f"{s.role} {s.key}"] += 1
        fallback += s.role.startswith("fallback") or s.role == "degraded"
        context += s.role == "context"
    costs = [s.cost_usd for s in served]
    priced = all(c is not None for c in costs)
    mean = sum(c or 0.0 for c in costs) / n if n and priced else None
    return Figures(
        workload=name,
        requests=n,
        served_by={k: Share(v, n) for k, v in sorted(by.items(), key=lambda kv: -kv[1])},
        fallback=Share(fallback, n),
        context=Share(context, n),
        errors=Share(errors, n),
        error_statuses=dict(statuses),
        over_trim=sum(s.over_trim for s in served),
        latency=summarise([s.seconds * 1000 for s in served if s.ok]),
        cost_per_request=mean,
        monthly=_monthly(served, volumes, seed) if priced and n else None,
        volume=_total_volume(served, volumes),
        logged=_as_logged(served, volumes),
    )


def _as_logged(served: Sequence[Served], volumes: Mapping[str, Volume | None]) -> AsLogged:
    requests = [s.request for s in served]
    statuses = [r.logged_status for r in requests if r.logged_status is not None]
    errors = Share(sum(s >= 400 for s in statuses), len(statuses)) if statuses else None
    latency = summarise(
        [
            r.logged_latency_s * 1000
            for r in requests
            if r.logged_latency_s is not None and (r.logged_status or 200) < 400
        ]
    )
    monthly: float | None = None
    if requests and all(r.logged_cost_usd is not None for r in requests):
        by: dict[str, list[float]] = {}
        for r in requests:
            by.setdefault(r.workload, []).append(r.logged_cost_usd or 0.0)
        scales = [volumes.get(w) for w in by]
        if all(v is not None for v in scales):
            monthly = sum(
                sum(c) / len(c) * v.per_month for c, v in zip(by.values(), scales, strict=True) if v
            )
    return AsLogged(errors, latency, monthly)


def _groups(served: Sequence[Served]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for s in served:
        out.setdefault(s.request.workload, []).append(s.cost_usd or 0.0)
    return out


def _total_volume(served: Sequence[Served], volumes: Mapping[str, Volume | None]) -> Volume | None:
    known = [volumes.get(w) for w in _groups(served)]
    if not known or any(v is None for v in known):
        return None
    sources = sorted({v.source for v in known if v})
    return Volume(sum(v.per_month for v in known if v), "; ".join(sources))


def _monthly(
    served: Sequence[Served], volumes: Mapping[str, Volume | None], seed: int
) -> Interval | None:
    """Monthly USD and its bootstrap interval, every workload at its own volume."""
    groups = _groups(served)
    scales: dict[str, float] = {}
    for w in groups:
        v = volumes.get(w)
        if v is None:
            return None
        scales[w] = v.per_month
    value = sum(sum(c) / len(c) * scales[w] for w, c in groups.items())
    if sum(len(c) for c in groups.values()) > BOOTSTRAP_MAX:
        variance = 0.0
        for w, costs in groups.items():
            mean = sum(costs) / len(costs)
            spread = sum((c - mean) ** 2 for c in costs) / max(1, len(costs) - 1)
            variance += spread / len(costs) * scales[w] ** 2
        half = Z95 * math.sqrt(variance)
        return Interval(value, value - half, value + half, "normal, ±1.96 standard errors")
    rng = random.Random(seed)
    rounds = []
    for _ in range(BOOTSTRAP):
        total = 0.0
        for w, costs in groups.items():
            total += sum(rng.choices(costs, k=len(costs))) / len(costs) * scales[w]
        rounds.append(total)
    method = f"percentile bootstrap over requests, {BOOTSTRAP} rounds"
    return Interval(value, percentile(rounds, 2.5), percentile(rounds, 97.5), method)
