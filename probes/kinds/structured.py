"""Structured output: how often the answer parses, satisfies the schema, comes fenced in
markdown, or is cut short, and whether it carries what the prompt told it.

Schema validity alone is a requirement a model can meet without reading the prompt: under an
engine's constrained decoding (vLLM's, OpenAI's strict json_schema) even a model that emits
noise answers schema-valid JSON every time. So each prompt also tells the model one value
(`Set "title" to "case K7Q2X".`, for the schema's first required string property; else an
enum property, cycling through its values; else an integer one), and `instructed_value_rate`
is the share of answers whose JSON holds it: the positive requirement. Its chance level
(what a model picking any schema-valid value scores) is 0 for a string, 1/k for an enum of k
values and 1/(range) for a bounded integer; it is reported beside the figure.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from probes.clients import ChatRequest
from probes.decide import MIN_SCHEMA_VALID, Verdict, share_verdict
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings, messages
from probes.load import Load
from probes.spec import WorkloadSpec
from probes.targets import Target

DEFAULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "priority": {"enum": ["low", "medium", "high"]},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "priority", "tags"],
    "additionalProperties": False,
}
TOPICS = (
    "a failed payment",
    "a login problem",
    "a slow report",
    "a missing invoice",
    "a data export",
)
FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOLD = re.compile(r'\nSet ("(?:[^"\\]|\\.)*") to ("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)\.$')
"""The instruction sentence at the end of a prompt: `Set "<property>" to <JSON value>.`"""


@dataclass(frozen=True)
class Instruction:
    """One value the prompt tells the model to put in its JSON, and the chance of a
    schema-valid answer holding it without reading the prompt."""

    prop: str
    value: Any
    chance: float

    @property
    def sentence(self) -> str:
        return f"Set {json.dumps(self.prop)} to {json.dumps(self.value)}."

    def held_by(self, text: str) -> bool:
        value = parse_json(text)
        return isinstance(value, dict) and value.get(self.prop) == self.value


def instruction(schema: dict[str, Any], index: int, seed: int) -> Instruction | None:
    """The value prompt `index` dictates: a string property first (chance 0), else an enum
    (cycling its values), else an integer; None when the schema has none of them."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return None
    names = [*schema.get("required", []), *props]
    subs = [(n, props[n]) for n in dict.fromkeys(names) if isinstance(props.get(n), dict)]
    rng = random.Random(f"structured:{seed}:{index}")
    for name, sub in subs:
        if sub.get("type") == "string" and not set(sub) & {"enum", "const", "format", "pattern"}:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(5))
            limit = sub.get("maxLength")
            value = f"case {code}" if limit is None or limit >= 10 else code[: max(1, limit)]
            if len(value) >= sub.get("minLength", 0):
                return Instruction(name, value, 0.0)
    for name, sub in subs:
        choices = sub.get("enum")
        if isinstance(choices, list) and choices:
            return Instruction(name, choices[index % len(choices)], _guess(sub))
    for name, sub in subs:
        if sub.get("type") == "integer":
            return Instruction(name, rng.randint(*_int_range(sub)), _guess(sub))
    return None


def _int_range(sub: dict[str, Any]) -> tuple[int, int]:
    """The integers an instruction picks from: the schema's bounds, else 100 to 999."""
    low = int(sub.get("minimum", 100))
    return low, int(sub.get("maximum", max(low, 999)))


def _guess(sub: dict[str, Any]) -> float:
    """The chance that any schema-valid value of the property is the dictated one."""
    if isinstance(sub.get("enum"), list) and sub["enum"]:
        return 1 / len(sub["enum"])
    if sub.get("type") == "integer":
        low, high = _int_range(sub)
        return 1 / (high - low + 1)
    return 0.0


DECISIVE_STEP = 5
"""A decisive run asks for structured output this many at a time."""


class Structured:
    name = "structured"
    needs = "JSON answers that parse and satisfy the workload's response schema"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        schema = spec.response_schema or DEFAULT_SCHEMA
        native = target.offering.capabilities.structured_output
        requests = []
        for i in range(max(5, settings.requests)):
            if spec.samples:
                user = spec.samples[i % len(spec.samples)].messages[-1]["content"]
            else:
                user = f"Describe {TOPICS[i % len(TOPICS)]} as a support ticket."
            told = instruction(schema, i, settings.seed)
            prompt = (
                f"{user}\n\nAnswer with JSON only, matching this JSON Schema:\n{json.dumps(schema)}"
                + (f"\n\n{told.sentence}" if told else "")
            )
            requests.append(
                ChatRequest(
                    messages=messages(spec, prompt),
                    max_tokens=max(64, spec.output_tokens * 4),
                    temperature=0.0
                    if target.offering.determinism.temperature is not False
                    else None,
                    response_schema=schema if native.json_schema is not False else None,
                    json_mode=native.json_schema is False and native.json_mode is not False,
                )
            )
        if not settings.decisive:
            return [Batch("prompts", requests, Load(concurrency=4))]
        validator = jsonschema.validators.validator_for(schema)(schema)
        most = len(requests)

        def verdict(sent: list[Sent]) -> Verdict:
            valid = sum(s.ok and check_json(s.reply.text, validator) == "valid" for s in sent)
            return share_verdict(valid, len(sent), MIN_SCHEMA_VALID, most)

        return [Batch("prompts", requests, step=DECISIVE_STEP, verdict=verdict)]

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        schema = spec.response_schema or DEFAULT_SCHEMA
        validator = jsonschema.validators.validator_for(schema)(schema)
        answered = [s for s in sent["prompts"] if s.ok or s.reply.outcome == "truncated"]
        verdicts = [check_json(s.reply.text, validator) for s in answered]
        n = len(answered)
        told = [(s, t) for s in answered if (t := told_in(s.request, schema)) is not None]
        held = [t.held_by(s.reply.text) for s, t in told]
        chances = [t.chance for _, t in told]
        # Under the engine's constrained decoding, any model answers schema-valid JSON.
        native = any(s.request.response_schema is not None for s in answered)

        def share(kind: str) -> float | None:
            return (
                sum(
                    v == kind or (kind == "parsed" and v in ("valid", "schema_broken"))
                    for v in verdicts
                )
                / n
                if n
                else None
            )

        truncated = sum(
            s.reply.finish_reason in ("length", "max_tokens", "MAX_TOKENS") for s in answered
        )
        return [
            Figure("parse_rate", share("parsed"), n, "share"),
            Figure(
                "schema_valid_rate",
                share("valid"),
                n,
                "share",
                {"chance": 1.0 if native else 0.0, "constrained": native},
            ),
            Figure(
                "instructed_value_rate",
                sum(held) / len(held) if held else None,
                len(held),
                "share",
                {"chance": sum(chances) / len(chances) if chances else None},
            ),
            Figure("fenced_rate", share("fenced"), n, "share"),
            Figure("truncated_rate", truncated / n if n else None, n, "share"),
        ]


def told_in(request: ChatRequest, schema: dict[str, Any]) -> Instruction | None:
    """The instruction a sent prompt carries, read back from its last message."""
    found = TOLD.search(str(request.messages[-1]["content"]))
    if not found:
        return None
    prop, value = json.loads(found[1]), json.loads(found[2])
    return Instruction(prop, value, _guess((schema.get("properties") or {}).get(prop) or {}))


def parse_json(text: str) -> Any:
    """The JSON value of an answer, unwrapping a markdown fence; None when it does not parse."""
    fenced = FENCE.match(text)
    try:
        return json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError:
        return None


def check_json(text: str, validator: Any) -> str:
    """'valid', 'schema_broken', 'fenced' (valid JSON inside a markdown fence) or 'invalid'."""
    fenced = FENCE.match(text)
    try:
        value = json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError:
        return "invalid"
    if fenced:
        return "fenced"
    return "valid" if validator.is_valid(value) else "schema_broken"
