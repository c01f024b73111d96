"""Portkey gateway config JSON: per workload, a fallback chain over targets.

The workload's own traffic goes to the first target: the primary, or a loadbalance group of
the primary, headroom and canary weighted by share. Fallbacks follow in order on 408 (the
gateway's own timeout), 429 and 5xx. JSON has no comments, so the file carries an `advisor`
object with what a header would say, and `configs` with one config per workload: send one as
the `x-portkey-config` header. Keys are written as `${VAR}` placeholders: substitute them
(e.g. with envsubst) or replace them with virtual keys; no key value is ever written.
"""

from __future__ import annotations

import json
from typing import Any

from advisor.export.common import Deployment, chain, header_lines, primary_group
from advisor.plan.model import Plan, WorkloadPlan

# Portkey provider slugs for catalog providers it knows; any other OpenAI-compatible server
# is provider "openai" with a custom_host.
PROVIDER = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "openrouter": "openrouter",
    "groq": "groq",
    "together": "together-ai",
    "deepseek": "deepseek",
    "mistral": "mistral-ai",
    "xai": "x-ai",
}
WIRE = {
    "openai": "openai",
    "openai-compatible": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
}
FALLBACK_ON = [408, 429, 500, 502, 503, 504]
RETRY_ON = [429, 500, 502, 503, 504]
MAX_ATTEMPTS = 5
"""Portkey documents at most five retry attempts."""


def render(plan: Plan) -> str:
    """The configs of every workload as one JSON document."""
    doc = {
        "advisor": {"about": header_lines(plan, "Portkey gateway configs"), **_meta(plan)},
        "configs": {wp.name: config(wp, plan) for wp in plan.workloads},
    }
    if plan.unplanned:
        doc["advisor"]["unplanned"] = {u.workload.name: u.reason for u in plan.unplanned}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _meta(plan: Plan) -> dict[str, Any]:
    return {
        "version": plan.version,
        "catalog_checked": plan.catalog_checked.isoformat() if plan.catalog_checked else None,
        "run_id": plan.run_id,
        "simulated": plan.simulated,
    }


def config(wp: WorkloadPlan, plan: Plan) -> dict[str, Any]:
    """One workload's config, as the gateway takes it in `x-portkey-config`."""
    group = primary_group(wp, plan)
    first: dict[str, Any]
    if len(group) == 1:
        first = _target(group[0], wp)
    else:
        first = {
            "name": "primary-group",
            "strategy": {"mode": "loadbalance"},
            "targets": [_target(d, wp) for d in group],
        }
    targets = [first] + [_target(d, wp) for d in chain(wp, plan)]
    return {
        "strategy": {"mode": "fallback", "on_status_codes": FALLBACK_ON},
        "retry": {
            "attempts": min(MAX_ATTEMPTS, wp.timeouts.retries),
            "on_status_codes": RETRY_ON,
            "use_retry_after_header": True,
        },
        "request_timeout": int(1000 * wp.timeouts.request_s),
        "targets": targets,
    }


def _target(d: Deployment, wp: WorkloadPlan) -> dict[str, Any]:
    endpoint, offering = d.endpoint, d.choice.offering
    native = PROVIDER.get(endpoint.provider)
    target: dict[str, Any] = {
        "name": d.name,
        "provider": native
        if native and not endpoint.overridden
        else WIRE.get(endpoint.api, "openai"),
    }
    if endpoint.overridden or native is None:
        target["custom_host"] = endpoint.base_url.rstrip("/")
    if endpoint.key_env:
        target["api_key"] = "${" + endpoint.key_env + "}"
    if d.weight is not None:
        target["weight"] = round(d.weight, 4)
    if d.choice.timeout_s:
        target["request_timeout"] = int(1000 * d.choice.timeout_s)
    target["override_params"] = {"model": offering.id}
    return target
