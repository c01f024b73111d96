"""OpenRouter request fragment: per workload, `models` (at most three, in fallback order) and
`provider` preferences, to merge into each chat request (e.g. the OpenAI SDK's `extra_body`).

OpenRouter names models by its own slugs, so each choice is mapped to an OpenRouter offering
of the same model in the catalog; choices OpenRouter does not serve are left out, with a note.
"""

from __future__ import annotations

import json
from typing import Any

from advisor.export.common import header_lines
from advisor.plan.model import Plan, WorkloadPlan
from catalog import Catalog, Offering

MAX_MODELS = 3
"""OpenRouter refuses a `models` list longer than this."""
PROVIDER_FIELDS = frozenset(
    {
        "order",
        "allow_fallbacks",
        "require_parameters",
        "data_collection",
        "zdr",
        "enforce_distillable_text",
        "only",
        "ignore",
        "quantizations",
        "sort",
        "preferred_min_throughput",
        "preferred_max_latency",
        "max_price",
    }
)
"""Every field OpenRouter documents under `provider`."""
UPSTREAM = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google-ai-studio",
    "groq": "groq",
    "together": "together",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "xai": "xai",
}
"""OpenRouter's slugs for the providers our catalog reaches directly."""


def render(plan: Plan, catalog: Catalog) -> str:
    """Fragments for every workload as one JSON document."""
    workloads: dict[str, Any] = {}
    notes: dict[str, list[str]] = {}
    for wp in plan.workloads:
        fragment, left_out = fragment_for(wp, catalog)
        if fragment:
            workloads[wp.name] = fragment
        if left_out:
            notes[wp.name] = left_out
    doc: dict[str, Any] = {
        "advisor": {"about": header_lines(plan, "OpenRouter request fragments")},
        "workloads": workloads,
    }
    if notes:
        doc["advisor"]["left_out"] = notes
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def fragment_for(wp: WorkloadPlan, catalog: Catalog) -> tuple[dict[str, Any] | None, list[str]]:
    """The request fragment for one workload, and what could not be expressed."""
    routed = [c for c in (wp.primary, *wp.fallbacks, wp.context.choice, wp.degraded) if c]
    models: list[str] = []
    left_out: list[str] = []
    upstream: list[str] = []
    for choice in routed:
        slug = _slug(choice.offering, catalog)
        if slug is None:
            left_out.append(f"{choice.key}: OpenRouter does not serve {choice.offering.model}")
            continue
        if slug in models:
            continue
        if len(models) == MAX_MODELS:
            left_out.append(f"{choice.key}: beyond OpenRouter's {MAX_MODELS}-model limit")
            continue
        models.append(slug)
        host = UPSTREAM.get(choice.offering.provider)
        if host and host not in upstream:
            upstream.append(host)
    if not models:
        return None, left_out
    w = wp.workload
    provider: dict[str, Any] = {"allow_fallbacks": True}
    if upstream:
        provider["order"] = upstream
    if w.structured_output != "none" or w.tool_calling:
        provider["require_parameters"] = True
    if w.data.zero_retention:
        provider["data_collection"] = "deny"
        provider["zdr"] = True
    if w.latency.ttft_p95_ms is not None:
        provider["sort"] = "latency"
    assert set(provider) <= PROVIDER_FIELDS
    return {"model": models[0], "models": models, "provider": provider}, left_out


def _slug(offering: Offering, catalog: Catalog) -> str | None:
    if offering.provider == "openrouter":
        return offering.id
    same = [
        o
        for o in catalog.offerings
        if o.provider == "openrouter"
        and o.model == offering.model
        and not o.free
        and o.lifecycle.status in ("active", "preview")
    ]
    return same[0].id if same else None
