"""A workload's hard constraints, each defined once, in one table.

Every entry answers two questions from the same definition:

- `explain`: why one offering fails it (its reasons), or what no source confirms about it
  (its flags, such as `needs probe: context`) and what risks it carries (warnings);
- `fails`: which offerings of a whole catalog fail it, from an index built once per catalog
  (sorted values and bisection for numeric limits, cached sets for traits), so that matching
  thousands of offerings against dozens of workloads costs set operations, not loops.

A trait the catalog does not know never fails a constraint: the offering stays a candidate,
flagged. A property test checks that the two answers agree for every generated workload.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from advisor.match.cost import CostEstimate, monthly
from advisor.units import tokens
from advisor.workload.model import Workload
from catalog import Offering
from catalog.lifecycle import retired_from, status_on

P = TypeVar("P", bound=Hashable)


@dataclass(frozen=True)
class Day:
    """The day a match is made for, and the horizon within which a shutdown excludes."""

    today: dt.date
    horizon: dt.date


@dataclass
class Check:
    """What the constraints found for one offering: reasons (with their kind), flags, warnings."""

    reasons: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    flags: dict[str, None] = field(default_factory=dict)  # an ordered set
    warnings: list[str] = field(default_factory=list)

    def flag(self, text: str) -> None:
        self.flags[text] = None

    def exclude(self, kind: str, reason: str) -> None:
        self.kinds.append(kind)
        self.reasons.append(reason)


Number = Any  # int, float or date: anything that orders


@dataclass(frozen=True)
class Limit:
    """One comparable value per offering against what the workload needs.

    The offering fails when its value is below the need (`fails_below`) or above it. An
    unknown value (None) never fails; `flag` says what to probe instead.
    """

    kind: str
    value: Callable[[Offering], Number | None]
    need: Callable[[Workload, Day], Number | None]
    """None when the workload sets no such requirement."""
    fails_below: bool
    reason: Callable[[Workload, Offering, Day], str]
    flag: Callable[[Workload, Offering], str | None] = lambda w, o: None
    """Called when the offering does not fail: a flag to raise, if any."""

    def explain(self, w: Workload, o: Offering, day: Day, cost: CostEstimate, out: Check) -> None:
        need = self.need(w, day)
        if need is None:
            return
        value = self.value(o)
        if value is not None and (value < need if self.fails_below else value > need):
            out.exclude(self.kind, self.reason(w, o, day))
            return
        flag = self.flag(w, o)
        if flag:
            out.flag(flag)

    def index(self, offerings: Sequence[Offering]) -> tuple[list[Number], list[int]]:
        known = sorted(
            ((v, i) for i, o in enumerate(offerings) if (v := self.value(o)) is not None),
            key=lambda pair: pair[0],
        )
        return [v for v, _ in known], [i for _, i in known]

    def fails(self, index: tuple[list[Number], list[int]], w: Workload, day: Day) -> Iterable[int]:
        need = self.need(w, day)
        if need is None:
            return ()
        values, order = index
        if self.fails_below:
            return order[: bisect_left(values, need)]
        return order[bisect_right(values, need) :]


@dataclass(frozen=True)
class Trait(Generic[P]):
    """A property of the offering that the workload may require, with a parameter.

    `test(offering, param)` is True when the offering fails, False when it meets the need and
    None when no source says; unknown raises `flag(param)` instead of excluding.
    """

    kind: str
    param: Callable[[Workload], P | None]
    """The requirement's parameter (a modality list, a provider set, ...); None: not required."""
    test: Callable[[Offering, P], bool | None]
    reason: Callable[[Offering, P], str]
    flag: Callable[[P], str] | None = None

    def explain(self, w: Workload, o: Offering, day: Day, cost: CostEstimate, out: Check) -> None:
        param = self.param(w)
        if param is None:
            return
        failed = self.test(o, param)
        if failed:
            out.exclude(self.kind, self.reason(o, param))
        elif failed is None and self.flag is not None:
            out.flag(self.flag(param))

    def index(self, offerings: Sequence[Offering]) -> tuple[Sequence[Offering], dict[P, set[int]]]:
        return offerings, {}

    def fails(
        self, index: tuple[Sequence[Offering], dict[P, set[int]]], w: Workload, day: Day
    ) -> Iterable[int]:
        param = self.param(w)
        if param is None:
            return ()
        offerings, by_param = index
        found = by_param.get(param)
        if found is None:  # worked out once per distinct parameter, then reused
            test = self.test
            found = by_param[param] = {i for i, o in enumerate(offerings) if test(o, param)}
        return found


@dataclass(frozen=True)
class Advice:
    """Flags and warnings that never exclude (so it has no index form)."""

    note: Callable[[Workload, Offering, Day, CostEstimate, Check], None]

    def explain(self, w: Workload, o: Offering, day: Day, cost: CostEstimate, out: Check) -> None:
        self.note(w, o, day, cost, out)


# Lifecycle: catalog.lifecycle's rule, on the day of the match -------------------------


def _successor(o: Offering) -> str:
    return f"; successor {o.lifecycle.successor}" if o.lifecycle.successor else ""


def _lifecycle_reason(w: Workload, o: Offering, day: Day) -> str:
    shutdown = o.lifecycle.shutdown_date
    if not status_on(o.lifecycle, day.today).served:
        when = f" on {shutdown}" if shutdown else ""
        return f"retired{when}{_successor(o)}"
    days = (day.horizon - day.today).days
    return f"shuts down {shutdown}, within {days} days{_successor(o)}"


def _deprecation(w: Workload, o: Offering, day: Day, cost: CostEstimate, out: Check) -> None:
    now = status_on(o.lifecycle, day.today)
    retired = retired_from(o.lifecycle)
    if now.status == "deprecated" and (retired is None or retired > day.horizon):
        shutdown = o.lifecycle.shutdown_date
        when = f", shuts down {shutdown}" if shutdown else ""
        out.warnings.append(f"deprecated{when}{_successor(o)}")


# Windows and limits ----------------------------------------------------------------------


def _needs(w: Workload) -> int:
    return w.largest_input + w.output_tokens


def _context_reason(w: Workload, o: Offering, day: Day) -> str:
    return (
        f"context window {tokens(o.limits.context)} cannot hold {tokens(w.largest_input)} input "
        f"+ {tokens(w.output_tokens)} output"
    )


# Latency ---------------------------------------------------------------------------------

FAILING_PERCENTILES = ("p50", "p75", "p90", "p95", "p99")
"""A p50 over the p95 budget already fails it; a p95 or p99 figure is compared directly."""


def _worst(metric: str) -> Callable[[Offering], float | None]:
    def worst(o: Offering) -> float | None:
        values = [
            f.value
            for f in o.performance
            if f.metric == metric and f.percentile in FAILING_PERCENTILES
        ]
        return max(values) if values else None

    return worst


def _latency_budget(metric: str) -> Callable[[Workload, Day], float | None]:
    if metric == "ttft_ms":
        return lambda w, day: w.latency.ttft_p95_ms
    return lambda w, day: w.latency.e2e_p95_ms


def _latency_reason(metric: str) -> Callable[[Workload, Offering, Day], str]:
    budget_of = _latency_budget(metric)

    def reason(w: Workload, o: Offering, day: Day) -> str:
        budget = budget_of(w, day)
        assert budget is not None
        f = next(
            f
            for f in o.performance
            if f.metric == metric and f.percentile in FAILING_PERCENTILES and f.value > budget
        )
        return (
            f"{metric} {f.percentile} {f.value:,.0f} ms (catalog, {f.source.checked}) is over the "
            f"p95 budget of {budget:,.0f} ms"
        )

    return reason


def _latency_flag(metric: str) -> Callable[[Workload, Offering], str | None]:
    def flag(w: Workload, o: Offering) -> str | None:
        tail = any(f.metric == metric and f.percentile in ("p95", "p99") for f in o.performance)
        return None if tail else "needs probe: latency"

    return flag


def _latency(metric: str) -> Limit:
    return Limit(
        "latency",
        _worst(metric),
        _latency_budget(metric),
        False,
        _latency_reason(metric),
        _latency_flag(metric),
    )


# Features --------------------------------------------------------------------------------


def _structured(o: Offering, need: str) -> bool | None:
    so = o.capabilities.structured_output
    if need == "json_schema":
        return True if so.json_schema is False else (None if so.json_schema is None else False)
    if so.json_schema is False and so.json_mode is False:
        return True
    return None if not (so.json_schema or so.json_mode) else False


def _unknown_or_false(value: bool | None) -> bool | None:
    """A capability as a failure: False fails, None is unknown."""
    return None if value is None else not value


def _determinism(w: Workload, o: Offering, day: Day, cost: CostEstimate, out: Check) -> None:
    if w.determinism != "strict":
        return
    d = o.determinism
    missing = [
        name for name, value in (("temperature", d.temperature), ("seed", d.seed)) if not value
    ]
    if missing:
        out.flag("needs probe: determinism")
        out.warnings.append(f"strict determinism without a known {' and '.join(missing)} control")


# Budget ----------------------------------------------------------------------------------


def budget_breaches(w: Workload, per_request: float) -> tuple[str, ...]:
    """Which of the workload's budgets (`per_1k`, `per_month`) a per-request cost breaks."""
    budget = w.budget
    per_1k, per_month = budget.usd_per_1k_requests, budget.usd_per_month
    broken: tuple[str, ...] = ()
    if per_1k is not None and per_request * 1000 > per_1k:
        broken += ("per_1k",)
    if per_month is not None:
        spent = monthly(w, per_request)
        if spent is not None and spent > per_month:
            broken += ("per_month",)
    return broken


def _budget(w: Workload, o: Offering, day: Day, cost: CostEstimate, out: Check) -> None:
    if cost.per_request is None:
        out.flag("unverified: cost")
        return
    budget = w.budget
    for broken in budget_breaches(w, cost.per_request):
        if broken == "per_1k":
            out.exclude(
                "budget",
                f"costs ${cost.per_1k:,.2f} per 1k requests, "
                f"over the ${budget.usd_per_1k_requests:,.2f} budget",
            )
        else:
            out.exclude(
                "budget",
                f"costs ${cost.per_month:,.0f} a month, over the ${budget.usd_per_month:,.0f} budget",
            )
    if budget.usd_per_month is not None and cost.per_month is None:
        out.warnings.append("monthly budget set but requests_per_day unknown")


# The table -------------------------------------------------------------------------------


def _listed(values: Iterable[str]) -> tuple[str, ...] | None:
    found = tuple(values)
    return found or None


CONSTRAINTS: tuple[Limit | Trait[Any] | Advice, ...] = (
    Limit(
        "lifecycle",
        lambda o: retired_from(o.lifecycle),
        lambda w, day: day.horizon + dt.timedelta(days=1),
        True,
        _lifecycle_reason,
    ),
    Advice(_deprecation),
    Limit(
        "context",
        lambda o: o.limits.context,
        lambda w, day: _needs(w),
        True,
        _context_reason,
        lambda w, o: "needs probe: context" if o.limits.context is None else None,
    ),
    Limit(
        "context",
        lambda o: o.limits.input,
        lambda w, day: w.largest_input,
        True,
        lambda w, o, day: (
            f"input cap {tokens(o.limits.input)} is below {tokens(w.largest_input)} input"
        ),
    ),
    Limit(
        "output",
        lambda o: o.limits.output,
        lambda w, day: w.output_tokens,
        True,
        lambda w, o, day: (
            f"output limit {tokens(o.limits.output)} is below {tokens(w.output_tokens)} output"
        ),
        lambda w, o: (
            "needs probe: output limit" if o.limits.output is None and w.output_tokens > 0 else None
        ),
    ),
    Trait(
        "modality",
        lambda w: tuple(w.modalities),
        lambda o, wanted: any(m not in o.modalities.input for m in wanted),
        lambda o, wanted: (
            f"takes no {', '.join(m for m in wanted if m not in o.modalities.input)} input"
        ),
    ),
    Trait(
        "structured_output",
        lambda w: None if w.structured_output == "none" else w.structured_output,
        _structured,
        lambda o, need: (
            "no json_schema structured output" if need == "json_schema" else "no JSON mode"
        ),
        lambda need: "needs probe: structured_output",
    ),
    Trait(
        "tool_calling",
        lambda w: True if w.tool_calling else None,
        lambda o, _: _unknown_or_false(o.capabilities.tool_calling),
        lambda o, _: "no tool calling",
        lambda _: "needs probe: tool_calling",
    ),
    Advice(_determinism),
    Advice(_budget),
    _latency("ttft_ms"),
    _latency("e2e_ms"),
    Trait(
        "policy",
        lambda w: _listed(w.providers.allow),
        lambda o, allow: o.provider not in allow,
        lambda o, _: f"provider {o.provider} is not in providers.allow",
    ),
    Trait(
        "policy",
        lambda w: _listed(w.providers.deny),
        lambda o, deny: o.provider in deny,
        lambda o, _: f"provider {o.provider} is in providers.deny",
    ),
    Trait(
        "policy",
        lambda w: True if w.open_weights else None,
        lambda o, _: _unknown_or_false(o.open_weights),
        lambda o, _: "weights are not open",
        lambda _: "unverified: open_weights",
    ),
    Trait(
        "policy",
        lambda w: True if w.data.zero_retention else None,
        lambda o, _: _unknown_or_false(o.data.zero_retention),
        lambda o, _: "retains request data",
        lambda _: "unverified: zero_retention",
    ),
    Trait(
        "policy",
        lambda w: _listed(w.data.regions),
        lambda o, wanted: None if o.data.regions is None else not set(wanted) & set(o.data.regions),
        lambda o, wanted: f"not served in {', '.join(wanted)}",
        lambda _: "unverified: regions",
    ),
    Limit(
        "free_tier",
        lambda o: o.free_tier.rpd if o.free_tier is not None else None,
        lambda w, day: w.volume.requests_per_day,
        True,
        lambda w, o, day: (
            f"free tier allows {o.free_tier.rpd:,} requests a day, "  # type: ignore[union-attr]
            f"{w.volume.requests_per_day:,.0f} needed"
        ),
    ),
)
"""In the order their reasons and flags are listed."""

INDEXED = tuple(c for c in CONSTRAINTS if not isinstance(c, Advice))
"""The constraints a catalog index answers with set operations (budget is priced apart)."""


def explain(
    w: Workload, o: Offering, cost: CostEstimate, today: dt.date, horizon: dt.date
) -> Check:
    """Every constraint's verdict on one offering: reasons, flags and warnings."""
    out = Check()
    day = Day(today, horizon)
    for constraint in CONSTRAINTS:
        constraint.explain(w, o, day, cost, out)
    return out
