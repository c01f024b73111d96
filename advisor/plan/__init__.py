"""Plans: per workload, a primary, fallbacks, a context fallback, and optionally headroom,
a degraded last resort, a canary and a verifier, each with its reason and numbers."""

from __future__ import annotations

from collections.abc import Mapping

from advisor.plan.model import (
    Basis,
    Canary,
    Choice,
    ContextFallback,
    Endpoint,
    Gate,
    Plan,
    Timeouts,
    Unplanned,
    WorkloadPlan,
)
from advisor.plan.planner import PlanError, PlanOptions, make_plan, plan_workload
from catalog import Catalog
from probes.targets import ProviderOverride


def resolve_endpoints(
    catalog: Catalog, overrides: Mapping[str, ProviderOverride]
) -> dict[str, Endpoint]:
    """Every provider's endpoint as exports should name it: the catalog's base URL and key
    variable, unless the user's providers file overrides them."""
    out = {}
    for provider in catalog.providers.values():
        override = overrides.get(provider.id)
        out[provider.id] = Endpoint(
            provider=provider.id,
            api=provider.api,
            base_url=(override.base_url if override else None) or provider.base_url,
            key_env=(override.key_env if override else None) or provider.key_env,
            overridden=bool(override and override.base_url),
        )
    return out


__all__ = [
    "Basis",
    "Canary",
    "Choice",
    "ContextFallback",
    "Endpoint",
    "Gate",
    "Plan",
    "PlanError",
    "PlanOptions",
    "Timeouts",
    "Unplanned",
    "WorkloadPlan",
    "make_plan",
    "plan_workload",
    "resolve_endpoints",
]
