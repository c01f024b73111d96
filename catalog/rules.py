"""Cross-field rules the schema alone cannot express.

`offering_problems` checks one offering on its own; `catalog_problems` checks what needs the
whole catalog (successors, aliases). Both return problems pinned to the YAML that caused them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from catalog.problems import Loc, Locator, Problem
from catalog.schema import PRICE_CEILING_USD_PER_1M, Offering, Provider, split_key

if TYPE_CHECKING:
    from catalog.loader import Entry

PRICE_FIELDS = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "reasoning",
    "input_audio",
)


def offering_problems(offering: Offering, locator: Locator, loc: Loc) -> list[Problem]:
    """Problems within one offering: limits that contradict each other, prices out of range,
    lifecycle dates out of order, free variants with a price."""
    out: list[Problem] = []

    def problem(sub: Loc, message: str, severity: str = "error") -> None:
        out.append(
            locator.problem(
                (*loc, *sub),
                message,
                "warning" if severity == "warning" else "error",
                at_value=True,
            )
        )

    limits = offering.limits
    if limits.context is not None:
        if limits.output is not None and limits.output > limits.context:
            problem(
                ("limits", "output"),
                f"output limit {limits.output:,} exceeds the context window {limits.context:,}",
            )
        if limits.input is not None and limits.input > limits.context:
            problem(
                ("limits", "input"),
                f"input cap {limits.input:,} exceeds the context window {limits.context:,}",
            )

    pricing = offering.pricing
    if pricing is not None:
        for name in PRICE_FIELDS:
            value = getattr(pricing, name)
            if value is not None and value > PRICE_CEILING_USD_PER_1M:
                problem(
                    ("pricing", name),
                    f"{value} USD per 1M tokens is above the sanity ceiling of "
                    f"{PRICE_CEILING_USD_PER_1M:g}; is it per token or per 1K?",
                )
        thresholds = [t.above_input_tokens for t in pricing.tiers]
        if thresholds != sorted(set(thresholds)):
            problem(
                ("pricing", "tiers"),
                "tiers must be in increasing order of above_input_tokens, each threshold once",
            )
        for i, tier in enumerate(pricing.tiers):
            if limits.context is not None and tier.above_input_tokens >= limits.context:
                problem(
                    ("pricing", "tiers", i, "above_input_tokens"),
                    f"tier starts at {tier.above_input_tokens:,}, at or beyond the context "
                    f"window {limits.context:,}",
                )
            for name in ("input", "output", "cache_read", "cache_write"):
                value = getattr(tier, name)
                if value is not None and value > PRICE_CEILING_USD_PER_1M:
                    problem(
                        ("pricing", "tiers", i, name),
                        f"{value} USD per 1M tokens is above the sanity ceiling of "
                        f"{PRICE_CEILING_USD_PER_1M:g}",
                    )
        if offering.free and any(v for v in (pricing.input, pricing.output)):
            problem(("free",), "a free variant has a non-zero input or output price")

    life = offering.lifecycle
    if life.deprecation_date and life.shutdown_date and life.shutdown_date < life.deprecation_date:
        problem(
            ("lifecycle", "shutdown_date"),
            f"shutdown {life.shutdown_date} is before deprecation {life.deprecation_date}",
        )
    if life.status == "retired" and life.shutdown_date is None:
        problem(
            ("lifecycle", "shutdown_date"), "a retired offering needs its shutdown date", "warning"
        )

    reasoning = offering.capabilities.reasoning
    if reasoning.supported is False and (reasoning.effort or reasoning.budget_tokens):
        problem(
            ("capabilities", "reasoning"),
            "reasoning controls given for an offering that does not reason",
        )
    budget = reasoning.budget_tokens
    if budget and budget.min is not None and budget.max is not None and budget.min > budget.max:
        problem(("capabilities", "reasoning", "budget_tokens"), "min is above max")
    return out


def catalog_problems(
    providers: Mapping[str, Provider], entries: Mapping[str, Entry]
) -> list[Problem]:
    """Problems across offerings: successors that do not exist, aliases that collide."""
    out: list[Problem] = []
    ids_by_provider: dict[str, set[str]] = {}
    for entry in entries.values():
        ids_by_provider.setdefault(entry.offering.provider, set()).add(entry.offering.id)

    for key, entry in entries.items():
        offering = entry.offering
        successor = offering.lifecycle.successor
        if successor is not None:
            loc = (*entry.loc, "lifecycle", "successor")
            provider, model_id = split_key(successor)
            if successor == key:
                out.append(
                    entry.locator.problem(loc, "an offering cannot succeed itself", at_value=True)
                )
            elif not model_id or successor not in entries:
                hint = ""
                if not model_id or provider not in providers:
                    hint = " (write it as 'provider/model-id')"
                out.append(
                    entry.locator.problem(
                        loc, f"successor {successor!r} is not in the catalog{hint}", at_value=True
                    )
                )
        for i, alias in enumerate(offering.aliases):
            if alias in ids_by_provider.get(offering.provider, set()) and alias != offering.id:
                out.append(
                    entry.locator.problem(
                        (*entry.loc, "aliases", i),
                        f"alias {alias!r} is the id of another {offering.provider} offering",
                        at_value=True,
                    )
                )
    return out
