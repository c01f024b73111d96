"""Score components of a candidate: each a value in [0, 1] with a weight and a reason.

Unknown traits earn nothing: a candidate is never ranked up on a value no source confirms.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from advisor.match.cost import CostEstimate
from advisor.workload.model import Task, Workload
from catalog import Offering
from catalog.lifecycle import status_on

STALE_DAYS = 180
"""Figures checked longer ago than this lower the confidence component."""


Why = str | Callable[[], str]
"""A reason, or a function that writes it: most reasons are never read, so most are never
formatted (see docs/benchmarks.md, matching)."""


class Component:
    """One part of a candidate's score: a value in [0, 1], its weight, and why."""

    __slots__ = ("name", "value", "weight", "_why")

    def __init__(self, name: str, value: float, weight: float, why: Why) -> None:
        self.name = name
        self.value = value
        self.weight = weight
        self._why = why

    @property
    def why(self) -> str:
        if not isinstance(self._why, str):
            self._why = self._why()
        return self._why

    @property
    def points(self) -> float:
        return self.value * self.weight

    def __repr__(self) -> str:
        return f"Component({self.name!r}, {self.value:.3f}, weight {self.weight:.3f}: {self.why})"


class OfferingFacts:
    """The parts of a score that depend on the offering alone, worked out once per catalog."""

    __slots__ = ("offering", "known", "oldest", "window", "ttft", "shutdown", "_task_fit")

    def __init__(self, o: Offering) -> None:
        self.offering = o
        self.window = o.limits.context
        ttft = [f for f in o.performance if f.metric == "ttft_ms"]
        self.ttft = max(ttft, key=lambda f: f.percentile) if ttft else None
        """The catalog's highest-percentile TTFT figure, if any."""
        self.shutdown = o.lifecycle.shutdown_date
        traits = (
            o.capabilities.tool_calling,
            o.capabilities.structured_output.json_schema,
            o.capabilities.streaming,
            o.determinism.seed,
            o.determinism.temperature,
            o.data.zero_retention,
        )
        self.known = sum(t is not None for t in traits) / len(traits)
        """Share of the traits most workloads depend on that a source confirms."""
        dates = [o.limits.source.checked]
        if o.pricing is not None:
            dates.append(o.pricing.source.checked)
        self.oldest = min(dates)
        self._task_fit: dict[str, tuple[float, Why]] = {}

    def task_fit(self, task: Task) -> tuple[float, Why]:
        if task not in self._task_fit:
            self._task_fit[task] = _task_fit(task, self.offering)
        return self._task_fit[task]


Part = Callable[[Workload, OfferingFacts, CostEstimate, float | None, dt.date], tuple[float, "Why"]]

PARTS: tuple[tuple[str, Part], ...] = (
    ("cost", lambda w, facts, cost, cheapest, today: _cost(w, cost, cheapest)),
    ("latency", lambda w, facts, cost, cheapest, today: _latency(w, facts)),
    ("context", lambda w, facts, cost, cheapest, today: _context(w, facts)),
    ("task_fit", lambda w, facts, cost, cheapest, today: facts.task_fit(w.task)),
    ("lifecycle", lambda w, facts, cost, cheapest, today: _lifecycle(facts, today)),
    ("confidence", lambda w, facts, cost, cheapest, today: _confidence(facts, today)),
)
"""The score's components, in the order they are shown; the score is their weighted sum."""


def components(
    w: Workload,
    facts: OfferingFacts,
    cost: CostEstimate,
    weights: dict[str, float],
    cheapest: float | None,
    today: dt.date,
) -> tuple[Component, ...]:
    """Every component of an offering's score for `w`, in a fixed order."""
    parts = ((name, part(w, facts, cost, cheapest, today)) for name, part in PARTS)
    return tuple(Component(name, value, weights[name], why) for name, (value, why) in parts)


def score(
    w: Workload,
    facts: OfferingFacts,
    cost: CostEstimate,
    weights: dict[str, float],
    cheapest: float | None,
    today: dt.date,
) -> float:
    """The weighted sum of `components`, without building them: ranking needs only this."""
    total = 0.0
    for name, part in PARTS:
        total += weights[name] * part(w, facts, cost, cheapest, today)[0]
    return total


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _cost(w: Workload, cost: CostEstimate, cheapest: float | None) -> tuple[float, Why]:
    if cost.per_request is None:
        # Unknown is neither cheap nor dear (a self-hosted offering before its deployment
        # cost is declared): neutral, as latency is until probed, rather than last.
        return 0.5, "cost unknown: neutral until priced (self-hosted: declare deployment)"
    budget = w.budget
    if budget.usd_per_1k_requests and cost.per_1k is not None:
        share = cost.per_1k / budget.usd_per_1k_requests
        return _clamp(1 - share), lambda: f"uses {share:.0%} of the per-1k budget"
    if budget.usd_per_month and cost.per_month is not None:
        share = cost.per_month / budget.usd_per_month
        return _clamp(1 - share), lambda: f"uses {share:.0%} of the monthly budget"
    if not cheapest or cost.per_request <= 0:
        return 1.0, "free" if cost.per_request <= 0 else "cheapest"
    # No budget: compare with the cheapest candidate; each 10× dearer loses a third.
    ratio = cost.per_request / cheapest
    return _clamp(1 - math.log10(ratio) / 3), lambda: f"{ratio:.1f}× the cheapest candidate"


def _latency(w: Workload, facts: OfferingFacts) -> tuple[float, Why]:
    figure = facts.ttft
    if figure is None:
        return 0.5, "no latency figure in the catalog: neutral until probed"
    budget = w.latency.ttft_p95_ms
    if budget:
        return _clamp(
            1 - figure.value / budget
        ), lambda: f"TTFT {figure.percentile} {figure.value:,.0f} ms of a {budget:,.0f} ms budget"
    # Without a budget, a second to first token is a middling score.
    return _clamp(
        1 - figure.value / 2000
    ), lambda: f"TTFT {figure.percentile} {figure.value:,.0f} ms"


def _context(w: Workload, facts: OfferingFacts) -> tuple[float, Why]:
    window = facts.window
    if window is None:
        return 0.0, "context window unknown"
    used = (w.largest_input + w.output_tokens) / window
    # Headroom matters most near the limit: half the window free is already comfortable.
    return _clamp((1 - used) * 2), lambda: f"largest request uses {used:.0%} of the window"


Criterion = tuple[str, Callable[[Offering], bool | None]]

_SEED: Criterion = ("seed", lambda o: o.determinism.seed)
_TEMPERATURE: Criterion = ("temperature control", lambda o: o.determinism.temperature)
_SCHEMA: Criterion = ("json_schema", lambda o: o.capabilities.structured_output.json_schema)
_TOOLS: Criterion = ("tool calling", lambda o: o.capabilities.tool_calling)
_CACHING: Criterion = ("prompt caching", lambda o: o.capabilities.prompt_caching)
_REASONING: Criterion = ("reasoning", lambda o: o.capabilities.reasoning.supported)


_NOT_ALWAYS_REASONING: Criterion = (
    "answers without forced reasoning",
    lambda o: (
        None
        if o.capabilities.reasoning.always_on is None
        and o.capabilities.reasoning.supported is not False
        else not o.capabilities.reasoning.always_on
    ),
)

TASK_CRITERIA: dict[Task, tuple[Criterion, ...]] = {
    # Disciplined offerings for labels and fields: repeatable, schema-bound, no detours.
    "classification": (_SEED, _TEMPERATURE, _SCHEMA, _NOT_ALWAYS_REASONING),
    "extraction": (_SEED, _TEMPERATURE, _SCHEMA, _NOT_ALWAYS_REASONING),
    # Varied output: sampling must be controllable; a forced reasoning pass adds little.
    "creative": (_TEMPERATURE, _NOT_ALWAYS_REASONING),
    "summarization": (_CACHING, _NOT_ALWAYS_REASONING),
    "chat": (_TOOLS, _CACHING),
    "code": (_TOOLS, _REASONING),
    "agent": (
        _TOOLS,
        _REASONING,
        ("parallel tool calls", lambda o: o.capabilities.parallel_tool_calls),
    ),
    "vision": (("image input", lambda o: "image" in o.modalities.input), _SCHEMA),
}


def _task_fit(task: Task, o: Offering) -> tuple[float, Why]:
    criteria = TASK_CRITERIA[task]
    values = [(label, get(o)) for label, get in criteria]
    met = [label for label, value in values if value is True]
    unknown = [label for label, value in values if value is None]
    why = f"{len(met)} of {len(criteria)} traits a {task} task wants"
    if unknown:
        why += f" ({', '.join(unknown)} unknown)"
    return len(met) / len(criteria), why


def _lifecycle(facts: OfferingFacts, today: dt.date) -> tuple[float, Why]:
    status = status_on(facts.offering.lifecycle, today).status
    if status == "active":
        return 1.0, "active"
    if status == "preview":
        return 0.6, "preview: may change or go away"
    if status == "legacy" and facts.shutdown is None:
        return 0.8, "legacy: superseded, still served"
    if facts.shutdown is None:
        return 0.4, "deprecated, shutdown date not announced"
    days = (facts.shutdown - today).days
    return _clamp(days / 730) * 0.8, lambda: f"deprecated, shuts down in {days} days"


def _confidence(facts: OfferingFacts, today: dt.date) -> tuple[float, Why]:
    age = (today - facts.oldest).days
    fresh = 1.0 if age <= STALE_DAYS else 0.5
    known = facts.known
    return (
        known * fresh,
        lambda: f"{known:.0%} of key traits known; oldest figure checked {age} days ago",
    )
