"""Workload templates: a starting point per task kind, pre-filled with requirements that suit it.

A template is only a start: every value is shown in the editor and meant to be changed. It sets
what the task kind implies (a classifier wants repeatable, schema-bound, short answers; an agent
wants tool calling and room for a growing context) and leaves budgets, volume and provider
rules unset, because those depend on the user's own traffic and contracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, get_args

from advisor.workload.model import Task, Workload


@dataclass(frozen=True)
class Template:
    """Pre-filled requirements for one task kind."""

    task: Task
    summary: str
    """One line saying what the template assumes, shown in the picker."""
    fields: Mapping[str, Any]
    """Workload fields besides name and task."""

    def workload(self, name: str) -> Workload:
        """A new workload called `name` with this template's requirements."""
        return Workload.model_validate({"name": name, "task": self.task, **self.fields})


def _template(task: Task, summary: str, **fields: Any) -> Template:
    return Template(task, summary, MappingProxyType(fields))


TEMPLATES: Mapping[Task, Template] = MappingProxyType(
    {
        t.task: t
        for t in (
            _template(
                "classification",
                "labels: strict, JSON schema, a tiny output, fast",
                context_tokens=1000,
                max_context_tokens=4000,
                output_tokens=20,
                determinism="strict",
                structured_output="json_schema",
                latency={"ttft_p95_ms": 1000.0, "e2e_p95_ms": 2000.0},
            ),
            _template(
                "extraction",
                "fields from documents: strict, JSON schema, long inputs",
                context_tokens=3000,
                max_context_tokens=16000,
                output_tokens=500,
                determinism="strict",
                structured_output="json_schema",
                latency={"e2e_p95_ms": 10000.0},
            ),
            _template(
                "summarization",
                "long documents in, short summary out",
                context_tokens=8000,
                max_context_tokens=64000,
                output_tokens=500,
                determinism="preferred",
                latency={"e2e_p95_ms": 30000.0},
            ),
            _template(
                "chat",
                "conversation: history in context, quick first token",
                context_tokens=4000,
                max_context_tokens=32000,
                output_tokens=400,
                determinism="preferred",
                latency={"ttft_p95_ms": 1500.0},
            ),
            _template(
                "creative",
                "varied, longer answers; determinism not wanted",
                context_tokens=800,
                max_context_tokens=4000,
                output_tokens=800,
                determinism="any",
                latency={"ttft_p95_ms": 2500.0},
            ),
            _template(
                "code",
                "source files in context, long answers",
                context_tokens=8000,
                max_context_tokens=64000,
                output_tokens=1000,
                determinism="preferred",
                latency={"ttft_p95_ms": 3000.0},
            ),
            _template(
                "vision",
                "images and text in, a short text answer out",
                context_tokens=2000,
                max_context_tokens=8000,
                output_tokens=300,
                determinism="preferred",
                modalities=["text", "image"],
                latency={"ttft_p95_ms": 3000.0},
            ),
            _template(
                "agent",
                "tool calling, a context that grows with each step",
                context_tokens=12000,
                max_context_tokens=100000,
                output_tokens=800,
                determinism="preferred",
                tool_calling=True,
            ),
        )
    }
)
"""One template per task kind, in the order the workload file documents them."""

TASKS: tuple[Task, ...] = get_args(Task)
"""Every task kind."""


def from_template(task: Task, name: str) -> Workload:
    """A new workload called `name`, pre-filled for `task`."""
    return TEMPLATES[task].workload(name)
