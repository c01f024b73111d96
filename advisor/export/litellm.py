"""LiteLLM proxy `config.yaml`: one model group per role, fallbacks under `router_settings`.

The workload's own group (its name is the alias applications call) holds the primary and,
weighted with simple-shuffle, any headroom deployment. Each fallback is a group of its own,
so `fallbacks` can order them; the context fallback goes in `context_window_fallbacks`. A
canary is a group of its own too, whose fallback is the workload's group, so a failed canary
request is served down the plan's path and the canary is no fallback of anything; the plugin
the export writes beside the config (advisor.export.litellm_canary) sends it its share of
requests only while the primary's last outcome was a success. Keys are `os.environ/VAR`
references the proxy resolves at load; so is the proxy's master key (MASTER_KEY_ENV),
without which `litellm --config` refuses to start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from advisor.export.common import (
    Deployment,
    chain,
    comment_block,
    context_deployment,
    header_lines,
    integer_weights,
    primary_group,
    timeouts_of,
    verifier_deployment,
    workload_lines,
)
from advisor.plan.model import Plan, WorkloadPlan

# LiteLLM's own provider prefixes; any other OpenAI-compatible server is `openai/` + api_base.
PREFIX = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "gemini",
    "openrouter": "openrouter",
    "groq": "groq",
    "together": "together_ai",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "xai": "xai",
}
WIRE_PREFIX = {
    "openai": "openai",
    "openai-compatible": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
}

MASTER_KEY_ENV = "LITELLM_MASTER_KEY"
"""The variable the proxy's master key is read from; clients send it as their bearer token."""
NO_RETRY = ("BadRequest", "Authentication", "ContentPolicyViolation", "NotFound")
"""LiteLLM's error classes for a 4xx other than 408 and 429: never retried."""
RETRIED = ("Timeout", "RateLimit", "InternalServer", "ServiceUnavailable")

ALLOWED_FAILS = 3
"""Failures in a minute before a deployment cools down, so a dead primary is skipped quickly
instead of retried on every request."""
COOLDOWN_S = 30

PLUGIN_FILE = "advisor_canary.py"
"""The canary plugin's file name beside the config; the proxy imports it from there."""
PLUGIN_CALLBACK = "advisor_canary.canary_gate"
PLUGIN_SOURCE = Path(__file__).with_name("litellm_canary.py")
"""Read as text, never imported here: it imports litellm, which the advisor does not need."""
CANARY_OF, CANARY_WEIGHT, PRIMARY_ID = "canary_of", "canary_weight", "canary_primary_id"
"""The canary deployment's model_info keys the plugin reads (litellm_canary's own names)."""


def render(plan: Plan) -> str:
    """The whole config as YAML text, starting with the header comment."""
    model_list: list[dict[str, Any]] = []
    fallbacks: list[dict[str, list[str]]] = []
    context: list[dict[str, list[str]]] = []
    group_retries: dict[str, int] = {}
    for wp in plan.workloads:
        own = primary_group(wp, plan)
        model_list += _group(wp, wp.name, [d for d in own if d.name != "canary"])
        groups = [wp.name]
        for d in own:
            if d.name == "canary":
                model_list += _canary_group(wp, d)
                # A failed canary request goes down the plan's path, from the primary on;
                # no retry of the canary itself.
                fallbacks.append({canary_group(wp): [wp.name]})
                group_retries[canary_group(wp)] = 0
        names = []
        for d in chain(wp, plan):
            name = f"{wp.name}.{d.name}"
            model_list += _group(wp, name, [d])
            names.append(name)
        if names:
            # A copy: the context and verifier groups appended below are no fallbacks.
            fallbacks.append({wp.name: list(names)})
        ctx = context_deployment(wp, plan)
        if ctx:
            model_list += _group(wp, f"{wp.name}.context", [ctx])
            context.append({wp.name: [f"{wp.name}.context"]})
            names.append(f"{wp.name}.context")
        verifier = verifier_deployment(wp, plan)
        if verifier:
            model_list += _group(wp, f"{wp.name}.verifier", [verifier])
            names.append(f"{wp.name}.verifier")
        for group in groups + names:
            group_retries[group] = wp.timeouts.retries
    retries = max(group_retries.values(), default=0)
    settings: dict[str, Any] = {
        "routing_strategy": "simple-shuffle",
        "num_retries": retries,
        "retry_policy": _retry_policy(retries),
    }
    odd = {g: _retry_policy(n) for g, n in group_retries.items() if n != retries}
    if odd:
        settings["model_group_retry_policy"] = odd
    if any(wp.canary for wp in plan.workloads):
        # Every request tries the primary, so the canary plugin sees each of its outcomes
        # and resumes the canary on the primary's first success after an outage.
        settings["disable_cooldowns"] = True
    else:
        settings["allowed_fails"] = ALLOWED_FAILS
        settings["cooldown_time"] = COOLDOWN_S
    if fallbacks:
        settings["fallbacks"] = fallbacks
    if context:
        settings["context_window_fallbacks"] = context
        settings["enable_pre_call_checks"] = True
    config: dict[str, Any] = {"model_list": model_list, "router_settings": settings}
    if any(wp.canary for wp in plan.workloads):
        config["litellm_settings"] = {"callbacks": [PLUGIN_CALLBACK]}
    config["general_settings"] = {"master_key": f"os.environ/{MASTER_KEY_ENV}"}
    body = yaml.safe_dump(
        config,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return comment_block(_header(plan)) + body


def _retry_policy(retries: int) -> dict[str, int]:
    """Retries on timeouts, 429 and 5xx only: a 4xx other than 408 and 429 fails the same
    way on every attempt."""
    policy = {f"{name}ErrorRetries": 0 for name in NO_RETRY}
    policy |= {f"{name}ErrorRetries": retries for name in RETRIED}
    return policy


def _header(plan: Plan) -> list[str]:
    lines = header_lines(plan, "LiteLLM proxy config")
    lines.append(
        f"start: export {MASTER_KEY_ENV}=sk-... (any secret of yours; the proxy refuses to start "
        f"without one) and the provider key variables below, then `litellm --config FILE`; "
        f"clients send `Authorization: Bearer ${MASTER_KEY_ENV}`"
    )
    canary = any(wp.canary for wp in plan.workloads)
    if canary:
        lines.append(
            f"canary: the plugin {PLUGIN_FILE} (written with this file) must sit beside it: the "
            f"proxy loads it from this file's folder, whatever its working directory "
            f"(litellm_settings.callbacks). Before routing, it sends a request for a workload "
            f"to the workload's canary group for the canary's share (model_info "
            f"{CANARY_WEIGHT}), but only while the primary's last attempt succeeded: none yet, or a failure, suspends the canary until the primary "
            f"answers again, so once a request has found the primary failing, none reaches the "
            f"canary (a request drawn for it before then is answered by the canary; one the "
            f"canary fails goes on to the workload's group)"
        )
        lines.append(
            "cooldowns are off: every request tries the primary, so the plugin sees each of "
            "its outcomes; a dead primary therefore costs each of its requests one failed attempt"
        )
    for wp in plan.workloads:
        lines += workload_lines(wp)
        lines.append(f"{wp.name}: {wp.context.reason}")
    for u in plan.unplanned:
        lines.append(f"{u.workload.name}: not planned: {u.reason}")
    return lines


def canary_group(wp: WorkloadPlan) -> str:
    """The model group of a workload's canary: no alias applications call, the plugin's
    target."""
    return f"{wp.name}.canary"


def _group(wp: WorkloadPlan, name: str, deployments: list[Deployment]) -> list[dict[str, Any]]:
    total = sum(d.weight or 0.0 for d in deployments) or 1.0
    weights = (
        integer_weights([(d.weight or 0.0) / total for d in deployments])
        if len(deployments) > 1
        else [None]
    )
    return [_deployment(wp, name, d, w) for d, w in zip(deployments, weights, strict=True)]


def _canary_group(wp: WorkloadPlan, canary: Deployment) -> list[dict[str, Any]]:
    """The canary alone in its group, its model_info telling the plugin whose share it
    takes, how large, and whose health it waits on."""
    (deployment,) = _group(wp, canary_group(wp), [canary])
    deployment["model_info"] |= {
        CANARY_OF: wp.name,
        CANARY_WEIGHT: round(canary.weight or 0.0, 4),
        PRIMARY_ID: f"{wp.name}:primary",
    }
    return [deployment]


def plugin_source() -> str:
    """The canary plugin's source, as written beside a config with a canary."""
    return PLUGIN_SOURCE.read_text(encoding="utf-8")


def _deployment(wp: WorkloadPlan, group: str, d: Deployment, weight: int | None) -> dict[str, Any]:
    offering, endpoint = d.choice.offering, d.endpoint
    prefix = PREFIX.get(endpoint.provider) or WIRE_PREFIX.get(endpoint.api, "openai")
    request_s, first_token_s = timeouts_of(wp, d)
    params: dict[str, Any] = {
        "model": f"{prefix}/{offering.id}",
        "api_base": _api_base(endpoint.base_url, prefix),
        "api_key": f"os.environ/{endpoint.key_env}" if endpoint.key_env else "none",
        "timeout": request_s,
        "stream_timeout": first_token_s,
        "max_retries": 0,  # the router retries and falls back; the client must not retry too
    }
    if weight is not None:
        params["weight"] = weight
    info: dict[str, Any] = {
        "id": f"{wp.name}:{d.name}",
        "offering": offering.key,
        "role": d.choice.role,
        "reason": d.choice.reason,
    }
    window = offering.limits.input or offering.limits.context
    if window:
        info["max_input_tokens"] = window
    if offering.limits.output:
        info["max_output_tokens"] = offering.limits.output
    return {"model_name": group, "litellm_params": params, "model_info": info}


def _api_base(base_url: str, prefix: str) -> str:
    """LiteLLM appends `v1/messages` to an Anthropic base, so it takes the host root."""
    base = base_url.rstrip("/")
    if prefix == "anthropic":
        return base.removesuffix("/v1")
    return base
