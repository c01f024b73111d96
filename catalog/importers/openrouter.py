"""Import an OpenRouter `GET /api/v1/models` response: `{"data": [model, ...]}`.

All models are offerings of one provider, `openrouter`. What we read, and how:

- Prices are decimal strings in USD per token and become USD per 1M; `"-1"` means
  variable (the router pseudo-models) and stays unknown.
- `top_provider.context_length` (else `context_length`) is the context window;
  `top_provider.max_completion_tokens` the output limit, unknown when null (never the
  context, which is how output == context errors spread).
- `supported_parameters` is OpenRouter's complete list for the model (the union over its
  hosts), so a parameter it leaves out is one OpenRouter does not pass on: `tools`,
  `tool_choice`, `structured_outputs` (JSON Schema), `response_format` (JSON mode), `seed`,
  `temperature` and `reasoning` are true when listed and false when not. An empty or missing
  list leaves all of them unknown. Other capabilities are only ever set to true.
- `:free` variants are offerings of their own (`free: true`), with their own limits.
- `expiration_date` is the day the model leaves OpenRouter: a shutdown date.
- `~vendor/...` moving aliases and `openrouter/...` routers are not models and are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from catalog.importers.base import (
    Notes,
    ShapeError,
    Skip,
    Snapshot,
    SourceInfo,
    canonical_model,
    checked_limits,
    dedupe,
    iso_date,
    limits_block,
    make_source,
    mapping,
    modality_list,
    month_or_day,
    per_million,
    positive_int,
    under_ceiling,
    valid_model_id,
)
from catalog.importers.families import family_of
from catalog.importers.providers import KNOWN_PROVIDERS
from catalog.schema import (
    Capabilities,
    Determinism,
    Lifecycle,
    Modalities,
    Offering,
    Pricing,
    Reasoning,
    StructuredOutput,
)

NAME = "openrouter"
PROVIDER = "openrouter"
REF_PREFIX = "OpenRouter /api/v1/models"
"""Every ref this importer writes starts so (as do the bundled catalog's OpenRouter refs)."""

TOKEN_PRICES = {
    "prompt": "input",
    "completion": "output",
    "input_cache_read": "cache_read",
    "input_cache_write": "cache_write",
    "internal_reasoning": "reasoning",
    "audio": "input_audio",
}
"""OpenRouter per-token price keys → our per-1M pricing fields."""

# `image` is left out: the snapshot's values equal the per-token prompt price (e.g. Gemini 3.1
# Pro 0.000002), so it is a price per image token, which the schema has no field for.


def ref(info: SourceInfo, model_id: str) -> str:
    """E.g. 'OpenRouter /api/v1/models snapshot 2026-05-15 "openai/gpt-4o"'."""
    return f'{REF_PREFIX} snapshot {info.version} "{model_id}"'


def newest_date(data: Any) -> str | None:
    """The day the newest model was added: a lower bound of the response's date."""
    models = data.get("data") if isinstance(data, dict) else None
    stamps = [
        m["created"]
        for m in (models if isinstance(models, list) else [])
        if isinstance(m, dict) and isinstance(m.get("created"), int | float)
    ]
    if not stamps:
        return None
    return dt.datetime.fromtimestamp(max(stamps), tz=dt.UTC).date().isoformat()


def convert(data: Any, info: SourceInfo) -> Snapshot:
    """Map a parsed `/api/v1/models` response to offerings. Raises ShapeError otherwise."""
    models = data.get("data") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise ShapeError("data", "an OpenRouter /api/v1/models response: {'data': [model, ...]}")
    skipped: list[Skip] = []
    offerings: list[Offering] = []
    for index, model in enumerate(models):
        model_id = model.get("id") if isinstance(model, dict) else None
        if not isinstance(model_id, str):
            skipped.append(Skip(f"data[{index}]", "no model id"))
        elif model_id.startswith("~"):
            skipped.append(Skip(model_id, "a moving alias: pin the model it points to"))
        elif model_id.startswith("openrouter/"):
            skipped.append(Skip(model_id, "a router, not a model"))
        elif not valid_model_id(model_id):
            skipped.append(Skip(model_id, "the model id is empty or has whitespace"))
        else:
            assert isinstance(model, dict)
            offerings.append(_offering(model_id, model, info))
    return Snapshot(
        info=info,
        offerings=dedupe(offerings, skipped),
        providers={PROVIDER: KNOWN_PROVIDERS[PROVIDER]},
        skipped=tuple(skipped),
        entries=len(models),
        source_providers={PROVIDER: PROVIDER},
    )


def _offering(model_id: str, model: Mapping[str, Any], info: SourceInfo) -> Offering:
    where = ref(info, model_id)
    top = mapping(model.get("top_provider"))
    notes = Notes()
    context = positive_int(top.get("context_length")) or positive_int(model.get("context_length"))
    output = positive_int(top.get("max_completion_tokens"))
    limits = checked_limits(context, output, "OpenRouter", notes)
    params = model.get("supported_parameters")
    params_list = [p for p in params if isinstance(p, str)] if isinstance(params, list) else []
    fields: dict[str, Any] = {
        "id": model_id,
        "provider": PROVIDER,
        "model": canonical_model(PROVIDER, model_id),
        "name": _name(model.get("name"), model_id),
        **({"family": family} if (family := family_of(model_id)) else {}),
        "limits": limits_block(limits, make_source(info, where, notes)),
        "capabilities": _capabilities(params_list, model.get("reasoning")),
    }
    if params_list:
        fields["determinism"] = Determinism(
            temperature="temperature" in params_list, seed="seed" in params_list
        )
    architecture = model.get("architecture")
    if isinstance(architecture, dict):
        inputs = modality_list(architecture.get("input_modalities") or [])
        outputs = modality_list(architecture.get("output_modalities") or [])
        fields["modalities"] = Modalities(input=inputs or ["text"], output=outputs or ["text"])
    if model.get("hugging_face_id"):
        fields["open_weights"] = True  # published weights; no id does not mean closed
    cutoff = month_or_day(model.get("knowledge_cutoff"))
    if cutoff:
        fields["knowledge_cutoff"] = cutoff
    pricing = _pricing(model.get("pricing"), info, where)
    if pricing is not None:
        fields["pricing"] = pricing
    if model_id.endswith(":free") and (pricing is None or not (pricing.input or pricing.output)):
        fields["free"] = True
    shutdown = iso_date(model.get("expiration_date"))
    if shutdown is not None:
        fields["lifecycle"] = Lifecycle(
            status="deprecated",  # retired from the date on (catalog.lifecycle)
            shutdown_date=shutdown,
            source=make_source(info, where, _expiration_note()),
        )
    return Offering(**fields)


def _expiration_note() -> Notes:
    notes = Notes()
    notes.add("expiration_date: the day the model leaves OpenRouter")
    return notes


def _name(value: Any, model_id: str) -> str:
    """'Meta: Llama 3.3 70B Instruct' → 'Llama 3.3 70B Instruct'."""
    if not isinstance(value, str) or not value.strip():
        return model_id
    _, sep, rest = value.partition(": ")
    return rest.strip() if sep and rest.strip() else value.strip()


def _capabilities(params: list[str], reasoning: Any) -> Capabilities:
    if not params:
        return Capabilities()
    fields: dict[str, Any] = {
        "tool_calling": "tools" in params,
        "tool_choice": "tool_choice" in params,
        "structured_output": StructuredOutput(
            json_schema="structured_outputs" in params, json_mode="response_format" in params
        ),
    }
    if "parallel_tool_calls" in params:
        fields["parallel_tool_calls"] = True
    if "web_search_options" in params:
        fields["web_search"] = True
    supported = "reasoning" in params or "include_reasoning" in params
    details: dict[str, Any] = {"supported": supported}
    if supported and isinstance(reasoning, dict):
        efforts = reasoning.get("supported_efforts")
        if isinstance(efforts, list):
            values = [e for e in efforts if isinstance(e, str)]
            if reasoning.get("mandatory") is True:
                values = [e for e in values if e != "none"]
            if values:
                details["effort"] = values
        if isinstance(reasoning.get("mandatory"), bool):
            details["always_on"] = reasoning["mandatory"]
    fields["reasoning"] = Reasoning(**details)
    return Capabilities(**fields)


def _pricing(prices: Any, info: SourceInfo, where: str) -> Pricing | None:
    if not isinstance(prices, dict):
        return None
    notes = Notes()
    per_token = {
        ours: value
        for theirs, ours in TOKEN_PRICES.items()
        if (value := per_million(prices.get(theirs), per_token=True)) is not None
    }
    fields: dict[str, Any] = under_ceiling(per_token, "OpenRouter", notes)
    variable = [k for k in ("prompt", "completion") if str(prices.get(k, "")).startswith("-")]
    if variable:
        notes.add(f"OpenRouter gives a variable price for {', '.join(variable)}")
    if not fields:
        return None
    return Pricing(source=make_source(info, where, notes), **fields)
