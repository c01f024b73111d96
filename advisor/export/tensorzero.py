"""TensorZero `tensorzero.toml`: one function per workload, one variant per share of its
traffic.

The primary (with headroom) are the weighted `candidate_variants` of static experimentation.
TensorZero tries the other candidates when one fails, before any `fallback_variants`, so
fallbacks are no variants: instead each variant's model routes over the primary (or
headroom), then the fallbacks, the degraded last resort and the context fallback in order
(a model's `routing` tries its providers in turn). TensorZero draws candidates by weight,
never by another variant's health, so a sampled canary would keep its share while the
primary is down: the canary is a variant outside the candidates and fallbacks, which the
gateway never picks, served only to requests the application pins to it (`variant_name`);
its model routes over the canary, then the primary's path, so a failed canary request is
answered as the plan says.
TensorZero retries every error, 4xx included, and cannot route by input size, so variants
carry no retries and the header says what that leaves out. Keys are `env::VAR` locations.
TensorZero rejects unknown keys, so provenance goes in comments.
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
    timeouts_of,
    verifier_deployment,
    workload_lines,
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
        notes += workload_lines(wp)
        notes += _canary_lines(wp)
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
    providers: dict[str, list[str]] = {}
    for d in group + ranked:
        section = _provider(wp, d)
        if section is None:
            notes.append(
                f"{wp.name}: {d.choice.key} left out: TensorZero cannot send "
                f"{d.endpoint.provider} requests to {d.endpoint.base_url}"
            )
        else:
            providers[d.name] = section
    if wp.timeouts.retries:
        notes.append(
            f"{wp.name}: the plan's {wp.timeouts.retries} retries are left out: TensorZero "
            "retries every error, 4xx included; each deployment is tried once"
        )
    if ctx:
        notes.append(
            f"{wp.name}: TensorZero cannot route by input size: a long input goes down the "
            f"chain, each deployment refusing it with a 400, until {ctx.choice.key} takes it; "
            f"to skip those round trips, trim inputs above {wp.context.trim_at_tokens:,} tokens"
        )
    out: list[str] = []
    fn = f"functions.{_key(wp.name)}"
    variants: list[Deployment] = []
    for d in group:
        if d.name not in providers:
            continue
        routing = [d, group[0], *ranked] if d.name == "canary" else [d, *ranked]
        kept = [r for r in routing if r.name in providers]
        model = _model_name(wp.name, d)
        out += [f"[models.{_key(model)}]"]
        out += [f"routing = [{', '.join(_str(r.name) for r in kept)}]", ""]
        for r in kept:
            out += [f"# {r.choice.role}: {r.choice.offering.key}: {r.choice.reason}"]
            out += [f"[models.{_key(model)}.providers.{_key(r.name)}]", *providers[r.name], ""]
        variants.append(d)
    out += [f"[{fn}]", 'type = "chat"', ""]
    for d in variants:
        out += [
            f"[{fn}.variants.{_key(d.name)}]",
            'type = "chat_completion"',
            f"model = {_str(_model_name(wp.name, d))}",
            "retries = { num_retries = 0, max_delay_s = 1 }",
            "",
        ]
    sampled = [d for d in variants if d.name != "canary"]
    if not sampled:
        notes.append(f"{wp.name}: no variant left to serve it")
        return out
    total = sum(d.weight or 0.0 for d in sampled) or 1.0
    weights = ", ".join(
        f"{_str(d.name)} = {(d.weight or 1.0) / total if d.weight is not None else 1.0:.4g}"
        for d in sampled
    )
    out += [f"[{fn}.experimentation]", 'type = "static"', f"candidate_variants = {{ {weights} }}"]
    out += ["fallback_variants = []", ""]
    verifier = verifier_deployment(wp, plan)
    section = _provider(wp, verifier) if verifier else None
    if verifier and section:
        model = _model_name(wp.name, verifier)
        vfn = f"functions.{_key(wp.name + '-verifier')}"
        out += [f"[models.{_key(model)}]", f"routing = [{_str(verifier.name)}]", ""]
        out += [f"[models.{_key(model)}.providers.{_key(verifier.name)}]", *section, ""]
        out += [f"# verifier: {verifier.choice.reason}", f"[{vfn}]", 'type = "chat"', ""]
        out += [
            f"[{vfn}.variants.verifier]",
            'type = "chat_completion"',
            f"model = {_str(model)}",
            "",
        ]
    return out


def _canary_lines(wp: WorkloadPlan) -> list[str]:
    """How the application sends the canary its share, and why the gateway cannot."""
    if wp.canary is None:
        return []
    share = f"{wp.canary.weight:.0%}"
    return [
        f"{wp.name}: WARNING: this gateway does not send the canary its share: TensorZero "
        f"draws candidate variants by weight, never by another variant's health, so a sampled "
        f"canary would keep taking {share} of requests while the primary is down. The variant "
        f"`canary` ({wp.canary.choice.key}) is therefore in neither candidate_variants nor "
        f"fallback_variants, and the gateway never picks it by itself. To give it its share, "
        f'the application pins {share} of requests to it (`variant_name = "canary"`), and '
        f"only while the primary answers: after an unpinned request fails, pin none until "
        f"one succeeds again. A pinned request the canary fails goes on down the primary's "
        f"path (its model's routing)"
    ]


def _model_name(workload: str, d: Deployment) -> str:
    return f"{workload}.{d.name}"


def _provider(wp: WorkloadPlan, d: Deployment) -> list[str] | None:
    """The body of one provider section: how to reach the deployment, and its per-attempt
    timeouts."""
    endpoint, offering = d.endpoint, d.choice.offering
    native = NATIVE.get(endpoint.provider)
    if native and (not endpoint.overridden or native in TAKES_API_BASE):
        kind, api_base = native, endpoint.overridden
    elif endpoint.api in WIRE:  # an OpenAI- or Anthropic-wire server at its own address
        kind, api_base = WIRE[endpoint.api], True
    else:
        return None
    out = [f"type = {_str(kind)}", f"model_name = {_str(offering.id)}"]
    if api_base:
        out.append(f"api_base = {_str(endpoint.base_url.rstrip('/') + '/')}")
    key = f"env::{endpoint.key_env}" if endpoint.key_env else "none"
    out += [f"api_key_location = {_str(key)}", _timeouts(d, wp)]
    return out


def _timeouts(d: Deployment, wp: WorkloadPlan) -> str:
    request_s, first_token_s = timeouts_of(wp, d)
    total, ttft = round(1000 * request_s), round(1000 * first_token_s)
    return (
        f"timeouts = {{ non_streaming = {{ total_ms = {total} }}, "
        f"streaming = {{ ttft_ms = {ttft} }} }}"
    )


def _key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (names with dots or slashes)."""
    bare = name.replace("-", "").replace("_", "").isalnum()
    return name if bare else _str(name)


def _str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string
