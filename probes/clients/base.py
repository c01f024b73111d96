"""What every wire client shares: the request a probe asks for, the timed bytes of the answer,
and how those bytes become a classified, measured attempt.

Timing follows the project's definitions (see docs/probes.md): the clock is
`time.perf_counter_ns()`, read when a request is handed to the connection and when each chunk
of bytes arrives; events are parsed only after the stream ends, so parsing never delays a
timestamp. TTFT is the first event carrying an output token (content, reasoning or a tool-call
delta); role-only and keep-alive events do not count.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal[
    "ok",
    "timeout",
    "connect_error",
    "reset",
    "http_429",
    "http_4xx",
    "http_5xx",
    "malformed",
    "wrong_content_type",
    "truncated",
    "too_large",
    "over_budget",
    "cancelled",
]
"""How an attempt ended; the last two mean it was never sent."""


@dataclass(frozen=True)
class ChatRequest:
    """One request as a probe wants it, before any wire's shape."""

    messages: list[dict[str, Any]]
    """OpenAI-style messages: role and content (a string or content parts)."""
    max_tokens: int = 256
    temperature: float | None = None
    seed: int | None = None
    stream: bool = True
    response_schema: dict[str, Any] | None = None
    json_mode: bool = False
    tools: list[dict[str, Any]] | None = None
    """OpenAI-style tool definitions: {"type": "function", "function": {...}}."""
    extra_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Event:
    """One parsed stream event and the moment its first byte arrived."""

    recv_ns: int
    data: dict[str, Any]
    name: str | None = None


@dataclass
class Timed:
    """Raw timing and bytes of one HTTP exchange."""

    sent_ns: int
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    first_byte_ns: int | None = None
    end_ns: int | None = None
    chunks: list[tuple[int, bytes]] = field(default_factory=list)
    error: Outcome | None = None
    error_text: str | None = None


@dataclass
class Reply:
    """What a wire client makes of a timed exchange."""

    outcome: Outcome
    text: str = ""
    first_token_ns: int | None = None
    last_token_ns: int | None = None
    token_events: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    finish_reason: str | None = None
    request_id: str | None = None
    fingerprint: str | None = None
    model: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    gaps_ns: list[int] = field(default_factory=list)
    """Gaps between consecutive token events."""


_EVENT_END = re.compile(rb"\r?\n\r?\n|\r\r")
_decode_json = json.JSONDecoder().decode


def sse_events(chunks: list[tuple[int, bytes]]) -> Iterator[Event]:
    """Split timed chunks into server-sent events, each stamped with the arrival time of the
    chunk that held its first byte. Comment lines (`: ...`) are skipped; a `data:` that is not
    JSON raises ValueError (a malformed stream), except the OpenAI `[DONE]` sentinel."""
    if not chunks:
        return
    offsets: list[int] = []  # where each chunk starts in the buffer
    size = 0
    for _, chunk in chunks:
        offsets.append(size)
        size += len(chunk)
    buffer = b"".join(chunk for _, chunk in chunks)
    # This runs on the probing event loop for every finished stream: a plain split where the
    # stream uses bare newlines (most do) costs a tenth of the regular expression.
    if b"\r" in buffer:
        spans = [(m.start(), m.end()) for m in _EVENT_END.finditer(buffer)]
    else:
        spans, at = [], buffer.find(b"\n\n")
        while at != -1:
            spans.append((at, at + 2))
            at = buffer.find(b"\n\n", at + 2)
    spans.append((len(buffer), len(buffer)))
    begin = 0
    for end, next_begin in spans:
        if end > begin:
            event = _event(buffer[begin:end], chunks[bisect_right(offsets, begin) - 1][0])
            if event is not None:
                yield event
        begin = next_begin


def _event(block: bytes, recv_ns: int) -> Event | None:
    name, data_lines = None, []
    for line in block.splitlines():
        if not line or line.startswith(b":"):
            continue
        field_name, _, value = line.partition(b":")
        value = value[1:] if value.startswith(b" ") else value
        if field_name == b"event":
            name = value.decode()
        elif field_name == b"data":
            data_lines.append(value)
    if not data_lines:
        return None
    data = b"\n".join(data_lines)
    if data.strip() == b"[DONE]":
        return None
    try:
        # SSE is UTF-8 by definition: decoding here spares json.loads its encoding sniffing,
        # a measurable share of the work per event.
        parsed = _decode_json(data.decode())
    except json.JSONDecodeError as error:
        raise ValueError(f"event data is not JSON: {error.msg}") from None
    if not isinstance(parsed, dict):
        raise ValueError("event data is not a JSON object")
    return Event(recv_ns, parsed, name)


Reader = Callable[[Timed, Reply], None]
"""Fills a reply from the bytes of a successful exchange; raises on malformed input."""


def classify(
    timed: Timed,
    stream: bool,
    read_stream: Reader,
    read_whole: Reader,
    request_id_header: str | None,
) -> Reply:
    """What every wire does with an exchange: errors before bytes, error statuses, then the
    wire's reader, malformed input, streams without their final event, transport failures."""
    if timed.error is not None and not timed.chunks:
        return Reply(timed.error, error=timed.error_text)
    if timed.status is not None and timed.status >= 400:
        return Reply(http_outcome(timed.status), error=error_message(timed))
    reply = Reply(
        "ok", request_id=timed.headers.get(request_id_header) if request_id_header else None
    )
    try:
        (read_stream if stream else read_whole)(timed, reply)
    except (ValueError, KeyError, TypeError, IndexError) as error:
        reply.outcome, reply.error = "malformed", str(error)
    if timed.error is None and stream and reply.outcome == "ok" and reply.finish_reason is None:
        reply.outcome, reply.error = "truncated", "the stream ended without its final event"
    return settle(reply, timed)


CUT_SHORT: tuple[Outcome, ...] = ("timeout", "truncated", "too_large", "reset")
"""Transport failures that cut the answer; they name the outcome even when the partial
bytes also fail to parse."""


def settle(reply: Reply, timed: Timed) -> Reply:
    """Let a transport failure override what the parser made of the bytes before it."""
    if timed.error is not None and (reply.outcome == "ok" or timed.error in CUT_SHORT):
        reply.outcome, reply.error = timed.error, timed.error_text
    return reply


def mark_token(reply: Reply, recv_ns: int) -> None:
    """Record that an event carrying output tokens arrived at `recv_ns`."""
    if reply.first_token_ns is None:
        reply.first_token_ns = recv_ns
    elif reply.last_token_ns is not None:
        reply.gaps_ns.append(recv_ns - reply.last_token_ns)
    reply.last_token_ns = recv_ns
    reply.token_events += 1


def body_json(timed: Timed) -> Any:
    """The whole body of a non-streamed answer as JSON; ValueError when it is not."""
    raw = b"".join(chunk for _, chunk in timed.chunks)
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"body is not JSON: {error}") from None


def http_outcome(status: int) -> Outcome:
    if status == 429:
        return "http_429"
    if status >= 500:
        return "http_5xx"
    return "http_4xx"


def error_message(timed: Timed) -> str:
    """The provider's error message from an error body, or the raw start of it."""
    raw = b"".join(chunk for _, chunk in timed.chunks)
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return raw[:300].decode("utf-8", "replace")
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])[:500]
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return json.dumps(body["error"])[:500]
    return json.dumps(body)[:500]
