"""What every importer shares: the source it read, what it yields, and careful unit handling.

An importer turns one public catalog (LiteLLM's price map, models.dev's api.json, OpenRouter's
`/api/v1/models`) into offerings of our schema. It only states what its source states: a field
the source leaves out stays unset, so the change set never reads "unknown" as "no". Pydantic
records which fields were set (`model_fields_set`); the planner compares only those.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, get_args

from catalog.errors import BadInput
from catalog.files import CATALOG_FILE_MAX, read_bounded
from catalog.problems import InputError, Problem
from catalog.schema import (
    PRICE_CEILING_USD_PER_1M,
    Limits,
    Modality,
    Offering,
    PriceTier,
    Provider,
    Source,
)

MODALITIES: frozenset[str] = frozenset(get_args(Modality))

VENDORS = {
    "meta-llama": "meta",
    "mistralai": "mistral",
    "qwen": "alibaba",
    "x-ai": "xai",
    "z-ai": "zhipuai",
    "zai-org": "zhipuai",
    "deepseek-ai": "deepseek",
    "google": "google",
    "openai": "openai",
    "anthropic": "anthropic",
}
"""Hosts' vendor prefixes mapped to the lab names of canonical model ids (models.dev's map)."""


@dataclass(frozen=True)
class SourceInfo:
    """The source an import read: which importer, which version or date, and when.

    Every value an import proposes carries this in its block's `source`: the ref names the
    importer, the version and the entry's key; `checked` is the source's own date (or the
    import date when the source has none); the note records the import date.
    """

    importer: str
    """'litellm', 'models.dev' or 'openrouter'."""
    version: str
    """The source's version or date as cited in refs, e.g. '1.110.2', 'f3fc692', '2026-05-15'."""
    file: str
    """The file name as cited in refs, e.g. 'model_prices_and_context_window_backup.json'."""
    imported: dt.date
    """The day of the import."""
    date: dt.date | None = None
    """The source's own date, when known."""

    @property
    def checked(self) -> dt.date:
        """The date the imported values were true of the source."""
        return self.date or self.imported


@dataclass(frozen=True)
class Skip:
    """A source entry that was not imported, and why."""

    key: str
    reason: str


@dataclass(frozen=True)
class Snapshot:
    """Everything one source says, mapped to our schema; not yet compared with any catalog."""

    info: SourceInfo
    offerings: tuple[Offering, ...]
    """Offerings with `provider` set; only fields the source states are set."""
    providers: Mapping[str, Provider] = field(default_factory=dict)
    """Provider blocks the source (or the known-provider table) can describe, by our id."""
    skipped: tuple[Skip, ...] = ()
    entries: int = 0
    """How many entries the source has, imported or not."""
    source_providers: Mapping[str, str] = field(default_factory=dict)
    """The source's own provider ids mapped to ours, e.g. {'gemini': 'google'}."""


class Notes:
    """Remarks an importer makes about one block, written into that block's source note."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def make_source(info: SourceInfo, ref: str, notes: Notes | None = None) -> Source:
    """A block's source: the ref, the source's date, and the import date with any remarks."""
    remarks = [f"imported {info.imported.isoformat()}", *(notes.items if notes else [])]
    return Source(ref=ref, checked=info.checked, note="; ".join(remarks))


def read_json(path: Path) -> Any:
    """Read a JSON file; raise InputError naming the file, line and column when it is not."""
    try:
        text = read_bounded(path, CATALOG_FILE_MAX, "source file")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(str(path), 1, 1, "", f"cannot read: {error}")]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            [Problem(str(path), error.lineno, error.colno, "", f"invalid JSON: {error.msg}")]
        ) from None


class ShapeError(BadInput, ValueError):
    """The document parsed, but it is not what the importer reads (e.g. the wrong source)."""

    title = "bad source"

    def __init__(self, field: str, expected: str) -> None:
        super().__init__(f"expected {expected}")
        self.field = field
        """Where in the document the shape is wrong, e.g. 'data'; '' for the top level."""


def mapping(value: Any) -> Mapping[str, Any]:
    """A JSON object as a mapping; anything else as an empty one."""
    return value if isinstance(value, dict) else {}


def number(value: Any) -> float | None:
    """A finite number from a JSON number or decimal string; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return None
        return float(parsed) if parsed.is_finite() else None
    return None


def per_million(value: Any, *, per_token: bool) -> float | None:
    """A price in USD per 1M tokens, rounded to 6 decimals; None when unknown or negative.

    `per_token` sources (LiteLLM, OpenRouter) multiply by 1e6. Decimal strings are converted
    through Decimal, so '0.0000025' becomes exactly 2.5. A negative price means "variable"
    (OpenRouter's '-1' on routers): unknown, not free.
    """
    if isinstance(value, str) and per_token:
        try:
            exact = Decimal(value.strip()) * 1_000_000
        except InvalidOperation:
            return None
        result = float(exact) if exact.is_finite() else None
    else:
        parsed = number(value)
        result = None if parsed is None else parsed * (1_000_000 if per_token else 1)
    if result is None or result < 0:
        return None
    return round(result, 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def positive_int(value: Any) -> int | None:
    """A token count: a positive integer (or integral float); None otherwise."""
    parsed = number(value)
    if parsed is None or parsed <= 0 or parsed != int(parsed):
        return None
    return int(parsed)


def iso_date(value: Any) -> dt.date | None:
    """A YYYY-MM-DD date (a longer timestamp is cut to its date); None otherwise."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def month_or_day(value: Any) -> str | None:
    """A knowledge cutoff as 'YYYY-MM' or 'YYYY-MM-DD'; None otherwise."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value[:10]):
        return value[:10]
    return None


def modality_list(values: Iterable[Any]) -> list[Modality]:
    """Lowercased modalities we know, in a stable order; OpenRouter's 'file' is 'pdf'."""
    found = {("pdf" if str(v).lower() == "file" else str(v).lower()) for v in values}
    order: tuple[Modality, ...] = ("text", "image", "audio", "video", "pdf")
    return [m for m in order if m in found]


def canonical_model(provider: str, model_id: str) -> str:
    """A best guess at the canonical 'lab/model' id; maintainers correct it by hand.

    A vendor-prefixed id ('meta-llama/Llama-3.3-70B') becomes 'meta/llama-3.3-70b'; a bare id
    is taken as the provider's own model. ':free' and other ':' variants share the model.
    """
    base = model_id.split(":", 1)[0]
    vendor, sep, rest = base.partition("/")
    if sep and rest:
        lab = VENDORS.get(vendor.lower(), vendor.lower())
        return f"{lab}/{rest.lower()}"
    return f"{provider}/{base}"


def valid_model_id(model_id: str) -> bool:
    """An id the catalog accepts: non-empty, no whitespace."""
    return bool(model_id) and not re.search(r"\s", model_id)


def checked_limits(
    context: int | None,
    output: int | None,
    source_name: str,
    notes: Notes,
    input_cap: int | None = None,
) -> dict[str, int]:
    """Limits the catalog accepts: an output or input cap above the context is dropped with a
    note (the loader rejects it, and it is a known source error), never silently kept. So is
    an output limit equal to the context (or to the input cap): every source copies the window
    into the output limit for some entries (catalogs.md §1.8, §2.7), and no API lets one
    request fill its whole window with output."""
    out: dict[str, int] = {}
    if context is not None:
        out["context"] = context
    if output is not None:
        if output in (context, input_cap):
            notes.add(
                f"{source_name} gives output {output:,} equal to the "
                f"{'context' if output == context else 'input cap'}, a copied value; "
                "output left unknown"
            )
        elif context is not None and output > context:
            notes.add(
                f"{source_name} gives output {output:,} above the context {context:,}; "
                "output left unknown"
            )
        else:
            out["output"] = output
    if input_cap is not None and (context is None or input_cap < context):
        out["input"] = input_cap
    return out


def limits_block(values: Mapping[str, int], source: Source) -> Limits:
    """A Limits block from the known values only, so unknown ones stay unset."""
    return Limits(source=source, **values)


def under_ceiling(prices: dict[str, float], source_name: str, notes: Notes) -> dict[str, float]:
    """Drop prices above the catalog's sanity ceiling (a unit mistake in the source)."""
    out: dict[str, float] = {}
    for name, value in prices.items():
        if value > PRICE_CEILING_USD_PER_1M:
            notes.add(
                f"{source_name} {name} price {value:g} per 1M is above the sanity ceiling; "
                "left unknown"
            )
        else:
            out[name] = value
    return out


def checked_tiers(
    tiers: Iterable[PriceTier], context: int | None, source_name: str, notes: Notes
) -> list[PriceTier]:
    """Tiers in increasing order, one per threshold, each starting below the context window."""
    out: dict[int, PriceTier] = {}
    for tier in tiers:
        prices = [tier.input, tier.output, tier.cache_read, tier.cache_write]
        if any(p is not None and p > PRICE_CEILING_USD_PER_1M for p in prices):
            notes.add(
                f"{source_name} has a price tier above the sanity ceiling "
                f"(above {tier.above_input_tokens:,} tokens); tier left out"
            )
            continue
        if context is not None and tier.above_input_tokens >= context:
            notes.add(
                f"{source_name} has a price tier above {tier.above_input_tokens:,} tokens, "
                f"at or beyond the context {context:,}; tier left out"
            )
            continue
        out.setdefault(tier.above_input_tokens, tier)
    return [out[k] for k in sorted(out)]


def dedupe(offerings: Iterable[Offering], skipped: list[Skip]) -> tuple[Offering, ...]:
    """Offerings with unique keys; a repeated key keeps the first entry and records a skip."""
    seen: dict[str, Offering] = {}
    for offering in offerings:
        if offering.key in seen:
            skipped.append(Skip(offering.key, "duplicate of an earlier entry with the same key"))
            continue
        seen[offering.key] = offering
    return tuple(seen.values())
