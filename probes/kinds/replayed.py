"""A request log's requests as the latency probe sends them when it replays a log."""

from __future__ import annotations

from typing import Final

from probes.clients import ChatRequest
from probes.kinds.base import Trace, messages
from probes.prompts import sized_prompt
from probes.spec import WorkloadSpec

REPLAY: Final = "replay"
"""The batch label of a replayed log, so the figures can say their arrivals were the log's."""


def replayed(spec: WorkloadSpec, trace: Trace) -> list[ChatRequest]:
    """The log's requests as sent: their messages as logged, else the workload's system
    prompt and a prompt of the logged input size; their logged output sizes."""
    out = []
    for i, (logged, tokens, output) in enumerate(
        zip(trace.messages, trace.input_tokens, trace.output_tokens, strict=True)
    ):
        chat = [dict(m) for m in logged] or messages(spec, sized_prompt(tokens, seed=i))
        out.append(ChatRequest(messages=chat, max_tokens=max(1, output)))
    return out
