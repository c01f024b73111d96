"""The workload's own representative requests, run on every candidate with its system prompt:
each output kept, checked against `expected` and the response schema.

Agreement with `expected` is the positive requirement. Its chance level is what a model that
picks any schema-valid answer scores: for an expected object whose fields are enums of the
response schema, the product of 1/(number of values) (a 5-label classifier: 20 %); for
anything else, 0 (free text cannot be guessed). Schema validity's chance level is 100 % when
the request used the engine's native JSON Schema mode (constrained decoding makes any model's
answer valid) and 0 otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from probes.clients import ChatRequest
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings
from probes.kinds.structured import check_json
from probes.load import Load
from probes.spec import WorkloadSpec
from probes.targets import Target


class Samples:
    name = "samples"
    needs = "the workload's own requests: outputs side by side, schema validity, expected answers"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        if not spec.samples:
            return []
        return [Batch("samples", sample_requests(spec, target), Load(concurrency=1))]

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        rows = sent.get("samples", [])
        validator = (
            jsonschema.validators.validator_for(spec.response_schema)(spec.response_schema)
            if spec.response_schema
            else None
        )
        outputs = []
        agree = judged = valid = 0
        for s in sorted(rows, key=lambda r: r.index):
            expected = spec.samples[s.index].expected
            verdict = check_json(s.reply.text, validator) if validator is not None else None
            matches = agrees(s.reply.text, expected) if expected is not None and s.ok else None
            if matches is not None:
                judged += 1
                agree += matches
            valid += verdict == "valid"
            outputs.append(
                {
                    "index": s.index,
                    "outcome": s.reply.outcome,
                    "output": s.reply.text,
                    "schema": verdict,
                    "expected": expected,
                    "agrees": matches,
                    "ttft_ms": s.ttft_ms,
                    "e2e_ms": s.e2e_ms,
                    "cost_usd": s.cost_usd,
                }
            )
        n = len(rows)
        figures = [Figure("outputs", float(n), n, "samples", {"outputs": outputs})]
        if validator is not None:
            native = any(s.request.response_schema is not None for s in rows)
            figures.append(
                Figure(
                    "schema_valid_rate",
                    valid / n if n else None,
                    n,
                    "share",
                    {"chance": 1.0 if native else 0.0, "constrained": native},
                )
            )
        if judged:
            chances = [
                guess_chance(spec.samples[s.index].expected, spec.response_schema)
                for s in rows
                if s.ok and spec.samples[s.index].expected is not None
            ]
            figures.append(
                Figure(
                    "expected_agreement",
                    agree / judged,
                    judged,
                    "share",
                    {"chance": sum(chances) / len(chances)},
                )
            )
        return figures


def sample_requests(spec: WorkloadSpec, target: Target) -> list[ChatRequest]:
    """Each of the workload's samples with its system prompt, at temperature 0 where the
    offering takes one, in the offering's native JSON Schema mode where it may have one."""
    native = target.offering.capabilities.structured_output
    requests = []
    for sample in spec.samples:
        msgs = list(sample.messages)
        if spec.system_prompt and not any(m["role"] == "system" for m in msgs):
            msgs.insert(0, {"role": "system", "content": spec.system_prompt})
        requests.append(
            ChatRequest(
                messages=msgs,
                max_tokens=max(16, spec.output_tokens * 4),
                temperature=0.0 if target.offering.determinism.temperature is not False else None,
                response_schema=spec.response_schema
                if spec.response_schema and native.json_schema is not False
                else None,
            )
        )
    return requests


def guess_chance(expected: Any, schema: dict[str, Any] | None) -> float:
    """The chance that a model picking any schema-valid answer agrees with `expected`: the
    product of 1/(enum size) over the expected fields, 0 when a field is not an enum."""
    props = (schema or {}).get("properties") or {}
    if not isinstance(expected, dict) or not expected:
        return 0.0
    chance = 1.0
    for key in expected:
        choices = (props.get(key) or {}).get("enum")
        if not isinstance(choices, list) or not choices:
            return 0.0
        chance /= len(choices)
    return chance


def agrees(text: str, expected: Any) -> bool:
    """Equal as JSON when the expectation is structured; else a case-insensitive match."""
    if isinstance(expected, dict | list):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return False
        if isinstance(expected, dict) and isinstance(value, dict):
            return all(value.get(k) == v for k, v in expected.items())
        return bool(value == expected)
    return str(expected).strip().lower() == text.strip().lower()
