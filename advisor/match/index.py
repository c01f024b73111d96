"""Apply a workload's hard constraints to a whole catalog with set operations.

Checking each constraint offering by offering costs microseconds; with thousands of offerings
and dozens of workloads that adds up to seconds. A `CatalogIndex` (built once per catalog)
keeps, per constraint, the offerings that fail it for certain, sorted or grouped so that one
workload's survivors come from a few bisections and set differences. Only the survivors are
then checked in full (for flags and scores); the reasons of the excluded are written on demand.

The full checks in `advisor.match.matching` remain the definition: a test asserts that the survivors
here are exactly the offerings with no reason there.
"""

from __future__ import annotations

import datetime as dt
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

from advisor.match.cost import estimate
from advisor.match.scoring import OfferingFacts
from advisor.workload.model import DAYS_PER_MONTH, Workload
from catalog import Catalog, Offering

_PERCENTILES_THAT_FAIL = ("p50", "p75", "p90", "p95", "p99")


def _sorted_by(pairs: Iterable[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    """Values ascending and the offering indices in the same order, for bisection."""
    ordered = sorted(pairs, key=lambda pair: pair[0])
    return [value for value, _ in ordered], [index for _, index in ordered]


class CatalogIndex:
    """Per-constraint failure sets and sorted limits of one catalog's offerings."""

    def __init__(self, offerings: Sequence[Offering]) -> None:
        self.offerings = tuple(offerings)
        enum = list(enumerate(self.offerings))
        self.everything = frozenset(range(len(self.offerings)))

        def where(test: object) -> frozenset[int]:
            return frozenset(i for i, o in enum if test(o))  # type: ignore[operator]

        self.shutdown_dates, self.shutdown_order = _sorted_by(
            (dt.date.min if o.lifecycle.status == "retired" else o.lifecycle.shutdown_date, i)
            for i, o in enum
            if o.lifecycle.status == "retired" or o.lifecycle.shutdown_date is not None
        )
        self.contexts, self.context_order = _sorted_by(
            (o.limits.context, i) for i, o in enum if o.limits.context is not None
        )
        self.input_caps, self.input_cap_order = _sorted_by(
            (o.limits.input, i) for i, o in enum if o.limits.input is not None
        )
        self.outputs, self.output_order = _sorted_by(
            (o.limits.output, i) for i, o in enum if o.limits.output is not None
        )
        self.by_modality = {
            m: where(lambda o, m=m: m in o.modalities.input)
            for m in ("text", "image", "audio", "video", "pdf")
        }
        so = "structured_output"
        self.no_schema = where(lambda o: getattr(o.capabilities, so).json_schema is False)
        self.no_json = where(
            lambda o: (
                o.capabilities.structured_output.json_schema is False
                and o.capabilities.structured_output.json_mode is False
            )
        )
        self.no_tools = where(lambda o: o.capabilities.tool_calling is False)
        self.closed_weights = where(lambda o: o.open_weights is False)
        self.retains_data = where(lambda o: o.data.zero_retention is False)
        self.by_provider: dict[str, frozenset[int]] = {}
        for i, o in enum:
            self.by_provider[o.provider] = self.by_provider.get(o.provider, frozenset()) | {i}
        self.regions = [
            (i, frozenset(o.data.regions)) for i, o in enum if o.data.regions is not None
        ]
        self.free_rpd = [
            (i, o.free_tier.rpd) for i, o in enum if o.free_tier is not None and o.free_tier.rpd
        ]
        self.figures: dict[str, tuple[list[float], list[int]]] = {}
        for metric in ("ttft_ms", "e2e_ms"):
            values, order = _sorted_by(
                (f.value, i)
                for i, o in enum
                for f in o.performance
                if f.metric == metric and f.percentile in _PERCENTILES_THAT_FAIL
            )
            self.figures[metric] = (values, order)
        replaces: dict[str, list[str]] = {}
        for o in self.offerings:
            if o.lifecycle.status == "retired" and o.lifecycle.successor:
                replaces.setdefault(o.lifecycle.successor, []).append(o.key)
        self.replaces = {key: tuple(keys) for key, keys in replaces.items()}
        self._facts: dict[int, OfferingFacts] = {}
        """Successor key → the retired offerings it stands in for."""
        # index -> (input, output, cache_read or input, simple); "simple" pricing has no tiers,
        # fee or forced reasoning, so the inline formula in _within_budget is exact for it.
        self.prices: dict[int, tuple[float, float, float, bool]] = {
            i: (
                o.pricing.input,
                o.pricing.output,
                o.pricing.cache_read if o.pricing.cache_read is not None else o.pricing.input,
                not o.pricing.tiers
                and not o.pricing.per_request
                and not o.capabilities.reasoning.always_on,
            )
            for i, o in enum
            if o.pricing is not None
            and o.pricing.input is not None
            and o.pricing.output is not None
        }

    def facts(self, index: int) -> OfferingFacts:
        """Score parts that depend on offering `index` alone, computed on first use."""
        found = self._facts.get(index)
        if found is None:
            found = self._facts[index] = OfferingFacts(self.offerings[index])
        return found

    def survivors(self, w: Workload, horizon: dt.date) -> tuple[set[int], dict[int, float]]:
        """Indices of the offerings that fail none of `w`'s hard constraints, and the
        per-request cost of those whose simple pricing was worked out on the way (no tiers,
        fees or forced reasoning, no cacheable prefix): exactly what `estimate` would give."""
        alive = set(self.everything)
        alive.difference_update(self.shutdown_order[: bisect_right(self.shutdown_dates, horizon)])
        need = w.largest_input + w.output_tokens
        alive.difference_update(self.context_order[: bisect_left(self.contexts, need)])
        alive.difference_update(
            self.input_cap_order[: bisect_left(self.input_caps, w.largest_input)]
        )
        alive.difference_update(self.output_order[: bisect_left(self.outputs, w.output_tokens)])
        for modality in w.modalities:
            alive.intersection_update(self.by_modality[modality])
        if w.structured_output == "json_schema":
            alive.difference_update(self.no_schema)
        elif w.structured_output == "json_mode":
            alive.difference_update(self.no_json)
        if w.tool_calling:
            alive.difference_update(self.no_tools)
        if w.providers.allow:
            allowed: set[int] = set()
            for provider in w.providers.allow:
                allowed.update(self.by_provider.get(provider, ()))
            alive.intersection_update(allowed)
        for provider in w.providers.deny:
            alive.difference_update(self.by_provider.get(provider, ()))
        if w.open_weights:
            alive.difference_update(self.closed_weights)
        if w.data.zero_retention:
            alive.difference_update(self.retains_data)
        if w.data.regions:
            wanted = set(w.data.regions)
            alive.difference_update(i for i, regions in self.regions if not regions & wanted)
        daily = w.volume.requests_per_day
        if daily is not None:
            alive.difference_update(i for i, rpd in self.free_rpd if daily > rpd)
        for metric, budget in (
            ("ttft_ms", w.latency.ttft_p95_ms),
            ("e2e_ms", w.latency.e2e_p95_ms),
        ):
            if budget is not None:
                values, order = self.figures[metric]
                alive.difference_update(order[bisect_right(values, budget) :])
        costs = self._within_budget(w, alive)
        return alive, costs

    def _within_budget(self, w: Workload, alive: set[int]) -> dict[int, float]:
        per_1k, per_month = w.budget.usd_per_1k_requests, w.budget.usd_per_month
        daily = w.volume.requests_per_day
        costs: dict[int, float] = {}
        if per_1k is None and (per_month is None or daily is None):
            return costs
        cached = w.cacheable_prefix_tokens
        fresh, out = w.context_tokens - cached, w.output_tokens
        prices = self.prices
        over = []
        for i in alive:
            found = prices.get(i)
            if found is None:
                continue
            price_in, price_out, price_cache, simple = found
            if simple:
                # The same arithmetic, in the same order, as advisor.match.cost.estimate.
                usd = fresh * price_in + cached * price_cache
                usd += out * price_out
                usd /= 1_000_000
                if not cached:  # with a prefix, estimate() also notes how it was priced
                    costs[i] = usd
            else:
                usd = estimate(w, self.offerings[i]).per_request or 0.0
            if per_1k is not None and usd * 1000 > per_1k:
                over.append(i)
            elif per_month is not None and daily is not None:
                if usd * daily * DAYS_PER_MONTH > per_month:
                    over.append(i)
        alive.difference_update(over)
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
