"""Import LiteLLM's `model_prices_and_context_window` map (the copy bundled in the package).

The map is one JSON object keyed by LiteLLM's model string. What we read, and how:

- Only `mode: chat` entries are offerings; `sample_spec` and `fallback_generalizations` are
  documentation and routing rules; `alias_of` entries become aliases of their target.
- The provider comes from `litellm_provider`, never the key; the offering id is the key
  without that provider's prefix (`gemini/gemini-2.5-pro` → `gemini-2.5-pro`).
- Prices are USD per token and become USD per 1M. `*_above_<N>k_tokens` and `tiered_pricing`
  become context tiers; `*_batches` the batch prices.
- LiteLLM has no context field: `max_input_tokens` is taken as the context window, as the
  bundled catalog does. `max_output_tokens` is the output limit, except when it merely
  repeats `max_input_tokens` (a known placeholder): then the output limit stays unknown.
- `supports_*` flags are tri-state: a flag the entry leaves out stays unknown.
- `deprecation_date` is a shutdown date (LiteLLM PR #36152 documents it so); with
  `successor_model` it becomes the lifecycle.
- Seed support is not in the map but in LiteLLM's code (`get_supported_openai_params`);
  `SEED_BY_PROVIDER` records what 1.110.2 returns (catalogs.md §2.6).

The package is never imported (that takes seconds and may reach for the network): its file
is found with `importlib.util.find_spec`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from collections.abc import Mapping
from pathlib import Path
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
    modality_list,
    per_million,
    positive_int,
    under_ceiling,
    valid_model_id,
)
from catalog.importers.families import family_of
from catalog.importers.providers import KNOWN_PROVIDERS, our_provider_id
from catalog.schema import (
    BatchPricing,
    Capabilities,
    Determinism,
    Lifecycle,
    Limits,
    Modalities,
    Offering,
    PriceTier,
    Pricing,
    RateLimits,
    Reasoning,
    StructuredOutput,
    TimedPrices,
    TimeWindow,
)

NAME = "litellm"
BUNDLED_FILE = "model_prices_and_context_window_backup.json"
REF_PREFIX = "litellm "
"""Every ref this importer writes starts so; a block with another ref was not written by it."""

RESERVED_KEYS = frozenset({"sample_spec", "fallback_generalizations"})

SEED_BY_PROVIDER: Mapping[str, bool] = {
    "openai": True,
    "gemini": True,
    "deepseek": True,
    "groq": True,
    "mistral": True,
    "openrouter": True,
    "dashscope": True,
    "anthropic": False,
}
"""Whether LiteLLM 1.110.2's `get_supported_openai_params` returns `seed` for a provider."""

FLAGS: Mapping[str, str] = {
    "supports_function_calling": "tool_calling",
    "supports_parallel_function_calling": "parallel_tool_calls",
    "supports_tool_choice": "tool_choice",
    "supports_prompt_caching": "prompt_caching",
    "supports_system_messages": "system_messages",
    "supports_web_search": "web_search",
}
"""LiteLLM flags that map one to one onto our capabilities."""

INPUT_FLAGS: Mapping[str, str] = {
    "supports_vision": "image",
    "supports_pdf_input": "pdf",
    "supports_audio_input": "audio",
    "supports_video_input": "video",
}

PRICES: Mapping[str, str] = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "input_audio",
}
"""Per-token price fields → our per-1M pricing fields."""

TIER_KEY = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost)_above_(\d+)k_tokens$"
)
TIER_FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
}


def bundled_file() -> Path | None:
    """The price map inside the installed litellm package, or None when it is not installed."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / BUNDLED_FILE
        if path.is_file():
            return path
    return None


def installed_version() -> str | None:
    """The installed litellm package's version, read from its metadata (no import)."""
    try:
        return importlib.metadata.version("litellm")
    except importlib.metadata.PackageNotFoundError:
        return None


def ref(info: SourceInfo, key: str) -> str:
    """E.g. 'litellm 1.110.2 model_prices_and_context_window_backup.json "gpt-4o"'."""
    return f'{REF_PREFIX}{info.version} {info.file} "{key}"'


def convert(data: Any, info: SourceInfo) -> Snapshot:
    """Map a parsed LiteLLM price map to offerings. Raises ShapeError for another document."""
    if not isinstance(data, dict) or not any(
        isinstance(v, dict) and "litellm_provider" in v for v in data.values()
    ):
        raise ShapeError("", "a LiteLLM price map: an object of entries with litellm_provider")
    skipped: list[Skip] = []
    keys = _offering_keys(data)
    aliases: dict[str, list[str]] = {}
    for key, entry in data.items():
        if isinstance(entry, dict) and isinstance(entry.get("alias_of"), str):
            target = keys.get(entry["alias_of"])
            if target is None:
                skipped.append(Skip(key, "an alias of an entry that is not a chat offering"))
                continue
            alias = _strip_provider(key, target[0])
            if (alias == key and "/" in key) or not valid_model_id(alias):
                # Another provider's prefix: not a name the target's provider answers to.
                skipped.append(Skip(key, "an alias under another provider's prefix"))
                continue
            aliases.setdefault(entry["alias_of"], []).append(alias)
    offerings: list[Offering] = []
    for key, entry in data.items():
        if key in RESERVED_KEYS or (isinstance(entry, dict) and "alias_of" in entry):
            continue
        reason = _skip_reason(key, entry)
        if reason:
            skipped.append(Skip(key, reason))
            continue
        offerings.append(_offering(key, entry, info, keys, aliases.get(key, [])))
    # Providers of chat offerings only: the others have nothing to import.
    source_providers = {theirs: our_provider_id(NAME, theirs) for theirs, _ in keys.values()}
    ours = set(source_providers.values())
    return Snapshot(
        info=info,
        offerings=dedupe(offerings, skipped),
        providers={p: KNOWN_PROVIDERS[p] for p in sorted(ours) if p in KNOWN_PROVIDERS},
        skipped=tuple(skipped),
        entries=sum(1 for k in data if k not in RESERVED_KEYS),
        source_providers=source_providers,
    )


def _skip_reason(key: str, entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "not an object"
    mode = entry.get("mode")
    if mode != "chat":
        return f"mode {mode or 'missing'}: only chat models are offerings"
    if not isinstance(entry.get("litellm_provider"), str):
        return "no litellm_provider"
    if key.startswith("ft:"):
        return "a fine-tuning price template, not a model"
    if not valid_model_id(_strip_provider(key, entry["litellm_provider"])):
        return "the model id is empty or has whitespace"
    return None


def _strip_provider(key: str, litellm_provider: str) -> str:
    """The key without its provider prefix; `vertex_ai-anthropic_models` keys start with the
    family's `vertex_ai/`."""
    for prefix in (f"{litellm_provider}/", f"{litellm_provider.split('-', 1)[0]}/"):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _offering_keys(data: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Every chat entry's key → (litellm provider, our offering key), to resolve references."""
    out: dict[str, tuple[str, str]] = {}
    for key, entry in data.items():
        if isinstance(entry, dict) and _skip_reason(key, entry) is None:
            provider = entry["litellm_provider"]
            ours = our_provider_id(NAME, provider)
            out[key] = (provider, f"{ours}/{_strip_provider(key, provider)}")
    return out


def _offering(
    key: str,
    entry: dict[str, Any],
    info: SourceInfo,
    keys: Mapping[str, tuple[str, str]],
    aliases: list[str],
) -> Offering:
    source_provider = entry["litellm_provider"]
    provider = our_provider_id(NAME, source_provider)
    model_id = _strip_provider(key, source_provider)
    where = ref(info, key)
    limits = _limits(entry, info, where)
    fields: dict[str, Any] = {
        "id": model_id,
        "provider": provider,
        "model": canonical_model(provider, model_id),
        "name": model_id,
        "limits": limits,
        **({"family": family} if (family := family_of(model_id)) else {}),
        "modalities": _modalities(entry),
        "capabilities": _capabilities(entry),
    }
    determinism = _determinism(entry, source_provider)
    if determinism is not None:
        fields["determinism"] = determinism
    pricing = _pricing(entry, info, where, limits.context)
    if pricing is not None:
        fields["pricing"] = pricing
        if model_id.endswith(":free") and not (pricing.input or pricing.output):
            fields["free"] = True
    rate_limits = _rate_limits(entry, info, where)
    if rate_limits:
        fields["rate_limits"] = rate_limits
    lifecycle, remark = _lifecycle(entry, info, where, keys, source_provider)
    if lifecycle is not None:
        fields["lifecycle"] = lifecycle
    elif remark:
        fields["notes"] = remark  # nothing else to hang the remark on
    if aliases:
        fields["aliases"] = sorted(set(aliases) - {model_id})
    return Offering(**fields)


def _limits(entry: Mapping[str, Any], info: SourceInfo, where: str) -> Limits:
    notes = Notes()
    context = positive_int(entry.get("max_input_tokens"))
    output = positive_int(entry.get("max_output_tokens"))
    legacy = positive_int(entry.get("max_tokens"))
    if output is None and legacy is not None and context is not None and legacy != context:
        # Before 1.110 `max_tokens` was "max_output_tokens if the provider specifies it, else
        # max_input_tokens" (LiteLLM #4930): only a value other than the input cap is an output.
        output = legacy
        notes.add("output from the legacy max_tokens")
    if output is not None and output == context:
        # 1,068 chat entries of 1.110.2 copy max_input_tokens into max_output_tokens (LiteLLM
        # #22478, #32184): a placeholder, not a limit. The bundled catalog leaves it out too.
        notes.add(
            f"max_output_tokens {output:,} equals max_input_tokens, a LiteLLM placeholder; "
            "output left unknown"
        )
        output = None
    values = checked_limits(context, output, "LiteLLM", notes)
    return limits_block(values, make_source(info, where, notes))


def _pricing(
    entry: Mapping[str, Any], info: SourceInfo, where: str, context: int | None
) -> Pricing | None:
    notes = Notes()
    prices = {
        ours: value
        for theirs, ours in PRICES.items()
        if (value := per_million(entry.get(theirs), per_token=True)) is not None
    }
    if "cache_read" not in prices:
        hit = per_million(entry.get("input_cost_per_token_cache_hit"), per_token=True)
        if hit is not None:
            prices["cache_read"] = hit  # DeepSeek's name for the cache-read price
    tiers = _tiers(entry, prices)
    prices = under_ceiling(prices, "LiteLLM", notes)
    fields: dict[str, Any] = dict(prices)
    tiers = checked_tiers(tiers, context, "LiteLLM", notes)
    if tiers:
        fields["tiers"] = tiers
    batch = {
        name: value
        for name in ("input", "output")
        if (value := per_million(entry.get(f"{name}_cost_per_token_batches"), per_token=True))
        is not None
    }
    if batch:
        fields["batch"] = BatchPricing(**under_ceiling(batch, "LiteLLM batch", notes))
    discount = _off_peak(entry.get("off_peak_pricing"), notes)
    if discount is not None:
        fields["discounts"] = [discount]
    if not fields:
        return None
    if isinstance(entry.get("source"), str):
        notes.add(f"LiteLLM cites {entry['source']}")
    return Pricing(source=make_source(info, where, notes), **fields)


def _off_peak(value: Any, notes: Notes) -> TimedPrices | None:
    """`off_peak_pricing` (DeepSeek's discount hours): its prices and UTC windows."""
    if not isinstance(value, dict):
        return None
    prices = {
        ours: price
        for theirs, ours in PRICES.items()
        if ours in ("input", "output", "cache_read")
        and (price := per_million(value.get(theirs), per_token=True)) is not None
    }
    windows = []
    for item in value.get("windows") or []:
        hours = item.get("hours_utc") if isinstance(item, dict) else None
        hours = [hours] if isinstance(hours, str) else hours
        days = item.get("weekdays")
        try:
            windows.append(
                TimeWindow(
                    hours_utc=list(hours or []),
                    weekdays=list(days) if isinstance(days, list) else None,
                    weekday_timezone=value.get("weekday_timezone"),
                )
            )
        except ValidationError:
            notes.add("an off_peak_pricing window this importer cannot read was left out")
    if not prices or not windows:
        return None
    checked = under_ceiling(prices, "LiteLLM off-peak", notes)
    return TimedPrices(
        windows=windows,
        input=checked.get("input"),
        output=checked.get("output"),
        cache_read=checked.get("cache_read"),
    )


def _rate_limits(entry: Mapping[str, Any], info: SourceInfo, where: str) -> list[RateLimits]:
    """LiteLLM's `rpm` / `tpm`: the provider's default limits for the entry (no tier named)."""
    rpm, tpm = positive_int(entry.get("rpm")), positive_int(entry.get("tpm"))
    if rpm is None and tpm is None:
        return []
    notes = Notes()
    notes.add("LiteLLM gives rpm/tpm without an account tier")
    return [RateLimits(rpm=rpm, tpm=tpm, source=make_source(info, where, notes))]


def _tiers(entry: Mapping[str, Any], prices: dict[str, float]) -> list[PriceTier]:
    """Context tiers from `*_above_<N>k_tokens` fields, else from `tiered_pricing` ranges
    (whose first range, from 0, gives the base prices when the entry has none)."""
    by_threshold: dict[int, dict[str, float]] = {}
    for name, value in entry.items():
        match = TIER_KEY.match(name)
        price = per_million(value, per_token=True) if match else None
        if match and price is not None:
            threshold = int(match[2]) * 1000
            by_threshold.setdefault(threshold, {})[TIER_FIELDS[match[1]]] = price
    ranges = entry.get("tiered_pricing")
    if not by_threshold and isinstance(ranges, list):
        for item in ranges:
            bounds = item.get("range") if isinstance(item, dict) else None
            if not isinstance(bounds, list) or not bounds:
                continue
            values = {
                TIER_FIELDS[name]: price
                for name in TIER_FIELDS
                if (price := per_million(item.get(name), per_token=True)) is not None
            }
            start = positive_int(bounds[0])
            if start is None:
                for name, value in values.items():
                    prices.setdefault(name, value)
            elif values:
                by_threshold[start] = values
    return [
        PriceTier(above_input_tokens=threshold, **values)
        for threshold, values in sorted(by_threshold.items())
    ]


def _capabilities(entry: Mapping[str, Any]) -> Capabilities:
    flags: dict[str, Any] = {
        ours: entry[theirs] for theirs, ours in FLAGS.items() if isinstance(entry.get(theirs), bool)
    }
    if isinstance(entry.get("supports_response_schema"), bool):
        flags["structured_output"] = StructuredOutput(json_schema=entry["supports_response_schema"])
    reasoning: dict[str, Any] = {}
    supported = entry.get("supports_reasoning")
    if isinstance(supported, bool):
        reasoning["supported"] = supported
    if supported is True:
        if isinstance(entry.get("thinking_always_on"), bool):
            reasoning["always_on"] = entry["thinking_always_on"]
        levels = entry.get("reasoning_effort_levels")
        if isinstance(levels, list) and levels and all(isinstance(v, str) for v in levels):
            reasoning["effort"] = list(levels)
    if reasoning:
        flags["reasoning"] = Reasoning(**reasoning)
    return Capabilities(**flags)


def _determinism(entry: Mapping[str, Any], source_provider: str) -> Determinism | None:
    fields: dict[str, Any] = {}
    if source_provider in SEED_BY_PROVIDER:
        fields["seed"] = SEED_BY_PROVIDER[source_provider]
    if isinstance(entry.get("supports_sampling_params"), bool):
        fields["temperature"] = entry["supports_sampling_params"]
    return Determinism(**fields) if fields else None


def _modalities(entry: Mapping[str, Any]) -> Modalities:
    given = entry.get("supported_modalities")
    inputs = ["text", *(given if isinstance(given, list) else [])]
    inputs += [m for flag, m in INPUT_FLAGS.items() if entry.get(flag) is True]
    given_out = entry.get("supported_output_modalities")
    outputs = list(given_out) if isinstance(given_out, list) else ["text"]
    if entry.get("supports_audio_output") is True:
        outputs.append("audio")
    return Modalities(input=modality_list(inputs), output=modality_list(outputs) or ["text"])


def _lifecycle(
    entry: Mapping[str, Any],
    info: SourceInfo,
    where: str,
    keys: Mapping[str, tuple[str, str]],
    source_provider: str,
) -> tuple[Lifecycle | None, str | None]:
    """The lifecycle the entry states, and a remark on a successor that cannot be resolved."""
    notes = Notes()
    remark = None
    fields: dict[str, Any] = {}
    shutdown = iso_date(entry.get("deprecation_date"))
    if shutdown is not None:
        fields["shutdown_date"] = shutdown
        # the status on any day follows from the date (catalog.lifecycle); the source says
        # only that a shutdown is set
        fields["status"] = "deprecated"
        notes.add("deprecation_date is a shutdown date (LiteLLM PR #36152)")
    successor = entry.get("successor_model")
    if isinstance(successor, str) and successor:
        found = keys.get(successor) or keys.get(f"{source_provider}/{successor}")
        if found is not None:
            fields["successor"] = found[1]
        else:
            remark = f"LiteLLM names successor {successor!r}, which is not a chat entry"
            notes.add(remark)
    if isinstance(entry.get("deprecation_source"), str):
        notes.add(f"deprecation_source {entry['deprecation_source']}")
    if not fields:
        return None, remark
    return Lifecycle(source=make_source(info, where, notes), **fields), None
