"""What a probe needs to know about a workload, as plain data (probes never import advisor)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SampleSpec:
    """One of the workload's own representative requests."""

    messages: list[dict[str, Any]]
    expected: Any = None


@dataclass(frozen=True)
class WorkloadSpec:
    """The sizes, prompts and budgets a probe is shaped by."""

    name: str
    context_tokens: int = 1000
    max_context_tokens: int = 1000
    output_tokens: int = 256
    system_prompt: str | None = None
    response_schema: dict[str, Any] | None = None
    samples: list[SampleSpec] = field(default_factory=list)
    ttft_p95_ms: float | None = None
    e2e_p95_ms: float | None = None
    peak_rps: float | None = None
    modalities: list[str] = field(default_factory=lambda: ["text"])
    strict_determinism: bool = False
    time_scale: float = 1.0
    """On a simulator at this time scale, the budgets above are already multiplied by it,
    and so are the fixed request limits (`probes.deadlines`): a scaled run cuts the requests
    a real-time run would cut."""
