"""TensorZero `tensorzero.toml`: one function per workload, one variant per choice.

The primary (with headroom and canary) are `candidate_variants` of static experimentation,
weighted; fallbacks, the degraded last resort and the context fallback are ranked
`fallback_variants`, tried in order once the candidates fail (TensorZero has no separate
context-window fallback: any error falls through). Keys are `env::VAR` locations. TensorZero
rejects unknown keys, so provenance goes in comments.
"""

from __future__ import annotations

import json

from advisor.export.common import (
    Deployment,
    chain,
    comment_block,
    context_deployment,
    header_lines,
    primary_group,
    verifier_deployment,
)
from advisor.plan.model import Plan, WorkloadPlan

# TensorZero provider types for catalog providers it knows natively; any other
# OpenAI-compatible server is type "openai" with an api_base.
NATIVE = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google_ai_studio_gemini",
    "openrouter": "openrouter",
    "groq": "groq",
    "together": "together",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "xai": "xai",
}
WIRE = {"openai": "openai", "openai-compatible": "openai", "anthropic": "anthropic"}
TAKES_API_BASE = {"openai", "anthropic"}
"""Provider types whose base URL can be set (others always call the provider's own)."""


def render(plan: Plan) -> str:
    """The whole config as TOML text, starting with the header comment."""
    lines: list[str] = []
    notes = header_lines(plan, "TensorZero config")
    for wp in plan.workloads:
        lines += _function(wp, plan, notes)
    for u in plan.unplanned:
        notes.append(f"{u.workload.name}: not planned: {u.reason}")
    return comment_block(notes) + "\n".join(lines)


def _function(wp: WorkloadPlan, plan: Plan, notes: list[str]) -> list[str]:
    group = primary_group(wp, plan)
    ranked = chain(wp, plan)
    ctx = context_deployment(wp, plan)
    if ctx and ctx.choice.key not in {d.choice.key for d in group + ranked}:
        ranked.append(ctx)
    out: list[str] = []
    variants: list[tuple[Deployment, str]] = []
    for d in group + ranked:
        model = _model_name(wp.name, d)
        section = _model(model, d, wp)
        if section is None:
            notes.append(
                f"{wp.name}: {d.choice.key} left out: TensorZero cannot send "
                f"{d.endpoint.provider} requests to {d.endpoint.base_url}"
            )
            continue
        out += section
        variants.append((d, model))
    kept = {d.name for d, _ in variants}
    fn = f"functions.{_key(wp.name)}"
    out += [f"[{fn}]", 'type = "chat"', ""]
    for d, model in variants:
        out += [f"# {d.choice.role}: {d.choice.offering.key}: {d.choice.reason}"]
        out += [
            f"[{fn}.variants.{_key(d.name)}]",
            'type = "chat_completion"',
            f"model = {_str(model)}",
        ]
        out += [f"retries = {{ num_retries = {wp.timeouts.retries}, max_delay_s = 10 }}"]
        out += [_timeouts(d, wp), ""]
    candidates = [d for d in group if d.name in kept]
    fallbacks = [d.name for d in ranked if d.name in kept]
    if not candidates:
        notes.append(f"{wp.name}: no variant left to serve it")
        return out
    weights = ", ".join(
        f"{_str(d.name)} = {d.weight if d.weight is not None else 1.0:.4g}" for d in candidates
    )
    out += [f"[{fn}.experimentation]", 'type = "static"', f"candidate_variants = {{ {weights} }}"]
    out += [f"fallback_variants = [{', '.join(_str(n) for n in fallbacks)}]", ""]
    if wp.canary:
        gates = "; ".join(str(g) for g in wp.canary.gates)
        out.insert(len(out) - 4, f"# canary gates: {gates}. {wp.canary.rollback}")
    verifier = verifier_deployment(wp, plan)
    if verifier:
        model = _model_name(wp.name, verifier)
        section = _model(model, verifier, wp)
        if section:
            vfn = f"functions.{_key(wp.name + '-verifier')}"
            out += section + [
                f"# verifier: {verifier.choice.reason}",
                f"[{vfn}]",
                'type = "chat"',
                "",
            ]
            out += [
                f"[{vfn}.variants.verifier]",
                'type = "chat_completion"',
                f"model = {_str(model)}",
                "",
            ]
    return out


def _model_name(workload: str, d: Deployment) -> str:
    return f"{workload}.{d.name}"


def _model(name: str, d: Deployment, wp: WorkloadPlan) -> list[str] | None:
    endpoint, offering = d.endpoint, d.choice.offering
    native = NATIVE.get(endpoint.provider)
    if native and (not endpoint.overridden or native in TAKES_API_BASE):
        kind, api_base = native, endpoint.overridden
    elif endpoint.api in WIRE:  # an OpenAI- or Anthropic-wire server at its own address
        kind, api_base = WIRE[endpoint.api], True
    else:
        return None
    section = f"models.{_key(name)}.providers.{_key(endpoint.provider)}"
    out = [f"[models.{_key(name)}]", f"routing = [{_str(endpoint.provider)}]", "", f"[{section}]"]
    out += [f"type = {_str(kind)}", f"model_name = {_str(offering.id)}"]
    if api_base:
        out.append(f"api_base = {_str(endpoint.base_url.rstrip('/') + '/')}")
    key = f"env::{endpoint.key_env}" if endpoint.key_env else "none"
    out += [f"api_key_location = {_str(key)}", ""]
    return out


def _timeouts(d: Deployment, wp: WorkloadPlan) -> str:
    total = int(1000 * (d.choice.timeout_s or wp.timeouts.request_s))
    ttft = int(
        1000 * min(d.choice.timeout_s or wp.timeouts.first_token_s, wp.timeouts.first_token_s)
    )
    return (
        f"timeouts = {{ non_streaming = {{ total_ms = {total} }}, "
        f"streaming = {{ ttft_ms = {ttft}, total_ms = {total} }} }}"
    )


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (names with dots or slashes)."""
    bare = name.replace("-", "").replace("_", "").isalnum()
    return name if bare else _str(name)


def _str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string
