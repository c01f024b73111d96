"""What a workload would cost on an offering, from catalog prices and declared traffic.

Per request: input tokens at the price of the context tier the prompt falls in (a cacheable
prefix at the cached-input price), output tokens, reasoning tokens where the offering always
reasons, and any per-request fee. Then per 1,000 requests and per month at the declared
volume. An estimate carries the date its prices were checked and notes on what it assumed,
and what the request would cost through the batch API or in a time-of-day discount window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from advisor.workloads import DAYS_PER_MONTH, Workload
from catalog import Offering


@dataclass(frozen=True)
class CostEstimate:
    """USD figures for one workload on one offering; None where a price is unknown."""

    per_request: float | None
    per_1k: float | None
    per_month: float | None
    prices_checked: dt.date | None
    notes: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.per_request is not None


def estimate(workload: Workload, offering: Offering) -> CostEstimate:
    """Estimate the cost of `workload`'s typical request on `offering`."""
    pricing = offering.pricing
    if pricing is None or pricing.input is None or pricing.output is None:
        why = "no price in the catalog" if pricing is None else "input or output price unknown"
        return CostEstimate(None, None, None, pricing.source.checked if pricing else None, (why,))

    notes: list[str] = []
    input_price, output_price = pricing.input, pricing.output
    cache_price = pricing.cache_read
    tier = next(
        (t for t in reversed(pricing.tiers) if workload.context_tokens > t.above_input_tokens), None
    )
    if tier is not None:
        input_price = tier.input if tier.input is not None else input_price
        output_price = tier.output if tier.output is not None else output_price
        cache_price = tier.cache_read if tier.cache_read is not None else cache_price
        notes.append(f"prompt above {tier.above_input_tokens:,} tokens: tier prices")

    cached = workload.cacheable_prefix_tokens
    if cached and cache_price is None:
        notes.append("no cached-input price: prefix priced as input")
        cache_price = input_price
    usd = (workload.context_tokens - cached) * input_price + cached * (cache_price or 0.0)
    usd += workload.output_tokens * output_price

    reasoning = offering.capabilities.reasoning
    if reasoning.always_on:
        if workload.reasoning_tokens is None:
            notes.append("always reasons: reasoning tokens not included (set reasoning_tokens)")
        else:
            price = pricing.reasoning if pricing.reasoning is not None else output_price
            usd += workload.reasoning_tokens * price
    usd /= 1_000_000
    if pricing.per_request:
        usd += pricing.per_request
    return scaled(workload, usd, pricing.source.checked, tuple(notes))


def alternatives(workload: Workload, offering: Offering) -> dict[str, float]:
    """USD per request of `workload`'s typical request sent another way: through the batch
    API ('batch') or inside a time-of-day discount window (by its name, e.g. 'off-peak').

    These are choices of how and when to send, not the price of every request, so `estimate`
    stays at the base price and this says what the choice would cost. Flat prices: no cache,
    tier or fee, which batch and discount prices do not state.
    """
    pricing = offering.pricing
    if pricing is None or pricing.input is None or pricing.output is None:
        return {}
    out: dict[str, float] = {}
    if pricing.batch and pricing.batch.input is not None and pricing.batch.output is not None:
        out["batch"] = _plain(workload, pricing.batch.input, pricing.batch.output)
    for timed in pricing.discounts:
        out[timed.name] = _plain(
            workload,
            timed.input if timed.input is not None else pricing.input,
            timed.output if timed.output is not None else pricing.output,
        )
    return out


def _plain(workload: Workload, input_price: float, output_price: float) -> float:
    """USD per request at flat input and output prices (no cache, tier or fee)."""
    return (workload.context_tokens * input_price + workload.output_tokens * output_price) / 1e6


def scaled(
    workload: Workload, per_request: float, checked: dt.date, notes: tuple[str, ...] = ()
) -> CostEstimate:
    """A per-request cost as an estimate: per 1k, and per month at the declared volume."""
    per_month = None
    if workload.volume.requests_per_day is not None:
        per_month = per_request * workload.volume.requests_per_day * DAYS_PER_MONTH
    return CostEstimate(per_request, per_request * 1000, per_month, checked, notes)
