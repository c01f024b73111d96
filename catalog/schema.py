"""The trait catalog's data model: providers and their offerings.

One YAML file per provider holds a `provider` block and a list of `offerings`. Every model here
is strict (an unknown key is an error, not a silent drop) and frozen (a loaded catalog is a value).

Capabilities are tri-state: `true`, `false`, or unknown (`unknown` or left out). Unknown is never
treated as true by anything downstream. Prices are USD per 1M tokens. Prices, limits, lifecycle
and performance figures each carry a `source`: where the value comes from and when it was checked.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)

SLUG = r"^[a-z0-9][a-z0-9._-]*$"
"""Provider ids: lowercase, no slash (an offering key splits at the first slash)."""

ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"

PATTERN_WORDS = {
    SLUG: "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit "
    "(e.g. billing-classifier)",
    ENV_VAR: "an environment variable name: capital letters, digits and '_' (e.g. OPENAI_API_KEY)",
    r"^https?://": "a URL starting with http:// or https://",
    r"^\d{4}-\d{2}(-\d{2})?$": "a date as YYYY-MM or YYYY-MM-DD",
}
"""Each pattern a field must match, in words: what a problem says instead of the regex."""


def _to_tristate(value: Any) -> Any:
    if value == "unknown":
        return None
    return value


TriState = Annotated[
    bool | None,
    BeforeValidator(_to_tristate),
    PlainSerializer(lambda v: "unknown" if v is None else v, return_type=Any),
    WithJsonSchema(
        {
            "description": "true, false, or unknown (the default). Unknown never counts as true.",
            "anyOf": [{"type": "boolean"}, {"const": "unknown"}, {"type": "null"}],
        }
    ),
]
"""A capability that is known to be present, known to be absent, or unknown (None)."""


def _to_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
    return value


Date = Annotated[
    dt.date,
    BeforeValidator(_to_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]

Modality = Literal["text", "image", "audio", "video", "pdf"]
ApiKind = Literal["openai", "anthropic", "gemini", "openai-compatible"]
Status = Literal["preview", "active", "legacy", "deprecated", "retired"]
"""`legacy`: the provider still serves it but marks it superseded, with no shutdown set."""
Percentile = Literal["p50", "p75", "p90", "p95", "p99", "mean"]
Metric = Literal["ttft_ms", "ttfat_ms", "e2e_ms", "output_tps", "uptime_pct"]

PRICE_CEILING_USD_PER_1M = 1000.0
"""No per-1M-token price is above this; a larger one is a unit mistake (per token vs per 1M)."""


MAX_TOKENS = 1_000_000_000
"""No model's window comes near a billion tokens (the largest are about ten million): a
larger figure is a typo, and would overflow the cost and size arithmetic downstream."""


class Strict(BaseModel):
    """Base for catalog models: unknown keys are errors, loaded values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Source(Strict):
    """Where a block of values comes from, and when it was last checked against that source."""

    ref: str = Field(
        min_length=1,
        description="A URL, or an importer and version with the entry's key, e.g. "
        "'litellm 1.110.2 model_prices_and_context_window_backup.json \"gpt-4o\"'.",
    )
    checked: Date = Field(description="The date the values were checked against ref.")
    note: str | None = None


class Provider(Strict):
    """Who serves offerings: its wire API, base URL and the variable that holds its key."""

    id: str = Field(pattern=SLUG, description="Short id, e.g. 'openai'; prefixes offering keys.")
    name: str = Field(min_length=1)
    api: ApiKind = Field(description="The wire API its offerings speak.")
    base_url: str = Field(
        pattern=r"^https?://", description="API root, e.g. https://api.openai.com/v1"
    )
    key_env: str | None = Field(
        default=None,
        pattern=ENV_VAR,
        description="Environment variable holding the API key; none for keyless local servers.",
    )
    docs: str | None = Field(default=None, description="Where the provider documents its models.")
    self_hosted: bool = Field(default=False, description="Served by the user, e.g. vLLM or Ollama.")


class Limits(Strict):
    """Token limits of one offering. Unknown stays null."""

    context: int | None = Field(
        default=None, gt=0, le=MAX_TOKENS, description="Context window in tokens."
    )
    input: int | None = Field(
        default=None,
        gt=0,
        le=MAX_TOKENS,
        description="Separate input cap, when smaller than the context.",
    )
    output: int | None = Field(
        default=None, gt=0, le=MAX_TOKENS, description="Largest output in tokens."
    )
    source: Source


def _text_only() -> list[Modality]:
    return ["text"]


class Modalities(Strict):
    """What an offering takes in and gives out."""

    input: list[Modality] = Field(default_factory=_text_only, min_length=1)
    output: list[Modality] = Field(default_factory=_text_only, min_length=1)
    source: Source | None = None


class StructuredOutput(Strict):
    """Structured-output support: a JSON Schema enforced by the API, or JSON mode only."""

    json_schema: TriState = None
    json_mode: TriState = None


class BudgetTokens(Strict):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class Reasoning(Strict):
    """Whether the model reasons before answering, and how that is controlled."""

    supported: TriState = None
    always_on: TriState = None
    toggle: TriState = Field(default=None, description="Reasoning can be switched on and off.")
    effort: list[str] | None = Field(
        default=None, description="Accepted effort values, e.g. [low, medium, high]."
    )
    budget_tokens: BudgetTokens | None = None


class Capabilities(Strict):
    """What the API accepts for this offering. Every flag is tri-state."""

    tool_calling: TriState = None
    parallel_tool_calls: TriState = None
    tool_choice: TriState = None
    structured_output: StructuredOutput = Field(default_factory=StructuredOutput)
    streaming: TriState = None
    prompt_caching: TriState = None
    system_messages: TriState = None
    web_search: TriState = None
    reasoning: Reasoning = Field(default_factory=Reasoning)
    source: Source | None = Field(default=None, description="Where the flags were read.")


class Determinism(Strict):
    """How repeatable outputs can be made."""

    temperature: TriState = Field(default=None, description="Temperature is accepted.")
    seed: TriState = Field(default=None, description="A seed parameter is accepted.")
    guarantee: Literal["none", "best_effort", "exact"] | None = Field(
        default=None,
        description="What a fixed seed at temperature 0 promises; null when unknown.",
    )
    fingerprint_field: str | None = Field(
        default=None,
        description="Response field naming the backend build, e.g. system_fingerprint.",
    )
    source: Source | None = None


class Lifecycle(Strict):
    """Where an offering is in its life, and what replaces it."""

    status: Status = "active"
    release_date: Date | None = None
    deprecation_date: Date | None = Field(
        default=None, description="When deprecation was announced."
    )
    shutdown_date: Date | None = Field(default=None, description="When requests stop being served.")
    successor: str | None = Field(
        default=None, description="Key ('provider/model-id') of the offering that replaces it."
    )
    source: Source | None = None


class PriceTier(Strict):
    """Prices that apply once the prompt exceeds a context size."""

    above_input_tokens: int = Field(gt=0)
    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)


class BatchPricing(Strict):
    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)


# --- Prices as charged: time-of-day discounts, and values sources dispute -------------------


class TimeWindow(Strict):
    """Hours (UTC) on given weekdays, e.g. DeepSeek's off-peak hours."""

    hours_utc: list[Annotated[str, Field(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")]] = Field(
        min_length=1, description="'HH:MM-HH:MM' ranges in UTC; '00:00-00:00' is the whole day."
    )
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(
        default=None, description="ISO weekdays (1 Monday … 7 Sunday); null is every day."
    )
    weekday_timezone: str | None = Field(
        default=None, description="The time zone the weekdays are counted in, e.g. Asia/Shanghai."
    )


class TimedPrices(Strict):
    """Prices that replace the base prices inside time windows (a time-of-day discount)."""

    name: str = Field(default="off-peak", min_length=1)
    windows: list[TimeWindow] = Field(min_length=1)
    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)


class Claim(Strict):
    """What one source says a value is."""

    value: float | int | str
    source: Source


class Dispute(Strict):
    """Sources disagree on a value: the catalog keeps one in the field and records the others,
    so the disagreement is shown rather than silently settled."""

    field: str = Field(
        pattern=r"^[a-z_]+(\.[a-z_]+)*$", description="Dotted path, e.g. 'pricing.input'."
    )
    claims: list[Claim] = Field(min_length=1, description="What the other sources say.")
    note: str | None = None


class Pricing(Strict):
    """USD per 1M tokens unless the field says otherwise. Null is unknown, 0 is free."""

    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)
    cache_write_1h: float | None = Field(default=None, ge=0)
    reasoning: float | None = Field(
        default=None, ge=0, description="Reasoning tokens, when billed apart from output."
    )
    input_audio: float | None = Field(default=None, ge=0)
    per_request: float | None = Field(default=None, ge=0, description="USD per request.")
    per_image: float | None = Field(default=None, ge=0, description="USD per input image.")
    tiers: list[PriceTier] = Field(default_factory=list)
    batch: BatchPricing | None = None
    discounts: list[TimedPrices] = Field(
        default_factory=list, description="Time-of-day prices, e.g. off-peak hours."
    )
    source: Source


class Deployment(Strict):
    """What a self-hosted offering's deployment costs to run: hardware rented or owned by the
    hour, whatever it serves. The advisor turns it into cost per request at a throughput."""

    usd_per_hour: float = Field(ge=0, description="USD per hour for one replica, always on.")
    hardware: str = Field(min_length=1, description="e.g. '1x NVIDIA L4, 24 GB' or 'c7i.2xlarge'.")
    throughput_rps: float | None = Field(
        default=None,
        gt=0,
        description="Requests per second one replica sustains for the workload's typical request "
        "(measured with `advisor probe` or a benchmark); null when not known.",
    )
    source: Source


class RateLimits(Strict):
    """Requests and tokens allowed per minute or day, at a named account tier."""

    tier: str | None = Field(
        default=None, description="Account tier these apply to, e.g. 'tier 1'."
    )
    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)
    rpd: int | None = Field(default=None, gt=0)
    source: Source


class FreeTier(Strict):
    """A free allowance, e.g. an OpenRouter ':free' variant or a provider's free quota."""

    rpm: int | None = Field(default=None, gt=0)
    rpd: int | None = Field(default=None, gt=0)
    note: str | None = None
    source: Source


class PerformanceFigure(Strict):
    """One measured figure, e.g. TTFT p50 from a public benchmark or a probe run."""

    metric: Metric
    percentile: Percentile = "p50"
    value: float = Field(ge=0)
    workload: str | None = Field(default=None, description="e.g. '1k in / 1k out'")
    window: str | None = Field(default=None, description="e.g. 'last 30 min', '72 h'")
    source: Source


class DataPolicy(Strict):
    """What happens to request data."""

    zero_retention: TriState = None
    regions: list[str] | None = Field(
        default=None, description="Regions requests can be pinned to; null when unknown."
    )


class Offering(Strict):
    """One model served by one provider under one API model id: the unit of catalog and routing."""

    id: str = Field(min_length=1, description="The API model id sent in requests.")
    provider: str = Field(
        default="",
        description="Filled in from the file's provider block; when given it must match it.",
    )
    model: str = Field(
        min_length=1, description="Canonical model id ('lab/model') shared by its offerings."
    )
    name: str = Field(min_length=1)
    family: str | None = None
    aliases: list[str] = Field(default_factory=list, description="Other ids that reach it.")
    free: bool = Field(default=False, description="A free variant, e.g. OpenRouter ':free'.")
    open_weights: TriState = None
    knowledge_cutoff: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    limits: Limits
    modalities: Modalities = Field(default_factory=Modalities)
    capabilities: Capabilities = Field(default_factory=Capabilities)
    determinism: Determinism = Field(default_factory=Determinism)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    pricing: Pricing | None = None
    deployment: Deployment | None = Field(
        default=None,
        description="Self-hosted: what the deployment costs per hour, instead of prices.",
    )
    rate_limits: list[RateLimits] = Field(default_factory=list)
    free_tier: FreeTier | None = None
    performance: list[PerformanceFigure] = Field(default_factory=list)
    data: DataPolicy = Field(default_factory=DataPolicy)
    disputes: list[Dispute] = Field(
        default_factory=list, description="Values other sources state differently."
    )
    notes: str | None = None

    @property
    def key(self) -> str:
        """The catalog-wide id, 'provider/model-id'."""
        return f"{self.provider}/{self.id}"

    @field_validator("id")
    @classmethod
    def _no_whitespace(cls, value: str) -> str:
        if re.search(r"\s", value):
            raise ValueError("a model id has no whitespace")
        return value


class CatalogFile(Strict):
    """One catalog YAML file: a provider (inline, or the id of one defined elsewhere) and its
    offerings."""

    provider: Provider | Annotated[str, Field(pattern=SLUG)]
    offerings: list[Offering] = Field(default_factory=list)


def split_key(key: str) -> tuple[str, str]:
    """Split an offering key 'provider/model-id' at its first slash."""
    provider, _, model_id = key.partition("/")
    return provider, model_id
