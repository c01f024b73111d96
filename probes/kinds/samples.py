"""The workload's own representative requests, run on every candidate with its system prompt:
each output kept, checked against `expected` and the response schema."""

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
            figures.append(Figure("schema_valid_rate", valid / n if n else None, n, "share"))
        if judged:
            figures.append(Figure("expected_agreement", agree / judged, judged, "share"))
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
