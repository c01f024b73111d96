"""What a workload would cost on an offering, from catalog prices and declared traffic.

Per request: input tokens at the price of the context tier the prompt falls in (a cacheable
prefix at the cached-input price), output tokens, reasoning tokens where the offering always
reasons, and any per-request fee. Then per 1,000 requests and per month at the declared
volume. An estimate carries the date its prices were checked and notes on what it assumed,
and what the request would cost through the batch API or in a time-of-day discount window.

A self-hosted offering has no price per token; its deployment costs per hour whether it
serves or idles (`deployment_estimate`). Given its hardware's USD per hour (`deployment` in the catalog) and how
many requests per second one replica sustains (declared `throughput_rps`, or measured and
passed in), the workload needs `ceil(peak / throughput)` replicas (at least one, always on):

- per month = replicas × USD per hour × 24 × 30 (known even without a declared volume);
- per request = per month / the workload's requests per month, when it declares a volume;
  else one replica at full load: USD per hour / (3,600 × throughput).

Without a throughput the monthly cost of one replica is still known, but not whether one is
enough, nor the cost per request without a volume: the estimate says so. Every estimate's
first note labels where its throughput came from (declared or measured).

The per-token formula lives in `per_request_usd` alone. It reads a `PriceCard`, the
offering's prices copied out of the catalog model once, because matching prices thousands of offerings for
every workload and attribute access on the model dominated that (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from advisor.workload.model import DAYS_PER_MONTH, Workload
from catalog import Offering
from catalog.schema import Deployment, PriceTier


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


@dataclass(frozen=True, slots=True)
class PriceCard:
    """An offering's prices (USD per 1M tokens; the fee per request), known input and output."""

    input: float
    output: float
    cache_read: float | None
    reasoning: float | None
    fee: float
    tiers: tuple[PriceTier, ...]
    always_reasons: bool
    checked: dt.date


def price_card(offering: Offering) -> PriceCard | CostEstimate:
    """The offering's card, or the unknown estimate saying why it cannot be priced."""
    pricing = offering.pricing
    if pricing is None or pricing.input is None or pricing.output is None:
        why = "no price in the catalog" if pricing is None else "input or output price unknown"
        return CostEstimate(None, None, None, pricing.source.checked if pricing else None, (why,))
    return PriceCard(
        pricing.input,
        pricing.output,
        pricing.cache_read,
        pricing.reasoning,
        pricing.per_request or 0.0,
        tuple(pricing.tiers),
        bool(offering.capabilities.reasoning.always_on),
        pricing.source.checked,
    )


def estimate(workload: Workload, offering: Offering) -> CostEstimate:
    """Estimate the cost of `workload`'s typical request on `offering`."""
    if offering.pricing is None and offering.deployment is not None:
        return deployment_estimate(workload, offering.deployment)
    card = price_card(offering)
    return card if isinstance(card, CostEstimate) else estimate_on(workload, card)


def estimate_on(workload: Workload, card: PriceCard) -> CostEstimate:
    """`estimate` from a price card."""
    notes: list[str] = []
    usd = per_request_usd(workload, card, notes)
    return scaled(workload, usd, card.checked, tuple(notes))


def per_request_usd(workload: Workload, card: PriceCard, notes: list[str] | None = None) -> float:
    """USD for one typical request of `workload`; what the figure assumed goes to `notes`."""
    input_price, output_price, cache_price = card.input, card.output, card.cache_read
    if card.tiers:
        tier = next(
            (t for t in reversed(card.tiers) if workload.context_tokens > t.above_input_tokens),
            None,
        )
        if tier is not None:
            input_price = tier.input if tier.input is not None else input_price
            output_price = tier.output if tier.output is not None else output_price
            cache_price = tier.cache_read if tier.cache_read is not None else cache_price
            if notes is not None:
                notes.append(f"prompt above {tier.above_input_tokens:,} tokens: tier prices")

    cached = workload.cacheable_prefix_tokens
    if cached and cache_price is None:
        if notes is not None:
            notes.append("no cached-input price: prefix priced as input")
        cache_price = input_price
    usd = (workload.context_tokens - cached) * input_price + cached * (cache_price or 0.0)
    usd += workload.output_tokens * output_price

    if card.always_reasons:
        if workload.reasoning_tokens is None:
            if notes is not None:
                notes.append("always reasons: reasoning tokens not included (set reasoning_tokens)")
        else:
            price = card.reasoning if card.reasoning is not None else output_price
            usd += workload.reasoning_tokens * price
    return usd / 1_000_000 + card.fee


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


def monthly(workload: Workload, per_request: float) -> float | None:
    """USD a month at the declared volume; None when the volume is not declared."""
    daily = workload.volume.requests_per_day
    return None if daily is None else per_request * daily * DAYS_PER_MONTH


def scaled(
    workload: Workload, per_request: float, checked: dt.date, notes: tuple[str, ...] = ()
) -> CostEstimate:
    """A per-request cost as an estimate: per 1k, and per month at the declared volume."""
    return CostEstimate(
        per_request, per_request * 1000, monthly(workload, per_request), checked, notes
    )


HOURS_PER_MONTH = 24 * DAYS_PER_MONTH

Basis = Literal["declared", "measured"]


def deployment_estimate(
    workload: Workload,
    deployment: Deployment,
    measured_rps: float | None = None,
) -> CostEstimate:
    """The workload's cost on a deployment, at the measured throughput when given, else the
    declared one."""
    rps, basis = (
        (measured_rps, "measured") if measured_rps else (deployment.throughput_rps, "declared")
    )
    per_day = workload.volume.requests_per_day
    peak = workload.volume.peak_rps or (per_day / 86_400 if per_day else None)
    replicas = max(1, math.ceil(peak / rps)) if rps and peak else 1
    per_month = replicas * deployment.usd_per_hour * HOURS_PER_MONTH
    label = f"self-hosted: ${deployment.usd_per_hour:g}/h on {deployment.hardware}"
    notes = [
        f"{label}, {basis} throughput {rps:g} req/s, {replicas} replica{'s' if replicas > 1 else ''}"
        " always on"
        if rps
        else f"{label}, throughput unknown: one replica always on (declare throughput_rps)"
    ]
    if per_day:
        per_request: float | None = per_month / (per_day * DAYS_PER_MONTH)
    elif rps:
        per_request = deployment.usd_per_hour / (3600 * rps)
        notes.append("no declared volume: per request at one replica's full load")
    else:
        per_request = None
        notes.append("no volume and no throughput: cost per request unknown")
    if per_request is None:
        return CostEstimate(None, None, per_month, deployment.source.checked, tuple(notes))
    # A deployment costs its hours whatever it serves: the month is known without a volume.
    return CostEstimate(
        per_request, per_request * 1000, per_month, deployment.source.checked, tuple(notes)
    )
