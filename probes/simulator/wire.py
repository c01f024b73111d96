"""What the three wire modules share: the rendered reply and small JSON helpers.

A wire module turns a request body into an `Ask`, an `Answer` into a `Rendered` reply and a
`SimError` into its provider's error status, body and headers. The application (app.py)
picks the wire by path and applies faults and ground truth on top.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from catalog.schema import Offering
from probes.simulator.behaviour import Answer, Ask, SimError
from probes.simulator.ratelimit import RateState

TimedBytes = tuple[int, bytes]
"""(offset ns after the request arrived, the event's bytes)."""


@dataclass(slots=True)
class Context:
    """Per-request facts a wire needs to render."""

    model: str
    """The model id the response names."""
    request_id: str
    created: int
    """Unix seconds."""
    stream: bool
    include_usage: bool = False
    sse: bool = True
    """False only for Gemini's JSON-array streaming (no `alt=sse`)."""
    head_at: int = 0


@dataclass(slots=True)
class Rendered:
    """A reply before faults and transport: a whole body, or a stream in three parts."""

    content_type: str
    head_at: int
    body: bytes | None = None
    body_at: int = 0
    opening: list[TimedBytes] = field(default_factory=list)
    tokens: list[TimedBytes] = field(default_factory=list)
    closing: list[TimedBytes] = field(default_factory=list)
    token_event: Callable[[str], bytes] | None = None
    """Renders one more text token: how the `endless` fault keeps a stream going."""
    stamped: bool = True
    """SSE events that may carry ground-truth comment lines."""


@dataclass(slots=True)
class ErrorReply:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


class Wire(Protocol):
    """One provider API's request and response formats."""

    name: str

    def parse(self, body: Any, offering: Offering, ctx: Context) -> Ask:
        """The request as an Ask; raises BadRequest for a malformed one."""
        ...

    def render(self, ask: Ask, answer: Answer, ctx: Context) -> Rendered:
        """The answer as this API sends it, streamed or whole."""
        ...

    def error(self, error: SimError, ctx: Context) -> ErrorReply:
        """The provider's status, body and headers for a refusal."""
        ...

    def rate_headers(self, state: RateState) -> list[tuple[str, str]]:
        """The provider's rate-limit headers for a counted request."""
        ...


def dumps(value: Any) -> bytes:
    """Compact JSON bytes, as the providers send them."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


_STRING_CACHE: dict[str, bytes] = {}


def json_string(text: str) -> bytes:
    """`text` as a JSON string literal. Vocabulary words repeat, so they are cached."""
    found = _STRING_CACHE.get(text)
    if found is None:
        found = json.dumps(text, ensure_ascii=False).encode()
        if len(text) < 32 and len(_STRING_CACHE) < 100_000:
            _STRING_CACHE[text] = found
    return found


def split_offsets(answer: Answer) -> tuple[list[int], list[int]]:
    """Offsets of the text pieces and of the tool-argument pieces."""
    n = len(answer.pieces)
    return answer.offsets[:n], answer.offsets[
        n : n + (len(answer.tool.pieces) if answer.tool else 0)
    ]


def seconds_text(seconds: float) -> str:
    """OpenAI's reset format: '120ms', '1.5s', '6m0s'."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes = int(seconds // 60)
    return f"{minutes}m{int(seconds - minutes * 60)}s"


def ceil_seconds(seconds: float) -> str:
    """A `retry-after` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
