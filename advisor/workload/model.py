"""Workloads: what each job needs, as the user declares it in a YAML file.

Every field but `name` has a default, and no default is a strict requirement: a workload that
says nothing about tools does not need them, one that sets no budget has none. Paths
(`response_schema`, `samples`) are relative to the workload file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from catalog.files import SAMPLES_FILE_MAX, SCHEMA_FILE_MAX, WORKLOAD_FILE_MAX, read_bounded
from catalog.jsonschema import file_schema
from catalog.problems import (
    InputError,
    Loc,
    Locator,
    Problem,
    load_yaml,
    sorted_problems,
    validation_problems,
)
from catalog.schema import MAX_TOKENS, SLUG, Modality

Task = Literal[
    "classification", "extraction", "summarization", "chat", "creative", "code", "vision", "agent"
]
DeterminismNeed = Literal["strict", "preferred", "any"]
StructuredNeed = Literal["none", "json_mode", "json_schema"]

DAYS_PER_MONTH = 30
"""Monthly figures are daily volume times this."""

DAY_MS = 86_400_000
"""A latency budget past a day is a unit mistake (seconds written as ms, or worse)."""
MAX_USD = 1e12
MAX_REQUESTS_PER_DAY = 1e12
"""Ceilings far past any real workload; beyond them costs lose precision or overflow."""


class Strict(BaseModel):
    # allow_inf_nan: a NaN budget compares false with every figure and turns the check off.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Latency(Strict):
    """Latency budget at the 95th percentile; unset means no budget."""

    ttft_p95_ms: float | None = Field(
        default=None, gt=0, le=DAY_MS, description="Time to first token."
    )
    e2e_p95_ms: float | None = Field(default=None, gt=0, le=DAY_MS, description="Whole response.")


class Budget(Strict):
    """Cost ceilings in USD; unset means no ceiling."""

    usd_per_1k_requests: float | None = Field(default=None, ge=0, le=MAX_USD)
    usd_per_month: float | None = Field(default=None, ge=0, le=MAX_USD)


class Volume(Strict):
    """Expected traffic; monthly cost needs requests_per_day."""

    requests_per_day: float | None = Field(default=None, ge=0, le=MAX_REQUESTS_PER_DAY)
    peak_rps: float | None = Field(default=None, ge=0, le=MAX_REQUESTS_PER_DAY / 86_400)


class ProviderRules(Strict):
    allow: list[str] = Field(default_factory=list, description="Only these providers (empty: any).")
    deny: list[str] = Field(default_factory=list, description="Never these providers.")


class DataRules(Strict):
    zero_retention: bool = Field(default=False, description="Requests must not be retained.")
    regions: list[str] = Field(
        default_factory=list, description="Serving must be possible in one of these regions."
    )


class Message(Strict):
    role: Literal["system", "user", "assistant"]
    content: str


class Sample(Strict):
    """A representative request: a prompt or a list of messages, and optionally the answer
    that is right for it."""

    prompt: str | None = None
    messages: list[Message] | None = None
    expected: Any = None

    @model_validator(mode="after")
    def _one_input(self) -> Sample:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("give either prompt or messages")
        return self


class Weights(Strict):
    """How much each score component counts; they are normalised to sum to 1."""

    cost: float = Field(default=0.30, ge=0)
    latency: float = Field(default=0.15, ge=0)
    context: float = Field(default=0.10, ge=0)
    task_fit: float = Field(default=0.20, ge=0)
    lifecycle: float = Field(default=0.15, ge=0)
    confidence: float = Field(default=0.10, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if not any(self.model_dump().values()):
            raise ValueError("at least one weight must be above 0: all zero ranks nothing")
        return self

    def normalised(self) -> dict[str, float]:
        values = self.model_dump()
        total = sum(values.values()) or 1.0
        return {name: value / total for name, value in values.items()}


def _text_only() -> list[Modality]:
    return ["text"]


class Workload(Strict):
    """A named job with requirements; its name becomes the gateway alias applications call."""

    name: str = Field(pattern=SLUG, description="Lowercase alias, e.g. billing-classifier.")
    task: Task = "chat"
    context_tokens: int = Field(
        default=1000, ge=0, le=MAX_TOKENS, description="Typical input tokens per request."
    )
    max_context_tokens: int | None = Field(
        default=None,
        ge=0,
        le=MAX_TOKENS,
        description="The largest input that must fit; default context_tokens.",
    )
    output_tokens: int = Field(
        default=256, ge=0, le=MAX_TOKENS, description="Typical output tokens per request."
    )
    cacheable_prefix_tokens: int = Field(
        default=0, ge=0, description="Input tokens repeated on every request (a cacheable prefix)."
    )
    reasoning_tokens: int | None = Field(
        default=None,
        ge=0,
        description="Reasoning tokens per request on offerings that always reason; unset: unknown.",
    )
    determinism: DeterminismNeed = "any"
    modalities: list[Modality] = Field(default_factory=_text_only, min_length=1)
    structured_output: StructuredNeed = "none"
    tool_calling: bool = False
    latency: Latency = Field(default_factory=Latency)
    budget: Budget = Field(default_factory=Budget)
    volume: Volume = Field(default_factory=Volume)
    providers: ProviderRules = Field(default_factory=ProviderRules)
    open_weights: bool = False
    data: DataRules = Field(default_factory=DataRules)
    system_prompt: str | None = None
    response_schema: dict[str, Any] | str | None = Field(
        default=None, description="JSON Schema the output must satisfy, inline or a file path."
    )
    samples: list[Sample] | str | None = Field(
        default=None, description="Representative requests, inline or a JSONL file path."
    )
    weights: Weights = Field(default_factory=Weights)

    @model_validator(mode="after")
    def _sizes(self) -> Workload:
        if self.max_context_tokens is not None and self.max_context_tokens < self.context_tokens:
            raise ValueError(
                f"max_context_tokens ({self.max_context_tokens}) is below context_tokens "
                f"({self.context_tokens})"
            )
        if self.cacheable_prefix_tokens > self.context_tokens:
            raise ValueError("cacheable_prefix_tokens is larger than context_tokens")
        return self

    @property
    def largest_input(self) -> int:
        """The largest input that must fit the window."""
        return (
            self.max_context_tokens if self.max_context_tokens is not None else self.context_tokens
        )

    @property
    def output_schema(self) -> dict[str, Any] | None:
        """The response schema, once `load_workloads` has resolved any path."""
        return self.response_schema if isinstance(self.response_schema, dict) else None

    @property
    def sample_list(self) -> list[Sample]:
        return self.samples if isinstance(self.samples, list) else []


class WorkloadFile(Strict):
    """A workload YAML file."""

    workloads: list[Workload] = Field(min_length=1)


WORKLOADS_SCHEMA_NAME = "workloads.schema.json"


def workloads_schema() -> dict[str, Any]:
    """The JSON Schema of a workload file."""
    return file_schema(WorkloadFile, WORKLOADS_SCHEMA_NAME, "Model Advisor workload file")


def load_workloads(path: Path) -> list[Workload]:
    """Read, validate and resolve a workload file; raise InputError with every problem."""
    try:
        text = read_bounded(path, WORKLOAD_FILE_MAX, "workload file")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(str(path), 1, 1, "", f"cannot read: {error}")]) from None
    data = load_yaml(path, text)
    locator = Locator(path, text)
    if not isinstance(data, dict):
        raise InputError([Problem(str(path), 1, 1, "", "expected a mapping with 'workloads'")])
    try:
        parsed = WorkloadFile.model_validate(data)
    except ValidationError as error:
        raise InputError(
            sorted_problems(validation_problems(error, data, locator), [path])
        ) from None

    problems: list[Problem] = []
    names: dict[str, int] = {}
    resolved: list[Workload] = []
    for index, workload in enumerate(parsed.workloads):
        loc: Loc = ("workloads", index)
        if workload.name in names:
            problems.append(
                locator.problem(
                    (*loc, "name"),
                    f"duplicate workload name {workload.name!r} (first is workloads[{names[workload.name]}])",
                    at_value=True,
                )
            )
        names.setdefault(workload.name, index)
        resolved.append(_resolve(workload, path.parent, locator, loc, problems))
    if problems:
        raise InputError(sorted_problems(problems, [path]))
    return resolved


def _resolve(
    workload: Workload, base: Path, locator: Locator, loc: Loc, problems: list[Problem]
) -> Workload:
    """Load referenced files and check the schema and the samples' expected answers."""
    schema = workload.response_schema
    if isinstance(schema, str):
        schema = _load_schema_file(base / schema, locator, (*loc, "response_schema"), problems)
    if isinstance(schema, dict):
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as error:
            where = (*loc, "response_schema", *error.path)
            problems.append(
                locator.problem(where, f"not a valid JSON Schema: {error.message}", at_value=True)
            )
            schema = None
    samples = workload.samples
    sample_locs: list[tuple[Locator, Loc]] = []
    if isinstance(samples, str):
        samples, sample_locs = _load_samples_file(
            base / samples, locator, (*loc, "samples"), problems
        )
    elif samples is not None:
        sample_locs = [(locator, (*loc, "samples", i)) for i in range(len(samples))]
    if isinstance(schema, dict) and samples:
        validator = jsonschema.validators.validator_for(schema)(schema)
        for sample, (sample_locator, sample_loc) in zip(samples, sample_locs, strict=True):
            if sample.expected is None:
                continue
            mismatch = jsonschema.exceptions.best_match(validator.iter_errors(sample.expected))
            if mismatch is not None:
                problems.append(
                    sample_locator.problem(
                        (*sample_loc, "expected", *mismatch.path),
                        f"does not satisfy response_schema: {mismatch.message}",
                        at_value=True,
                    )
                )
    return workload.model_copy(update={"response_schema": schema, "samples": samples})


def _load_schema_file(
    path: Path, locator: Locator, loc: Loc, problems: list[Problem]
) -> dict[str, Any] | None:
    try:
        text = read_bounded(path, SCHEMA_FILE_MAX, "response schema")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(locator.problem(loc, f"cannot read {path}: {error}", at_value=True))
        return None
    try:
        data = load_yaml(path, text)  # YAML is a superset of JSON: either format works
    except InputError as error:
        problems.extend(error.problems)
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), 1, 1, "", "a JSON Schema must be an object"))
        return None
    return data


def _load_samples_file(
    path: Path, locator: Locator, loc: Loc, problems: list[Problem]
) -> tuple[list[Sample], list[tuple[Locator, Loc]]]:
    """Samples from a JSONL file: one JSON object per line; problems point at the line."""
    try:
        lines = read_bounded(path, SAMPLES_FILE_MAX, "samples file").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        problems.append(locator.problem(loc, f"cannot read {path}: {error}", at_value=True))
        return [], []
    samples: list[Sample] = []
    locs: list[tuple[Locator, Loc]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        line_locator = _LineLocator(path, number)
        try:
            data = json.loads(line, parse_constant=_no_constant)
        except json.JSONDecodeError as error:
            problems.append(
                Problem(str(path), number, error.colno, "", f"invalid JSON: {error.msg}")
            )
            continue
        try:
            samples.append(Sample.model_validate(data))
            locs.append((line_locator, ()))
        except ValidationError as error:
            problems.extend(validation_problems(error, data, line_locator))
    if not samples and not problems:
        problems.append(Problem(str(path), 1, 1, "", "no samples in the file"))
    return samples, locs


def _no_constant(name: str) -> Any:
    """JSON's NaN and Infinity extensions are refused, as in every other number we read."""
    raise json.JSONDecodeError(f"{name} is not a finite number", name, 0)


class _LineLocator(Locator):
    """Positions inside one JSONL line: the line is known, the column is its start."""

    def __init__(self, path: Path, line: int) -> None:
        super().__init__(path, "")
        self._line = line

    def position(self, loc: Loc, *, at_value: bool = False) -> tuple[int, int]:
        return self._line, 1
