"""Structured output: how often the answer parses, satisfies the schema, comes fenced in
markdown, or is cut short."""

from __future__ import annotations

import json
import re
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
            prompt = (
                f"{user}\n\nAnswer with JSON only, matching this JSON Schema:\n{json.dumps(schema)}"
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
            Figure("schema_valid_rate", share("valid"), n, "share"),
            Figure("fenced_rate", share("fenced"), n, "share"),
            Figure("truncated_rate", truncated / n if n else None, n, "share"),
        ]


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
