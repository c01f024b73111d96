"""What a plan is: per workload, who serves it, what takes over, and the numbers behind each
choice. Plain frozen values: the planner makes them, exporters and the report read them."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from advisor.workload.model import Workload
from catalog import Offering

Origin = Literal["measured", "simulated", "catalog", "workload", "default"]
"""Where a number comes from: a live probe, a probe on the simulator, the catalog, the
workload file, or a default of ours."""

Role = Literal["primary", "fallback", "context", "degraded", "headroom", "canary", "verifier"]


@dataclass(frozen=True)
class Basis:
    """A number behind a choice, and where it came from."""

    name: str
    value: float
    unit: str
    origin: Origin
    n: int | None = None

    def __str__(self) -> str:
        return f"{self.name} {format_value(self.value, self.unit)} ({self.source})"

    @property
    def source(self) -> str:
        return f"{self.origin}, n={self.n}" if self.n else self.origin


def format_value(value: float, unit: str) -> str:
    """A figure as people read it: `$0.12/1k`, `850 ms`, `94%`, `128,000 tokens`."""
    if unit == "USD/1k":
        return f"${value:.4g}/1k"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "tokens":
        return f"{int(value):,} tokens"
    if unit == "rpm":
        return f"{value:,.0f} rpm"
    return f"{value:,.0f} {unit}" if value >= 10 else f"{value:.3g} {unit}"


@dataclass(frozen=True)
class Choice:
    """One offering in a plan, in one role, with a one-line reason and its numbers."""

    role: Role
    offering: Offering
    reason: str
    basis: tuple[Basis, ...] = ()
    weight: float | None = None
    """Share of traffic, for deployments balanced with the primary and for a canary."""
    timeout_s: float | None = None
    """A shorter timeout than the workload's, for a degraded last resort."""

    @property
    def key(self) -> str:
        return self.offering.key


@dataclass(frozen=True)
class ContextFallback:
    """Where inputs too large for the primary go, and the size at which to trim instead."""

    choice: Choice | None
    trim_at_tokens: int
    reason: str


@dataclass(frozen=True)
class Gate:
    """A metric the canary must keep within `limit` for it to stay in."""

    metric: str
    limit: float
    unit: str
    op: Literal["<=", ">="]
    reason: str

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {format_value(self.limit, self.unit)}"


@dataclass(frozen=True)
class Canary:
    """A newcomer given a slice of traffic, watched by gates, rolled back by a rule."""

    choice: Choice
    weight: float
    gates: tuple[Gate, ...]
    rollback: str


@dataclass(frozen=True)
class Timeouts:
    """Per-request limits and retries, from measured percentiles or catalog figures.

    Each hop of the chain (a deployment tried, then the next) may cost up to `hop_s`, its
    timeout times its attempts, before the next is tried. With a latency budget and a fallback,
    the budget is split: the primary's hop, plus what the fallback needs to answer (`reserve`),
    plus an allowance for the gateway's own work (`overhead_s`) must fit it, so that a hung
    primary is answered by the fallback within the budget. `fits` says whether that holds,
    `reason` how the split was made or why it cannot be."""

    request_s: float
    first_token_s: float
    retries: int
    reason: str
    basis: tuple[Basis, ...] = ()
    budget_s: float | None = None
    """The workload's e2e latency budget (p95), when it states one."""
    fallback_s: float | None = None
    """Per-attempt timeout of the deployments that take over (fallbacks); None: `request_s`."""
    reserve: Basis | None = None
    """What the first fallback needs to answer (its p95 end-to-end time), kept free of the
    budget; origin `default` when neither probes nor the catalog know it."""
    overhead_s: float = 0.0
    """The allowance for the gateway's own work, kept free of the budget."""

    @property
    def attempts(self) -> int:
        return self.retries + 1

    @property
    def hop_s(self) -> float:
        """The longest one hop can take before the next deployment is tried."""
        return self.request_s * self.attempts

    @property
    def first_token_hop_s(self) -> float:
        """The same for a streamed request whose first token never comes."""
        return self.first_token_s * self.attempts

    @property
    def takeover_s(self) -> float:
        """Per-attempt timeout of the fallbacks."""
        return self.request_s if self.fallback_s is None else self.fallback_s

    @property
    def context_s(self) -> float:
        """Per-attempt timeout of the context fallback: the primary refuses a long input at
        once, so it may take the budget less the gateway allowance (never less than the
        primary's timeout)."""
        if self.budget_s is None:
            return self.request_s
        return max(self.request_s, math.floor(10 * (self.budget_s - self.overhead_s)) / 10)

    @property
    def answer_s(self) -> float:
        """The slowest planned answer with the primary hung: its hop, the fallback's answer
        (none without a fallback) and the gateway's allowance."""
        reserve = self.reserve.value / 1000 if self.reserve else 0.0
        return self.hop_s + reserve + self.overhead_s

    @property
    def fits(self) -> bool | None:
        """Whether a hung primary is answered within the workload's latency budget; None
        without a budget."""
        return None if self.budget_s is None else self.answer_s <= self.budget_s + 1e-9

    def summary(self) -> str:
        """One line for export headers: per-hop timeout, attempts, and the budget's split."""
        who = "deployment" if self.fallback_s is None else "primary"
        line = (
            f"timeout {self.request_s:g} s per attempt (first token {self.first_token_s:g} s), "
            f"{self.attempts} attempt{'s' if self.attempts > 1 else ''} per deployment: a failing "
            f"or hung {who} costs at most {self.hop_s:g} s before the next is tried"
        )
        if self.budget_s is None:
            return line + " (the workload states no latency budget)"
        split = f"{self.hop_s:g} s" + (f" + {self.reserve}" if self.reserve else "")
        split += f" + {self.overhead_s:g} s gateway allowance = {self.answer_s:.3g} s"
        if self.fallback_s is not None:
            split += f"; fallbacks time out at {self.fallback_s:g} s"
        if self.fits:
            return line + f"; the workload's {self.budget_s:g} s latency budget holds: {split}"
        return (
            line + f"; WARNING: a hung primary is answered OVER the workload's "
            f"{self.budget_s:g} s latency budget ({split}): {self.reason}"
        )


@dataclass(frozen=True)
class RunSource:
    """The probe run a workload's figures come from."""

    run_id: int
    simulated: bool
    time_scale: float = 1.0
    """The simulator's time scale; its latencies were converted back to real time."""

    def __str__(self) -> str:
        kind = "simulated" if self.simulated else "live"
        scaled = (
            f" (time-scaled ×{self.time_scale:g}, converted to real time)"
            if self.time_scale != 1
            else ""
        )
        return f"{kind} probe run {self.run_id}{scaled}"


@dataclass(frozen=True)
class WorkloadPlan:
    """The plan for one workload; its name is the alias applications call."""

    workload: Workload
    primary: Choice
    fallbacks: tuple[Choice, ...]
    context: ContextFallback
    timeouts: Timeouts
    headroom: tuple[Choice, ...] = ()
    degraded: Choice | None = None
    canary: Canary | None = None
    verifier: Choice | None = None
    notes: tuple[str, ...] = ()
    source: RunSource | None = None
    """The probe run its figures come from; None: the catalog's."""

    @property
    def name(self) -> str:
        return self.workload.name

    @property
    def figures_label(self) -> str:
        """Where this workload's figures come from, as a plan's reader needs it said."""
        return str(self.source) if self.source else "catalog figures (no probe run measured it)"

    @property
    def chain(self) -> tuple[Choice, ...]:
        """Who answers, in order, when the one before fails: fallbacks, then degraded."""
        return self.fallbacks + ((self.degraded,) if self.degraded else ())

    def choices(self) -> tuple[Choice, ...]:
        """Every offering the plan routes to, each once, primary first."""
        seen: dict[str, Choice] = {}
        extra = (self.canary.choice,) if self.canary else ()
        context = (self.context.choice,) if self.context.choice else ()
        verifier = (self.verifier,) if self.verifier else ()
        for choice in (self.primary, *self.headroom, *extra, *self.chain, *context, *verifier):
            seen.setdefault(choice.key, choice)
        return tuple(seen.values())


@dataclass(frozen=True)
class Unplanned:
    """A workload no offering can serve, and why."""

    workload: Workload
    reason: str


@dataclass(frozen=True)
class Endpoint:
    """How a gateway reaches a provider: its wire, base URL and the variable holding its key."""

    provider: str
    api: str
    base_url: str
    key_env: str | None
    overridden: bool = False
    """The user's providers file moved it from the catalog's base URL (a proxy, a local
    server, the simulator)."""


@dataclass(frozen=True)
class Plan:
    """Plans for every workload of a file, with what an export's header must say."""

    workloads: tuple[WorkloadPlan, ...]
    unplanned: tuple[Unplanned, ...]
    endpoints: dict[str, Endpoint]
    version: str
    made_on: dt.date
    catalog_checked: dt.date | None
    """The newest date any price in the catalog was checked."""
    run_id: int | None = None
    """The newest probe run behind the plan (each workload names its own: `source`)."""
    simulated: bool = False
    """The figures behind the plan came from a run on the simulator."""

    @property
    def sources(self) -> tuple[RunSource, ...]:
        """Every probe run the plan's workloads read, oldest first."""
        found = {wp.source.run_id: wp.source for wp in self.workloads if wp.source}
        return tuple(found[k] for k in sorted(found))

    @property
    def time_scales(self) -> tuple[float, ...]:
        """The time scales other than 1 of the simulator runs behind the plan."""
        return tuple(sorted({s.time_scale for s in self.sources if s.time_scale != 1}))

    @property
    def figures_label(self) -> str:
        sources = self.sources
        if self.run_id is None and not sources:
            return "catalog figures (not probed)"
        if len(sources) <= 1:
            kind = "simulated" if self.simulated else "live"
            return str(sources[0]) if sources else f"{kind} probe run {self.run_id}"
        by_run = {
            s.run_id: ", ".join(wp.name for wp in self.workloads if wp.source == s) for s in sources
        }
        return "; ".join(f"{s} for {by_run[s.run_id]}" for s in sources)
