"""Portkey gateway config JSON: per workload, a fallback chain over targets.

The workload's own traffic goes to the first target: the primary, or a loadbalance group of
the primary, headroom and canary weighted by share. The canary's share is a gate: a fallback
branch on status 200 that sends each canary request to the primary first and on to the
canary only if the primary answered, so a primary that is down takes the canary's share down
with it and no request reaches the canary during the outage. Fallbacks follow in order on 408 (the
gateway's own timeout), 429 and 5xx. JSON has no comments, so the file carries an `advisor`
object with what a header would say (`missing`: what Portkey cannot express, and what to do
instead), and `configs` with one config per workload: send one as the `x-portkey-config`
header. Portkey cannot route by input size, so a workload with a context fallback also gets
a `long_input_configs` entry, for the application to send with inputs above the trim size. Keys are written as `${VAR}` placeholders: substitute them
(e.g. with envsubst) or replace them with virtual keys; no key value is ever written.
"""

from __future__ import annotations

import json
from typing import Any

from advisor.export.common import (
    TRANSIENT_STATUSES,
    Deployment,
    chain,
    context_deployment,
    header_lines,
    primary_group,
    timeouts_of,
    workload_lines,
)
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
FALLBACK_ON = list(TRANSIENT_STATUSES)
CANARY_CHECK = "primary-check"
"""The target that sends a canary request to the primary first (its answer is dropped)."""
RETRY_ON = list(TRANSIENT_STATUSES)
MAX_ATTEMPTS = 5
"""Portkey documents at most five retry attempts."""


STREAMING_BUG = (
    "streaming: the Portkey gateway 1.15.2 (npm) answers every streamed request with HTTP 500 "
    "(`TypeError: immutable` in its log), whatever the config: send `stream: false` through it, "
    "or stream through another gateway"
)
"""Seen with 1.15.2 and any config, ours or one written by hand (docs/gateways.md)."""


def render(plan: Plan) -> str:
    """The configs of every workload as one JSON document."""
    about = header_lines(plan, "Portkey gateway configs")
    missing = [STREAMING_BUG]
    if any(wp.canary for wp in plan.workloads):
        missing.append("canary gates: Portkey does not evaluate them; watch them yourself")
    long_input: dict[str, Any] = {}
    for wp in plan.workloads:
        about += workload_lines(wp) + _gate_lines(wp)
        ctx = context_deployment(wp, plan)
        if ctx:
            long_input[wp.name] = _single(ctx, wp)
            missing.append(
                f"{wp.name}: Portkey cannot route by input size: send inputs above "
                f"{wp.context.trim_at_tokens:,} tokens with long_input_configs[{wp.name!r}] "
                f"({ctx.choice.key}), or trim them there"
            )
        else:
            about.append(f"{wp.name}: {wp.context.reason}")
        if wp.verifier:
            missing.append(f"{wp.name}: the verifier ({wp.verifier.key}) is the application's call")
    doc: dict[str, Any] = {
        "advisor": {"about": about, "missing": missing, **_meta(plan)},
        "configs": {wp.name: config(wp, plan) for wp in plan.workloads},
    }
    if long_input:
        doc["long_input_configs"] = long_input
    if plan.unplanned:
        doc["advisor"]["unplanned"] = {u.workload.name: u.reason for u in plan.unplanned}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _single(d: Deployment, wp: WorkloadPlan) -> dict[str, Any]:
    """A config with one target, e.g. for the context fallback."""
    return {"strategy": {"mode": "single"}, **_limits(wp), "targets": [_target(d, wp)]}


def _limits(wp: WorkloadPlan) -> dict[str, Any]:
    out: dict[str, Any] = {"request_timeout": round(1000 * wp.timeouts.request_s)}
    if wp.timeouts.retries:  # `attempts` counts retries after the first try
        out["retry"] = {
            "attempts": min(MAX_ATTEMPTS, wp.timeouts.retries),
            "on_status_codes": RETRY_ON,
            "use_retry_after_header": True,
        }
    return out


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
            "targets": [_canary_gate(d, group[0], wp) for d in group],
        }
    targets = [first] + [_target(d, wp) for d in chain(wp, plan)]
    return {
        "strategy": {"mode": "fallback", "on_status_codes": FALLBACK_ON},
        **_limits(wp),
        "targets": targets,
    }


def _gate_lines(wp: WorkloadPlan) -> list[str]:
    """What the canary gate costs, and how to do without it."""
    if wp.canary is None:
        return []
    return [
        f"{wp.name}: the canary's share is a gate (`canary-gate`): each of its requests goes to "
        f"the primary first, whose answer is dropped, and on to {wp.canary.choice.key} only if "
        "the primary answered, so while the primary is down the canary takes none and every "
        "request goes down the fallback chain. The price: one primary request more per canary "
        "request, and the primary's time before the canary's (judge the canary's latency gates "
        "on the gateway's per-target latency, not on what clients see). To give the canary "
        "its share unconditionally, replace the gate with its last target and the gate's weight"
    ]


def _canary_gate(d: Deployment, primary: Deployment, wp: WorkloadPlan) -> dict[str, Any]:
    """The canary's share as a branch that sends each of its requests to the primary first
    and on to the canary only when the primary answered (`on_status_codes: [200]`): while the
    primary fails, the branch fails with it and its requests go down the fallback chain, so
    the canary takes none. Any other deployment is its own target."""
    if d.choice.role != "canary":
        return _target(d, wp)
    check = _target(primary, wp) | {"name": CANARY_CHECK}
    check.pop("weight", None)
    canary = _target(d, wp)
    canary.pop("weight", None)
    return {
        "name": "canary-gate",
        "strategy": {"mode": "fallback", "on_status_codes": [200]},
        "weight": round(d.weight or 0.0, 4),
        "targets": [check, canary],
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
    request_s, _ = timeouts_of(wp, d)
    if request_s != wp.timeouts.request_s:  # the config's own applies to the others
        target["request_timeout"] = round(1000 * request_s)
    target["override_params"] = {"model": offering.id}
    return target
