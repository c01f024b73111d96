"""Import models.dev's `api.json`: providers, each with its models keyed by the provider's ids.

What we read, and how:

- Offerings are `(provider, model id)` pairs; ids are the provider's own.
- `cost` is already USD per 1M. `cost.tiers` (type `context`) become context tiers; the legacy
  `context_over_200k` is used only when there are no tiers. Unknown cost keys (models.dev's
  own schema silently drops typos such as `cache_input`) are reported, not guessed at.
- `structured_output` and `temperature` are optional in models.dev: absent means undeclared,
  so they stay unknown. `tool_call`, `reasoning` and `open_weights` are required there and
  taken as stated.
- `status: deprecated` means "no longer served by the provider's public API"; it becomes
  `deprecated` with that meaning in the note (models.dev gives no shutdown date to retire it
  with). `alpha` and `beta` become `preview`.
- A provider block comes from models.dev only for hosts it gives a base URL for (`api`) and
  whose SDK speaks a wire API we speak; otherwise from the known-provider table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from catalog.importers.base import (
    Notes,
    ShapeError,
    Skip,
    Snapshot,
    SourceInfo,
    canonical_model,
    checked_limits,
    checked_tiers,
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
from catalog.importers.providers import KNOWN_PROVIDERS, our_provider_id
from catalog.schema import (
    ENV_VAR,
    BudgetTokens,
    Capabilities,
    Determinism,
    Lifecycle,
    Modalities,
    Offering,
    PriceTier,
    Pricing,
    Provider,
    Reasoning,
    StructuredOutput,
)

NAME = "models.dev"
REF_PREFIX = "models.dev"
"""Every ref this importer writes starts so (as do the bundled catalog's models.dev refs)."""

COST_FIELDS = {
    "input": "input",
    "output": "output",
    "cache_read": "cache_read",
    "cache_write": "cache_write",
    "reasoning": "reasoning",
    "input_audio": "input_audio",
}
"""models.dev cost keys → our pricing fields."""

KNOWN_COST_KEYS = frozenset({*COST_FIELDS, "output_audio", "tiers", "context_over_200k"})

WIRE_APIS = {
    "@ai-sdk/openai-compatible": "openai-compatible",
    "@openrouter/ai-sdk-provider": "openai-compatible",
    "@ai-sdk/openai": "openai",
    "@ai-sdk/anthropic": "anthropic",
}
"""models.dev's SDK package per provider → the wire API it speaks, where we speak it too."""


def ref(info: SourceInfo, provider: str, model_id: str) -> str:
    """E.g. 'models.dev@f3fc692 api.json "openai/gpt-4o"'."""
    return f'{REF_PREFIX}@{info.version} {info.file} "{provider}/{model_id}"'


def newest_date(data: Any) -> str | None:
    """The newest `last_updated` date in the file: a lower bound of its build date."""
    dates = [
        m.get("last_updated")
        for p in (data.values() if isinstance(data, dict) else [])
        if isinstance(p, dict) and isinstance(p.get("models"), dict)
        for m in p["models"].values()
        if isinstance(m, dict)
    ]
    valid = [d.isoformat() for d in map(iso_date, dates) if d is not None]
    return max(valid, default=None)


def convert(data: Any, info: SourceInfo) -> Snapshot:
    """Map a parsed api.json to offerings. Raises ShapeError for another document."""
    if not isinstance(data, dict) or not any(
        isinstance(p, dict) and isinstance(p.get("models"), dict) for p in data.values()
    ):
        raise ShapeError("", "a models.dev api.json: an object of providers with 'models'")
    skipped: list[Skip] = []
    offerings: list[Offering] = []
    providers: dict[str, Provider] = {}
    source_providers: dict[str, str] = {}
    entries = 0
    for source_id, record in data.items():
        models = record.get("models") if isinstance(record, dict) else None
        if not isinstance(models, dict):
            skipped.append(Skip(source_id, "not a provider with models"))
            continue
        provider = our_provider_id(NAME, source_id)
        source_providers[source_id] = provider
        block = _provider(provider, record)
        if block is not None:
            providers[provider] = block
        for model_id, model in models.items():
            entries += 1
            key = f"{source_id}/{model_id}"
            if not isinstance(model, dict):
                skipped.append(Skip(key, "not an object"))
            elif not valid_model_id(model_id):
                skipped.append(Skip(key, "the model id is empty or has whitespace"))
            else:
                offerings.append(_offering(source_id, provider, model_id, model, info))
    return Snapshot(
        info=info,
        offerings=dedupe(offerings, skipped),
        providers=providers,
        skipped=tuple(skipped),
        entries=entries,
        source_providers=source_providers,
    )


def _provider(provider: str, record: Mapping[str, Any]) -> Provider | None:
    if provider in KNOWN_PROVIDERS:
        return KNOWN_PROVIDERS[provider]
    api = WIRE_APIS.get(str(record.get("npm")))
    base_url = record.get("api")
    if api is None or not isinstance(base_url, str) or not base_url.startswith("http"):
        return None
    env = [e for e in record.get("env") or [] if isinstance(e, str) and re.match(ENV_VAR, e)]
    fields: dict[str, Any] = {
        "id": provider,
        "name": str(record.get("name") or provider),
        "api": api,
        "base_url": base_url.rstrip("/"),
    }
    if env:
        fields["key_env"] = env[0]
    if isinstance(record.get("doc"), str):
        fields["docs"] = record["doc"]
    try:
        return Provider.model_validate(fields)
    except ValidationError:
        return None  # e.g. an id that is not a valid slug: such a provider is left out


def _offering(
    source_id: str, provider: str, model_id: str, model: Mapping[str, Any], info: SourceInfo
) -> Offering:
    where = ref(info, source_id, model_id)
    limit = mapping(model.get("limit"))
    notes = Notes()
    context = positive_int(limit.get("context"))
    values = checked_limits(
        context,
        positive_int(limit.get("output")),
        "models.dev",
        notes,
        input_cap=positive_int(limit.get("input")),
    )
    fields: dict[str, Any] = {
        "id": model_id,
        "provider": provider,
        "model": canonical_model(provider, model_id),
        "name": str(model.get("name") or model_id),
        "limits": limits_block(values, make_source(info, where, notes)),
        "capabilities": _capabilities(model),
    }
    if isinstance(model.get("family"), str) and model["family"]:
        fields["family"] = model["family"]
    elif family := family_of(model_id):
        fields["family"] = family
    if isinstance(model.get("open_weights"), bool):
        fields["open_weights"] = model["open_weights"]
    cutoff = month_or_day(model.get("knowledge"))
    if cutoff:
        fields["knowledge_cutoff"] = cutoff
    modalities = model.get("modalities")
    if isinstance(modalities, dict):
        inputs = modality_list(modalities.get("input") or [])
        outputs = modality_list(modalities.get("output") or [])
        fields["modalities"] = Modalities(input=inputs or ["text"], output=outputs or ["text"])
    if isinstance(model.get("temperature"), bool):
        fields["determinism"] = Determinism(temperature=model["temperature"])
    pricing = _pricing(model.get("cost"), info, where, context)
    if pricing is not None:
        fields["pricing"] = pricing
        if model_id.endswith(":free") and not (pricing.input or pricing.output):
            fields["free"] = True
    lifecycle = _lifecycle(model, info, where)
    if lifecycle is not None:
        fields["lifecycle"] = lifecycle
    return Offering(**fields)


def _capabilities(model: Mapping[str, Any]) -> Capabilities:
    fields: dict[str, Any] = {}
    if isinstance(model.get("tool_call"), bool):
        fields["tool_calling"] = model["tool_call"]
    if isinstance(model.get("structured_output"), bool):
        fields["structured_output"] = StructuredOutput(json_schema=model["structured_output"])
    supported = model.get("reasoning")
    if isinstance(supported, bool):
        fields["reasoning"] = Reasoning(**_reasoning(supported, model.get("reasoning_options")))
    return Capabilities(**fields)


def _reasoning(supported: bool, options: Any) -> dict[str, Any]:
    """models.dev `reasoning_options`: toggle, effort values, a budget of thinking tokens."""
    out: dict[str, Any] = {"supported": supported}
    if not supported or not isinstance(options, list):
        return out
    for option in options:
        if not isinstance(option, dict):
            continue
        kind = option.get("type")
        if kind == "toggle":
            out["toggle"] = True
        elif kind == "effort" and isinstance(option.get("values"), list):
            values = [v for v in option["values"] if isinstance(v, str) and v != "default"]
            if values:
                out["effort"] = values
        elif kind == "budget_tokens":
            low, high = option.get("min"), option.get("max")
            budget = {
                name: value
                for name, value in (("min", low), ("max", high))
                if isinstance(value, int) and not isinstance(value, bool) and value >= 0
            }
            if "min" not in budget or "max" not in budget or budget["min"] <= budget["max"]:
                out["budget_tokens"] = BudgetTokens(**budget)
    return out


def _pricing(cost: Any, info: SourceInfo, where: str, context: int | None) -> Pricing | None:
    if not isinstance(cost, dict):
        return None
    notes = Notes()
    prices = {
        ours: value
        for theirs, ours in COST_FIELDS.items()
        if (value := per_million(cost.get(theirs), per_token=False)) is not None
    }
    prices = under_ceiling(prices, "models.dev", notes)
    unknown = sorted(set(cost) - KNOWN_COST_KEYS)
    if unknown:
        notes.add(f"models.dev cost keys not read: {', '.join(unknown)}")
    fields: dict[str, Any] = dict(prices)
    tiers = checked_tiers(_tiers(cost), context, "models.dev", notes)
    if tiers:
        fields["tiers"] = tiers
    if not fields:
        return None
    return Pricing(source=make_source(info, where, notes), **fields)


def _tiers(cost: Mapping[str, Any]) -> list[PriceTier]:
    tiers: list[PriceTier] = []
    for item in cost.get("tiers") or []:
        tier = item.get("tier") if isinstance(item, dict) else None
        if not isinstance(tier, dict) or tier.get("type", "context") != "context":
            continue
        size = positive_int(tier.get("size"))
        values = _tier_prices(item)
        if size is not None and values:
            tiers.append(PriceTier(above_input_tokens=size, **values))
    legacy = cost.get("context_over_200k")
    if not tiers and isinstance(legacy, dict):
        values = _tier_prices(legacy)
        if values:
            tiers.append(PriceTier(above_input_tokens=200_000, **values))
    return tiers


def _tier_prices(item: Mapping[str, Any]) -> dict[str, float]:
    return {
        name: value
        for name in ("input", "output", "cache_read", "cache_write")
        if (value := per_million(item.get(name), per_token=False)) is not None
    }


def _lifecycle(model: Mapping[str, Any], info: SourceInfo, where: str) -> Lifecycle | None:
    notes = Notes()
    fields: dict[str, Any] = {}
    released = iso_date(model.get("release_date"))
    if released is not None:
        fields["release_date"] = released
    status = model.get("status")
    if status == "deprecated":
        fields["status"] = "deprecated"
        notes.add("models.dev deprecated: no longer served by the provider's public API")
    elif status in ("alpha", "beta"):
        fields["status"] = "preview"
        notes.add(f"models.dev status {status}")
    if not fields:
        return None
    return Lifecycle(source=make_source(info, where, notes), **fields)
