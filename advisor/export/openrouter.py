"""OpenRouter request bodies: per workload, under `requests`, a chat request body holding
`model`, `models` (at most three, in fallback order) and `provider` preferences, and nothing
else: add the `messages` and send it as is (or pass all but `model` as the OpenAI SDK's
`extra_body`). The advisor's own notes are kept apart, under `advisor`, and name every
workload: one OpenRouter cannot serve is listed under `advisor.absent` with why and what to
do instead.

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


BODY_FIELDS = frozenset({"model", "models", "provider"})
"""The only fields a body carries: OpenRouter request fields, none of the advisor's."""


def render(plan: Plan, catalog: Catalog) -> str:
    """Request bodies for every workload as one JSON document, the advisor's notes apart."""
    requests: dict[str, Any] = {}
    notes: dict[str, list[str]] = {}
    absent: dict[str, str] = {}
    about = header_lines(plan, "OpenRouter request bodies")
    about.append(
        "requests.<workload> is a chat request body: add `messages` and POST it to OpenRouter's "
        "chat completions endpoint as is; OpenRouter tries `models` in order on any error"
    )
    for wp in plan.workloads:
        fragment, left_out = fragment_for(wp, catalog)
        if fragment:
            requests[wp.name] = fragment
        else:
            absent[wp.name] = (
                "OpenRouter serves none of its planned offerings ("
                + ", ".join(c.key for c in wp.choices())
                + "): route it with the LiteLLM, TensorZero or Portkey export, or add an "
                "OpenRouter offering of one of these models to the catalog and plan again"
            )
        if left_out:
            notes[wp.name] = left_out
        if fragment and wp.canary:
            notes.setdefault(wp.name, []).append(
                f"canary {wp.canary.choice.key} left out: OpenRouter has no weighted split; "
                "send its share of requests with its own body"
            )
        if fragment:
            notes.setdefault(wp.name, []).append(
                f"timeouts: a request body takes none; set your client's timeout "
                f"({wp.timeouts.summary()})"
            )
        if fragment and wp.context.choice:
            notes.setdefault(wp.name, []).append(
                f"context fallback: OpenRouter falls back on context-length errors by itself; "
                f"trim inputs above {wp.context.trim_at_tokens:,} tokens"
            )
    for u in plan.unplanned:
        absent[u.workload.name] = f"not planned: {u.reason}"
    advisor: dict[str, Any] = {"about": about}
    if notes:
        advisor["left_out"] = notes
    if absent:
        advisor["absent"] = absent
    doc: dict[str, Any] = {"advisor": advisor, "requests": requests}
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
    body = {"model": models[0], "models": models, "provider": provider}
    assert set(body) <= BODY_FIELDS
    return body, left_out


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
