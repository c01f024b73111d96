"""Match workloads against the catalog: candidates with scores and costs, exclusions with reasons.

Hard constraints exclude an offering, and every constraint it fails is listed. A trait the
catalog does not know never counts as met: the offering stays a candidate, flagged
`needs probe: <trait>` (or `unverified: <trait>` for contract terms no probe can check).
Candidates are scored by visible components whose weights the workload sets.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from advisor.match.constraints import Check, Day, explain
from advisor.match.cost import CostEstimate, estimate
from advisor.match.index import CatalogIndex, index_for
from advisor.match.scoring import Component, OfferingFacts, components, score
from advisor.workload.model import Workload
from catalog import Catalog, Offering
from catalog.errors import BadInput
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
    def _check(self) -> Check:
        return explain(self.workload, self.offering, self.cost, self.today, self.horizon)

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
            check = explain(
                self.workload, offering, estimate(self.workload, offering), self.today, self.horizon
            )
            out.append(Exclusion(offering, tuple(check.reasons), tuple(check.kinds)))
        return tuple(out)


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
    passed = index.survivors(workload, Day(today, horizon))
    cheapest = min((c.per_request for c in passed.values() if c.per_request), default=None)
    weights = workload.weights.normalised()
    candidates = [
        _scored(workload, index.facts(i), cost, weights, cheapest, today, horizon, index)
        for i, cost in sorted(passed.items())
    ]
    candidates.sort(key=_rank_key)
    return MatchResult(workload, tuple(candidates), index.offerings, today, horizon)


def _rank_key(c: Candidate) -> tuple[float, float, str]:
    """Best score first; among equals, the cheaper (unknown cost last), then by key."""
    cost = c.cost.per_request
    return (-c.score, math.inf if cost is None else cost, c.offering.key)


def named(result: MatchResult, keys: Sequence[str]) -> list[tuple[int, Candidate] | Exclusion]:
    """Where each named offering stands for the workload: its rank (from 1) and candidacy,
    or its exclusion with every reason. Keys must be in the catalog (`unknown_keys`)."""
    ranks = {c.offering.key: (rank, c) for rank, c in enumerate(result.candidates, start=1)}
    excluded = {e.offering.key: e for e in result.exclusions if e.offering.key in keys}
    return [ranks[key] if key in ranks else excluded[key] for key in keys]


def unknown_keys(catalog: Catalog, keys: Sequence[str]) -> None:
    """Refuse offering keys the catalog does not have, with the nearest it does."""
    missing = [key for key in keys if catalog.get(key) is None]
    if not missing:
        return
    known = [o.key for o in catalog.offerings]
    hints = []
    for key in missing:
        near = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        hints.append(f"{key}" + (f" (did you mean {', '.join(near)}?)" if near else ""))
    raise UnknownOffering(f"no such offering in the catalog: {'; '.join(hints)}")


class UnknownOffering(BadInput):
    """An offering key the catalog does not have."""

    title = "unknown offering"


def match_all(
    workloads: Sequence[Workload], catalog: Catalog, *, today: dt.date | None = None
) -> list[MatchResult]:
    """`match` for every workload, in file order."""
    return [match(w, catalog, today=today) for w in workloads]


def _scored(
    w: Workload,
    facts: OfferingFacts,
    cost: CostEstimate,
    weights: dict[str, float],
    cheapest: float | None,
    today: dt.date,
    horizon: dt.date,
    index: CatalogIndex,
) -> Candidate:
    o = facts.offering
    value = score(w, facts, cost, weights, cheapest, today)
    return Candidate(
        o, value, cost, w, today, horizon, index.replaces(o.key, today), facts, weights, cheapest
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
