"""Plan each workload from its candidates (and a probe run's figures when there is one).

The rules, in the order they are applied:

- primary: the best-ranked candidate that probes did not disqualify (over budget, failing
  requests, invalid JSON, differing repeats, lost context);
- fallbacks: another provider first, so one provider's outage cannot take the workload down;
  then the same model on another host; then the next best; capped at `max_fallbacks`;
- context fallback: when the largest input comes near the primary's window, the cheapest
  candidate with a larger one, and always the input size at which to trim instead;
- headroom: when the peak rate exceeds the primary's rate limit, a second deployment
  balanced with it, weighted by their limits;
- degraded, canary, verifier: only when asked for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from advisor import __version__
from advisor.match.matching import MatchResult
from advisor.plan.figures import Figures, figures_for, measured_problem, measured_remark
from advisor.plan.model import (
    Basis,
    Canary,
    Choice,
    ContextFallback,
    Endpoint,
    Gate,
    Plan,
    Role,
    RunSource,
    Unplanned,
    WorkloadPlan,
)
from advisor.plan.timeouts import plan_timeouts
from advisor.probe.measured import RunMeasures
from catalog import Catalog
from catalog.errors import BadInput

NEAR_WINDOW = 0.8
"""An input above this share of the primary's window is near enough to need a fallback."""
TRIM_MARGIN = 0.05
"""Share of the largest window kept free when telling the application where to trim."""


@dataclass(frozen=True)
class PlanOptions:
    """Choices the user makes about every workload's plan."""

    max_fallbacks: int = 3
    canary_weight: float | None = None
    """Give a canary this share of traffic (0 < w < 1); None: no canary."""
    canary: str | None = None
    """The canary's offering key; default the best candidate after the primary."""
    verifier: bool = False
    degraded: bool = False
    allow_unprobed: bool = False
    """Let an unprobed candidate be the primary of a workload a probe run measured."""


class PlanError(BadInput, ValueError):
    """An option the candidates cannot honour, e.g. a canary that is not a candidate."""

    title = "bad plan option"


def make_plan(
    results: Sequence[MatchResult],
    catalog: Catalog,
    endpoints: Mapping[str, Endpoint],
    *,
    measures: RunMeasures | None = None,
    options: PlanOptions | None = None,
    today: dt.date | None = None,
    by_workload: Mapping[str, RunMeasures] | None = None,
) -> Plan:
    """A plan for every matched workload; workloads with no candidate are listed as unplanned.
    Figures come from `measures` (one run for every workload) or, when given, `by_workload`
    (each workload's own run; a workload it does not name has catalog figures only)."""
    options = options or PlanOptions()
    unreachable = unreachable_providers(catalog, endpoints)
    planned: list[WorkloadPlan] = []
    unplanned: list[Unplanned] = []
    runs: list[RunMeasures] = [measures] if measures else []
    for result in results:
        mine = measures
        if by_workload is not None:
            mine = by_workload.get(result.workload.name)
            runs += [mine] if mine else []
        outcome = plan_workload(result, mine, options, unreachable)
        if isinstance(outcome, WorkloadPlan):
            planned.append(outcome)
        else:
            unplanned.append(outcome)
    used = {c.offering.provider for p in planned for c in p.choices()}
    checked = [o.pricing.source.checked for o in catalog.offerings if o.pricing is not None]
    return Plan(
        workloads=tuple(planned),
        unplanned=tuple(unplanned),
        endpoints={p: endpoints[p] for p in sorted(used)},
        version=__version__,
        made_on=today or dt.date.today(),
        catalog_checked=max(checked, default=None),
        run_id=max((m.run_id for m in runs), default=None),
        simulated=any(m.simulated for m in runs),
    )


def unreachable_providers(catalog: Catalog, endpoints: Mapping[str, Endpoint]) -> frozenset[str]:
    """Self-hosted providers the providers file gives no address: no plan can use them."""
    return frozenset(
        p.id for p in catalog.providers.values() if p.self_hosted and not endpoints[p.id].overridden
    )


def plan_workload(
    result: MatchResult,
    measures: RunMeasures | None,
    options: PlanOptions,
    unreachable: frozenset[str] = frozenset(),
) -> WorkloadPlan | Unplanned:
    """Plan one workload from its ranked candidates; offerings of `unreachable` providers
    (self-hosted ones nobody configured) are left out."""
    w = result.workload
    notes: list[str] = []
    usable = [c for c in result.candidates if c.offering.provider not in unreachable]
    left_out = sorted({c.offering.provider for c in result.candidates} & unreachable)
    if left_out:
        notes.append(
            f"left out self-hosted {', '.join(left_out)}: add it to the providers file to plan it"
        )
    if not usable:
        why = "no candidate" if not result.candidates else "no reachable candidate"
        return Unplanned(w, f"{why}: {len(result.offerings)} offerings considered")
    figures = [figures_for(c, measures) for c in usable]
    passing: list[Figures] = []
    failing: list[Figures] = []
    for f in figures:
        problem = measured_problem(f)
        if problem:
            notes.append(f"{f.offering.key} passed over: {problem}")
        elif remark := measured_remark(f):
            notes.append(remark)
        (failing if problem else passing).append(f)
    ranked = passing + failing  # failed candidates still beat an outage, but come last
    if measures is not None and not measures.measured(w.name):
        notes.append(
            f"figures from the catalog: probe run {measures.run_id} did not measure this workload"
        )
    if measures is not None and measures.measured(w.name) and not options.allow_unprobed:
        # A probe run measured this workload: its primary is one the run probed.
        confirmed = [f for f in passing if f.probed]
        probed = confirmed or [f for f in failing if f.probed]
        if not confirmed:
            notes.append(
                "no candidate was confirmed by probes: the best probed one serves, though a "
                "probe ruled it out"
            )
        if probed:
            ranked = [probed[0]] + [f for f in ranked if f is not probed[0]]
    elif not passing:
        notes.append("every probed candidate failed a measured check; the best-ranked serves")

    primary = ranked[0]
    primary_choice = _choice(
        "primary", primary, _primary_reason(primary, figures[0], primary in passing)
    )
    headroom = _headroom(primary, ranked[1:])
    taken = {primary.offering.key} | {h.key for h in headroom}
    fallbacks = _fallbacks(primary, [f for f in ranked if f.offering.key not in taken], options)
    taken |= {c.key for c in fallbacks}
    degraded = _degraded(w.latency.ttft_p95_ms, ranked, taken) if options.degraded else None
    first = (fallbacks or ((degraded,) if degraded else ()))[:1]
    by_key = {f.offering.key: f for f in ranked}
    timeouts = plan_timeouts(primary, by_key[first[0].key] if first else None)
    canary = _canary(primary, ranked, options) if options.canary_weight else None
    if options.canary_weight and canary is None:
        notes.append("no canary: no other candidate")
    verifier = _verifier(primary, ranked) if options.verifier else None
    if primary.offering.free:
        notes.append("the primary is a free variant: expect tight rate limits")
    return WorkloadPlan(
        workload=w,
        primary=primary_choice,
        fallbacks=fallbacks,
        context=_context(primary, ranked),
        timeouts=timeouts,
        headroom=headroom,
        degraded=degraded,
        canary=canary,
        verifier=verifier,
        notes=tuple(notes),
        source=_source(measures, w.name),
    )


def _source(measures: RunMeasures | None, workload: str) -> RunSource | None:
    """The run a workload's figures come from: one that measured it."""
    if measures is None or not measures.measured(workload):
        return None
    return RunSource(measures.run_id, measures.simulated, measures.time_scale)


def _choice(role: Role, f: Figures, reason: str, **extra: float | None) -> Choice:
    basis = tuple(b for b in (f.cost(), f.ttft("p95"), f.error_rate()) if b is not None)
    return Choice(role, f.offering, reason, basis, **extra)


def _primary_reason(primary: Figures, best: Figures, passed: bool) -> str:
    score = f"score {primary.candidate.score:.2f}"
    probed = "not probed"
    if primary.probed:
        probed = "confirmed by probes" if passed else "NOT confirmed: a probe ruled it out"
    if primary is not best:
        return f"best candidate that probes did not rule out ({score}); {probed}"
    return f"best-ranked candidate ({score}); {probed}"


def _fallbacks(primary: Figures, rest: list[Figures], options: PlanOptions) -> tuple[Choice, ...]:
    provider, model = primary.offering.provider, primary.offering.model
    other = next((f for f in rest if f.offering.provider != provider), None)
    order: list[tuple[Figures, str]] = []
    if other is not None:
        order.append(
            (
                other,
                f"another provider ({other.offering.provider}): survives an outage at {provider}",
            )
        )
    for f in rest:
        if f.offering.model == model and f.offering.provider != provider:
            order.append((f, f"the same model ({model}) on another host"))
    for f in rest:
        order.append((f, f"next best candidate (score {f.candidate.score:.2f})"))
    chosen: dict[str, Choice] = {}
    for f, reason in order:
        if len(chosen) >= options.max_fallbacks:
            break
        if f.offering.key not in chosen:
            chosen[f.offering.key] = _choice("fallback", f, reason)
    return tuple(chosen.values())


def _context(primary: Figures, ranked: list[Figures]) -> ContextFallback:
    w = primary.candidate.workload
    largest = (w.max_context_tokens or w.context_tokens) + w.output_tokens
    window = primary.context_window()
    bigger = [f for f in ranked if f.context_window() > window]
    choice, widest = None, window
    if largest <= NEAR_WINDOW * window:
        why = "the largest request fits the primary's window well"
    elif not bigger:
        why = "no candidate has a larger window than the primary"
    else:
        cheapest = min(bigger, key=_cost_order)
        widest = cheapest.context_window()
        basis = (Basis("window", widest, "tokens", "catalog"), cheapest.cost())
        choice = Choice(
            "context",
            cheapest.offering,
            f"cheapest candidate with a larger window ({widest:,} tokens); the largest request "
            f"({largest:,} tokens) is {largest / window:.0%} of the primary's",
            tuple(b for b in basis if b is not None),
        )
        why = "beyond that, even the context fallback's window runs out"
    trim_at = max(0, int(widest * (1 - TRIM_MARGIN)) - w.output_tokens)
    return ContextFallback(
        choice,
        trim_at,
        f"summarise or trim older turns above {trim_at:,} input tokens "
        f"({TRIM_MARGIN:.0%} under a {widest:,}-token window, less the output): {why}",
    )


def _cost_order(f: Figures) -> tuple[bool, float]:
    """Cheapest first; an unknown price last."""
    per_1k = f.candidate.cost.per_1k
    return (per_1k is None, per_1k or 0.0)


def _headroom(primary: Figures, rest: list[Figures]) -> tuple[Choice, ...]:
    peak = primary.candidate.workload.volume.peak_rps
    limit = primary.rpm_limit()
    if not peak or limit is None or peak * 60 <= limit.value:
        return ()
    need = peak * 60
    same_model = [f for f in rest if f.offering.model == primary.offering.model]
    if not (same_model or rest):
        return ()
    partner = (same_model or rest)[0]
    other = partner.rpm_limit()
    total = limit.value + (other.value if other else limit.value)
    share = (other.value if other else limit.value) / total
    reason = (
        f"peak {need:,.0f} rpm exceeds the primary's {limit.value:,.0f} rpm limit; "
        f"balanced with it at {share:.0%} of traffic"
    )
    if other is None:
        reason += " (its own limit unknown: equal split)"
    elif total < need:
        reason += f"; together still short of the peak ({total:,.0f} rpm)"
    return (
        Choice(
            "headroom",
            partner.offering,
            reason,
            (limit,) + ((other,) if other else ()),
            weight=share,
        ),
    )


def _degraded(
    ttft_budget_ms: float | None, ranked: list[Figures], taken: set[str]
) -> Choice | None:
    pool = [f for f in ranked if f.offering.key not in taken]
    if not pool:
        return None

    def speed(f: Figures) -> tuple[float, float]:
        ttft = f.ttft("p95") or f.ttft("p50")
        cost = f.candidate.cost.per_1k
        return (ttft.value if ttft else math.inf, cost if cost is not None else math.inf)

    fast = min(pool, key=speed)
    timeout = max(1.0, math.ceil(2 * (ttft_budget_ms or 2500) / 1000))
    return _choice(
        "degraded",
        fast,
        f"fastest and cheapest remaining candidate, a last resort with a {timeout:g} s timeout",
        timeout_s=timeout,
    )


def _canary(primary: Figures, ranked: list[Figures], options: PlanOptions) -> Canary | None:
    weight = options.canary_weight or 0.0
    if not 0 < weight < 1:  # the CLI checks too; the TUI and library callers may not
        raise PlanError(f"a canary weight must be between 0 and 1, not {weight:g}")
    if options.canary:
        found = next((f for f in ranked if f.offering.key == options.canary), None)
        if found is None:
            raise PlanError(
                f"{options.canary} is not a candidate of {primary.candidate.workload.name}"
            )
        newcomer = found
        why = "named as the canary"
    else:
        others = [f for f in ranked if f.offering.key != primary.offering.key]
        if not others:
            return None
        newcomer = others[0]
        why = "the best candidate after the primary"
    choice = _choice("canary", newcomer, _on_share(why, weight), weight=weight)
    return Canary(
        choice,
        weight,
        _gates(primary),
        "Judge with `advisor gate`: one sequential test per gate, 5% false alarms over all "
        "of them; roll back (weight 0) as soon as a gate fails, step the weight up "
        "(5% -> 25% -> 50% -> 100%) once every gate passes, hold until then.",
    )


def _gates(primary: Figures) -> tuple[Gate, ...]:
    w = primary.candidate.workload
    gates: list[Gate] = []
    ttft95, ttft99 = primary.ttft("p95"), primary.ttft("p99")
    if w.latency.ttft_p95_ms is not None:
        gates.append(
            Gate("ttft_p95_ms", w.latency.ttft_p95_ms, "ms", "<=", "the workload's budget")
        )
    elif ttft95:
        gates.append(
            Gate("ttft_p95_ms", 1.2 * ttft95.value, "ms", "<=", f"20% over the primary's {ttft95}")
        )
    if ttft99:
        gates.append(
            Gate("ttft_p99_ms", 1.5 * ttft99.value, "ms", "<=", f"50% over the primary's {ttft99}")
        )
    errors = primary.error_rate()
    limit = max(0.01, 2 * errors.value) if errors else 0.01
    gates.append(
        Gate(
            "error_rate",
            limit,
            "share",
            "<=",
            f"twice the primary's {errors}" if errors else "1% when the primary's is unknown",
        )
    )
    agreement = primary.agreement()
    if w.determinism == "strict" or agreement:
        floor = agreement.value if agreement else 1.0
        gates.append(
            Gate(
                "determinism_agreement",
                floor,
                "share",
                ">=",
                f"the primary's {agreement}" if agreement else "strict determinism",
            )
        )
    cost = primary.cost()
    if w.budget.usd_per_1k_requests is not None:
        gates.append(
            Gate(
                "usd_per_1k", w.budget.usd_per_1k_requests, "USD/1k", "<=", "the workload's budget"
            )
        )
    elif cost and cost.value > 0:  # 20% over a free primary would fail every priced canary
        gates.append(
            Gate("usd_per_1k", 1.2 * cost.value, "USD/1k", "<=", f"20% over the primary's {cost}")
        )
    return tuple(gates)


def _verifier(primary: Figures, ranked: list[Figures]) -> Choice | None:
    priced = [
        f
        for f in ranked
        if f.offering.key != primary.offering.key and f.candidate.cost.per_1k is not None
    ]
    if not priced:
        return None
    cheapest = min(priced, key=lambda f: f.candidate.cost.per_1k or 0.0)
    share = ""
    if primary.candidate.cost.per_1k:
        share = f", {(cheapest.candidate.cost.per_1k or 0) / primary.candidate.cost.per_1k:.0%} of the primary's cost"
    return _choice(
        "verifier", cheapest, f"cheapest candidate{share}: checks outputs before users see them"
    )


def _on_share(why: str, weight: float) -> str:
    return f"{why}, on {weight:.0%} of traffic"


def reweighted(canary: Canary, weight: float) -> Canary:
    """The canary at another share of traffic, its reason saying so."""
    why = canary.choice.reason.removesuffix(f", on {canary.weight:.0%} of traffic")
    choice = dataclasses.replace(canary.choice, weight=weight, reason=_on_share(why, weight))
    return dataclasses.replace(canary, choice=choice, weight=weight)
