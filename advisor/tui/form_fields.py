"""The workload editor's fields and how their text becomes a workload.

No Textual here: the form widget lays these out, and this module turns what the user typed
into data, lets pydantic judge it, and says which field each message belongs to. Text is
converted only when it clearly is a number ("8k", "200,000", "$0.50"); anything else goes to
pydantic as typed, so the message the user sees is the model's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import ValidationError

from advisor.workload.model import DeterminismNeed, StructuredNeed, Task, Workload
from catalog.problems import Locator, validation_problems
from catalog.schema import Modality

Kind = Literal["text", "int", "float", "list", "select", "bool", "modalities"]

MODALITIES: tuple[Modality, ...] = get_args(Modality)


@dataclass(frozen=True)
class FieldSpec:
    """One field of the form: its path in the workload, label and kind of input."""

    path: str
    """Dotted path in the workload, e.g. 'latency.ttft_p95_ms'."""
    label: str
    kind: Kind
    placeholder: str = ""
    """Shown in an empty input; for a checkbox, its label."""
    options: tuple[str, ...] = ()

    @property
    def widget_id(self) -> str:
        """A DOM id for the input (ids cannot contain dots)."""
        return "f-" + self.path.replace(".", "-").replace("_", "-")


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "name", "text", "lowercase alias, e.g. billing-classifier"),
    FieldSpec("task", "task", "select", options=get_args(Task)),
    FieldSpec("context_tokens", "input tokens", "int", "typical, e.g. 2k"),
    FieldSpec("max_context_tokens", "largest input", "int", "blank: same as typical"),
    FieldSpec("output_tokens", "output tokens", "int", "typical, e.g. 300"),
    FieldSpec("determinism", "determinism", "select", options=get_args(DeterminismNeed)),
    FieldSpec("modalities", "inputs", "modalities"),
    FieldSpec("structured_output", "structured out", "select", options=get_args(StructuredNeed)),
    FieldSpec("tool_calling", "tool calling", "bool", "required"),
    FieldSpec("latency.ttft_p95_ms", "TTFT p95 ms", "float", "blank: no budget"),
    FieldSpec("latency.e2e_p95_ms", "E2E p95 ms", "float", "blank: no budget"),
    FieldSpec("budget.usd_per_1k_requests", "$ per 1k req", "float", "blank: no budget"),
    FieldSpec("budget.usd_per_month", "$ per month", "float", "blank: no budget"),
    FieldSpec("volume.requests_per_day", "requests/day", "float", "blank: unknown"),
    FieldSpec("volume.peak_rps", "peak req/s", "float", "blank: unknown"),
    FieldSpec("providers.allow", "providers only", "list", "blank: any, e.g. openai, google"),
    FieldSpec("providers.deny", "providers never", "list", "e.g. openrouter"),
    FieldSpec("open_weights", "open weights", "bool", "required"),
    FieldSpec("data.zero_retention", "zero retention", "bool", "required"),
)
"""Every field a user commonly sets, in the order of the workload file."""

_SUFFIXES = {"k": 1_000, "m": 1_000_000}
_NUMBER = re.compile(r"^(-?)\$?\s*([0-9]*\.?[0-9]+)\s*([km]?)$", re.IGNORECASE)


def parse_number(text: str, kind: Kind) -> Any:
    """'8k' → 8000, '200,000' → 200000, '$0.50' → 0.5, '' → None; anything else unchanged."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        return None
    found = _NUMBER.match(cleaned)
    if found is None:
        return text.strip()
    sign = -1 if found.group(1) else 1  # kept, so that pydantic says what is wrong with it
    value = sign * float(found.group(2)) * _SUFFIXES.get(found.group(3).lower(), 1)
    if kind == "int":
        return int(value) if value.is_integer() else value
    return value


def parse_list(text: str) -> list[str]:
    """'openai, google' → ['openai', 'google']."""
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]


def format_value(spec: FieldSpec, value: Any) -> str:
    """A workload value as the form shows it."""
    if value is None:
        return ""
    if spec.kind == "list":
        return ", ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_at(workload: Workload, path: str) -> Any:
    """The value at a dotted path of a workload."""
    value: Any = workload
    for part in path.split("."):
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class FormResult:
    """What the form's values amount to: a valid workload, or messages per field."""

    workload: Workload | None
    errors: Mapping[str, str]
    """Message per field path; '' holds what belongs to no single field."""


def build(base: Workload, values: Mapping[str, Any]) -> FormResult:
    """Apply the form's values (dotted path → parsed value) to `base` and validate.

    Fields the form does not show (samples, response schema, weights, regions...) keep their
    values from `base`.
    """
    data = base.model_dump()
    for path, value in values.items():
        *groups, last = path.split(".")
        target = data
        for group in groups:
            target = target.setdefault(group, {})
        target[last] = value
    try:
        return FormResult(Workload.model_validate(data), {})
    except ValidationError as error:
        problems = validation_problems(error, data, Locator("form", ""))
    paths = sorted((spec.path for spec in FIELDS), key=len, reverse=True)
    errors: dict[str, str] = {}
    for problem in problems:
        field, message = problem.field, problem.message
        if not field:
            # A check across fields names the field it is about first: put it there.
            field = next((p for p in paths if message.startswith(p + " ")), "")
        owner = next(
            (p for p in paths if field == p or field.startswith((p + ".", p + "["))),
            "",
        )
        message = message if owner else _with_field(field, message)
        errors[owner] = f"{errors[owner]}; {message}" if owner in errors else message
    return FormResult(None, errors)


def _with_field(field: str, message: str) -> str:
    return f"{field}: {message}" if field else message
