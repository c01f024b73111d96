"""A workload's hard constraints applied to a whole catalog with set operations.

Checking each constraint offering by offering costs microseconds; with thousands of offerings
and dozens of workloads that adds up to seconds. A `CatalogIndex` (built once per catalog)
keeps each constraint's index form (`advisor.match.constraints`): sorted values to bisect for
limits, failure sets per parameter for traits. One workload's survivors then come from a few
bisections and set differences, and only they are priced and scored; the reasons of the
excluded are written on demand from the same table.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence
from typing import Any

from advisor.match.constraints import INDEXED, Day, budget_breaches
from advisor.match.cost import (
    CostEstimate,
    PriceCard,
    estimate,
    estimate_on,
    per_request_usd,
    price_card,
)
from advisor.match.scoring import OfferingFacts
from advisor.workload.model import Workload
from catalog import Catalog, Offering
from catalog.lifecycle import retired_from


class CatalogIndex:
    """Every indexed constraint's form for one catalog's offerings, plus per-offering facts."""

    def __init__(self, offerings: Sequence[Offering]) -> None:
        self.offerings = tuple(offerings)
        self._indexes: list[Any] = [c.index(self.offerings) for c in INDEXED]
        replaces: dict[str, list[tuple[dt.date, str]]] = {}
        for o in self.offerings:
            retired = retired_from(o.lifecycle)
            if retired is not None and o.lifecycle.successor:
                replaces.setdefault(o.lifecycle.successor, []).append((retired, o.key))
        self._replaces = replaces
        self._facts: dict[int, OfferingFacts] = {}
        self.cards = [price_card(o) for o in self.offerings]

    def replaces(self, key: str, today: dt.date) -> tuple[str, ...]:
        """The offerings retired on `today` whose successor is `key`: it stands in for them."""
        return tuple(k for retired, k in self._replaces.get(key, ()) if retired <= today)

    def facts(self, index: int) -> OfferingFacts:
        """Score parts that depend on offering `index` alone, computed on first use."""
        found = self._facts.get(index)
        if found is None:
            found = self._facts[index] = OfferingFacts(self.offerings[index])
        return found

    def survivors(self, w: Workload, day: Day) -> dict[int, CostEstimate]:
        """The offerings that fail none of `w`'s hard constraints (by index), each with the
        cost estimate its budget check used."""
        alive = set(range(len(self.offerings)))
        for constraint, index in zip(INDEXED, self._indexes, strict=True):
            alive.difference_update(constraint.fails(index, w, day))
        costs: dict[int, CostEstimate] = {}
        for i in alive:
            card = self.cards[i]
            if isinstance(card, PriceCard):
                if not budget_breaches(w, per_request_usd(w, card)):
                    costs[i] = estimate_on(w, card)
                continue
            cost = estimate(w, self.offerings[i])  # unpriced, or priced by its deployment
            if cost.per_request is None or not budget_breaches(w, cost.per_request):
                costs[i] = cost  # unknown: flagged, never excluded on cost
        return costs


_indexes: dict[int, tuple[weakref.ref[Catalog], CatalogIndex]] = {}


def index_for(catalog: Catalog) -> CatalogIndex:
    """The index of `catalog`, built on first use and kept while the catalog lives."""
    entry = _indexes.get(id(catalog))
    if entry is not None and entry[0]() is catalog:
        return entry[1]
    index = CatalogIndex(catalog.offerings)
    _indexes[id(catalog)] = (weakref.ref(catalog, lambda _: _indexes.pop(id(catalog), None)), index)
    return index
