"""Match workloads against the catalog: candidates with scores and costs, exclusions with reasons.

Hard constraints exclude an offering, and every constraint it fails is listed. A trait the
catalog does not know never counts as met: the offering stays a candidate, flagged
`needs probe: <trait>` (or `unverified: <trait>` for contract terms no probe can check).
Candidates are scored by visible components whose weights the workload sets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from advisor.match.cost import CostEstimate, estimate, scaled
from advisor.match.index import index_for
from advisor.match.scoring import Component, OfferingFacts, components, score
from advisor.units import tokens
from advisor.workload.model import Workload
from catalog import Catalog, Offering
from catalog.perf import gc_paused

HORIZON_DAYS = 90
"""An offering that shuts down within this many days is excluded."""


@dataclass(frozen=True)
class Candidate:
    """An offering that passed every hard constraint of a workload.

    Ranking needs only the score; the score's components, the flags and the warnings are
    worked out when first read.
    """

    offering: Offering
    score: float
    cost: CostEstimate
    workload: Workload = field(repr=False, compare=False)
    today: dt.date = field(repr=False, compare=False)
    horizon: dt.date = field(repr=False, compare=False)
    replaces: tuple[str, ...] = ()
    """Retired offerings whose successor this is: it is considered in their place."""
    _facts: OfferingFacts | None = field(default=None, repr=False, compare=False)
    _weights: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _cheapest: float | None = field(default=None, repr=False, compare=False)

    @cached_property
    def components(self) -> tuple[Component, ...]:
        """Each part of the score: value, weight and why."""
        facts = self._facts or OfferingFacts(self.offering)
        return components(
            self.workload, facts, self.cost, self._weights, self._cheapest, self.today
        )

    @cached_property
    def _check(self) -> _Check:
        return _hard_constraints(self.workload, self.offering, self.cost, self.today, self.horizon)

    @property
    def flags(self) -> tuple[str, ...]:
        """Traits that matter here and no source confirms: `needs probe: X`, `unverified: X`."""
        return tuple(self._check.flags)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Risks that do not exclude, e.g. a deprecation with a later shutdown date."""
        return tuple(self._check.warnings)


@dataclass(frozen=True)
class Exclusion:
    """An offering that failed a workload's hard constraints, with every reason and the kind
    of constraint behind each (lifecycle, context, modality, budget, ...)."""

    offering: Offering
    reasons: tuple[str, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class MatchResult:
    """Candidates (best first) and exclusions of one workload."""

    workload: Workload
    candidates: tuple[Candidate, ...]
    offerings: tuple[Offering, ...]
    """Every offering considered, in catalog order."""
    today: dt.date
    horizon: dt.date

    @cached_property
    def exclusions(self) -> tuple[Exclusion, ...]:
        """Every excluded offering with all its reasons, worked out when first asked for."""
        chosen = {c.offering.key for c in self.candidates}
        out = []
        for offering in self.offerings:
            if offering.key in chosen:
                continue
            check = _hard_constraints(
                self.workload, offering, estimate(self.workload, offering), self.today, self.horizon
            )
            out.append(Exclusion(offering, tuple(check.reasons), tuple(check.kinds)))
        return tuple(out)


@dataclass
class _Check:
    """What the hard constraints found for one offering."""

    reasons: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    flags: dict[str, None] = field(default_factory=dict)  # ordered set
    warnings: list[str] = field(default_factory=list)

    def flag(self, text: str) -> None:
        self.flags[text] = None

    def exclude(self, kind: str, reason: str) -> None:
        self.kinds.append(kind)
        self.reasons.append(reason)


def match(
    workload: Workload,
    catalog: Catalog,
    *,
    today: dt.date | None = None,
    horizon_days: int = HORIZON_DAYS,
) -> MatchResult:
    """Rank the catalog's offerings for one workload."""
    with gc_paused():
        return _match(workload, catalog, today or dt.date.today(), horizon_days)


def _match(workload: Workload, catalog: Catalog, today: dt.date, horizon_days: int) -> MatchResult:
    horizon = today + dt.timedelta(days=horizon_days)
    index = index_for(catalog)
    survivors, known_costs = index.survivors(workload, horizon)
    passed = [
        (index.facts(i), _cost(workload, index.offerings[i], known_costs.get(i)))
        for i in sorted(survivors)
    ]
    cheapest = min((c.per_request for _, c in passed if c.per_request), default=None)
    weights = workload.weights.normalised()
    candidates = [
        _scored(workload, facts, cost, weights, cheapest, today, horizon, index.replaces)
        for facts, cost in passed
    ]
    candidates.sort(key=_rank_key)
    return MatchResult(workload, tuple(candidates), index.offerings, today, horizon)


def _cost(workload: Workload, offering: Offering, per_request: float | None) -> CostEstimate:
    """The estimate, reusing the per-request cost the prefilter already worked out."""
    if per_request is None or offering.pricing is None:
        return estimate(workload, offering)
    return scaled(workload, per_request, offering.pricing.source.checked)


def _rank_key(c: Candidate) -> tuple[float, float, str]:
    """Best score first; among equals, the cheaper (unknown cost last), then by key."""
    cost = c.cost.per_request
    return (-c.score, math.inf if cost is None else cost, c.offering.key)


def match_all(
    workloads: Sequence[Workload], catalog: Catalog, *, today: dt.date | None = None
) -> list[MatchResult]:
    """`match` for every workload, in file order."""
    return [match(w, catalog, today=today) for w in workloads]


def _hard_constraints(
    w: Workload, o: Offering, cost: CostEstimate, today: dt.date, horizon: dt.date
) -> _Check:
    check = _Check()
    _lifecycle(o, today, horizon, check)
    _window(w, o, check)
    _inputs_and_features(w, o, check)
    _budget(w, o, cost, check)
    _latency(w, o, check)
    _policy(w, o, check)
    return check


def _lifecycle(o: Offering, today: dt.date, horizon: dt.date, check: _Check) -> None:
    life = o.lifecycle
    successor = f"; successor {life.successor}" if life.successor else ""
    shutdown = life.shutdown_date
    if life.status == "retired" or (shutdown is not None and shutdown <= today):
        when = f" on {shutdown}" if shutdown else ""
        check.exclude("lifecycle", f"retired{when}{successor}")
    elif shutdown is not None and shutdown <= horizon:
        check.exclude(
            "lifecycle", f"shuts down {shutdown}, within {(horizon - today).days} days{successor}"
        )
    elif life.status == "deprecated":
        when = f", shuts down {shutdown}" if shutdown else ""
        check.warnings.append(f"deprecated{when}{successor}")


def _window(w: Workload, o: Offering, check: _Check) -> None:
    limits = o.limits
    largest = w.largest_input
    if limits.context is None:
        check.flag("needs probe: context")
    elif largest + w.output_tokens > limits.context:
        check.exclude(
            "context",
            f"context window {tokens(limits.context)} cannot hold {tokens(largest)} input "
            f"+ {tokens(w.output_tokens)} output",
        )
    if limits.input is not None and largest > limits.input:
        check.exclude(
            "context", f"input cap {tokens(limits.input)} is below {tokens(largest)} input"
        )
    if limits.output is None:
        if w.output_tokens > 0:
            check.flag("needs probe: output limit")
    elif w.output_tokens > limits.output:
        check.exclude(
            "output",
            f"output limit {tokens(limits.output)} is below {tokens(w.output_tokens)} output",
        )


def _inputs_and_features(w: Workload, o: Offering, check: _Check) -> None:
    missing = [m for m in w.modalities if m not in o.modalities.input]
    if missing:
        check.exclude("modality", f"takes no {', '.join(missing)} input")

    caps = o.capabilities
    schema, mode = caps.structured_output.json_schema, caps.structured_output.json_mode
    if w.structured_output == "json_schema":
        if schema is False:
            check.exclude("structured_output", "no json_schema structured output")
        elif schema is None:
            check.flag("needs probe: structured_output")
    elif w.structured_output == "json_mode":
        if schema is False and mode is False:
            check.exclude("structured_output", "no JSON mode")
        elif not (schema or mode):
            check.flag("needs probe: structured_output")

    if w.tool_calling:
        if caps.tool_calling is False:
            check.exclude("tool_calling", "no tool calling")
        elif caps.tool_calling is None:
            check.flag("needs probe: tool_calling")

    if w.determinism == "strict":
        d = o.determinism
        if not (d.temperature and d.seed):
            missing_controls = [
                name
                for name, value in (("temperature", d.temperature), ("seed", d.seed))
                if not value
            ]
            check.flag("needs probe: determinism")
            check.warnings.append(
                f"strict determinism without a known {' and '.join(missing_controls)} control"
            )


def _budget(w: Workload, o: Offering, cost: CostEstimate, check: _Check) -> None:
    budget = w.budget
    if budget.usd_per_1k_requests is None and budget.usd_per_month is None:
        if not cost.known:
            check.flag("unverified: cost")
        return
    if not cost.known:
        check.flag("unverified: cost")
        return
    if budget.usd_per_1k_requests is not None and cost.per_1k is not None:
        if cost.per_1k > budget.usd_per_1k_requests:
            check.exclude(
                "budget",
                f"costs ${cost.per_1k:,.2f} per 1k requests, over the ${budget.usd_per_1k_requests:,.2f} budget",
            )
    if budget.usd_per_month is not None:
        if cost.per_month is None:
            check.warnings.append("monthly budget set but requests_per_day unknown")
        elif cost.per_month > budget.usd_per_month:
            check.exclude(
                "budget",
                f"costs ${cost.per_month:,.0f} a month, over the ${budget.usd_per_month:,.0f} budget",
            )


def _latency(w: Workload, o: Offering, check: _Check) -> None:
    budgets = (("ttft_ms", w.latency.ttft_p95_ms), ("e2e_ms", w.latency.e2e_p95_ms))
    for metric, budget in budgets:
        if budget is None:
            continue
        figures = [f for f in o.performance if f.metric == metric]
        # A p50 over the p95 budget already fails it; a p95 or p99 figure is compared directly.
        failing = [f for f in figures if f.percentile in ("p50", "p75", "p90", "p95", "p99")]
        over = [f for f in failing if f.value > budget]
        if over:
            f = over[0]
            check.exclude(
                "latency",
                f"{metric} {f.percentile} {f.value:,.0f} ms (catalog, {f.source.checked}) is over the "
                f"p95 budget of {budget:,.0f} ms",
            )
        elif not any(f.percentile in ("p95", "p99") for f in figures):
            check.flag("needs probe: latency")


def _policy(w: Workload, o: Offering, check: _Check) -> None:
    rules = w.providers
    if rules.allow and o.provider not in rules.allow:
        check.exclude("policy", f"provider {o.provider} is not in providers.allow")
    if o.provider in rules.deny:
        check.exclude("policy", f"provider {o.provider} is in providers.deny")
    if w.open_weights:
        if o.open_weights is False:
            check.exclude("policy", "weights are not open")
        elif o.open_weights is None:
            check.flag("unverified: open_weights")
    if w.data.zero_retention:
        if o.data.zero_retention is False:
            check.exclude("policy", "retains request data")
        elif o.data.zero_retention is None:
            check.flag("unverified: zero_retention")
    if w.data.regions:
        if o.data.regions is None:
            check.flag("unverified: regions")
        elif not set(w.data.regions) & set(o.data.regions):
            check.exclude("policy", f"not served in {', '.join(w.data.regions)}")
    free = o.free_tier
    daily = w.volume.requests_per_day
    if free is not None and free.rpd is not None and daily is not None and daily > free.rpd:
        check.exclude(
            "free_tier", f"free tier allows {free.rpd:,} requests a day, {daily:,.0f} needed"
        )


def _scored(
    w: Workload,
    facts: OfferingFacts,
    cost: CostEstimate,
    weights: dict[str, float],
    cheapest: float | None,
    today: dt.date,
    horizon: dt.date,
    replaces: dict[str, tuple[str, ...]],
) -> Candidate:
    o = facts.offering
    value = score(w, facts, cost, weights, cheapest, today)
    return Candidate(
        o, value, cost, w, today, horizon, replaces.get(o.key, ()), facts, weights, cheapest
    )


def result_json(result: MatchResult, top: int | None = None) -> dict[str, object]:
    """A MatchResult as plain JSON: ranked candidates and every exclusion with its reasons."""
    candidates = result.candidates[:top] if top else result.candidates
    return {
        "workload": result.workload.name,
        "date": result.today.isoformat(),
        "candidates": [
            {
                "rank": rank,
                "offering": c.offering.key,
                "score": round(c.score, 4),
                "components": {
                    p.name: {"value": round(p.value, 4), "weight": round(p.weight, 4), "why": p.why}
                    for p in c.components
                },
                "cost": {
                    "usd_per_request": c.cost.per_request,
                    "usd_per_1k": c.cost.per_1k,
                    "usd_per_month": c.cost.per_month,
                    "prices_checked": c.cost.prices_checked.isoformat()
                    if c.cost.prices_checked
                    else None,
                    "notes": list(c.cost.notes),
                },
                "flags": list(c.flags),
                "warnings": list(c.warnings),
                "replaces": list(c.replaces),
            }
            for rank, c in enumerate(candidates, start=1)
        ],
        "exclusions": [
            {"offering": e.offering.key, "reasons": list(e.reasons), "kinds": list(e.kinds)}
            for e in result.exclusions
        ],
    }
