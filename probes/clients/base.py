"""What every wire client shares: the request a probe asks for, the timed bytes of the answer,
and how those bytes become a classified, measured attempt.

Timing follows the project's definitions (see docs/probes.md): the clock is
`time.perf_counter_ns()`, read when a request is handed to the connection and when each chunk
of bytes arrives; events are parsed only after the stream ends, so parsing never delays a
timestamp. TTFT is the first event carrying an output token (content, reasoning or a tool-call
delta); role-only and keep-alive events do not count.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal[
    "ok",
    "truncated",
    "invalid_event",
    "stream_error",
    "error_body",
    "http_429",
    "http_4xx",
    "http_5xx",
    "deadline_first_byte",
    "deadline_stall",
    "deadline_total",
    "refused",
    "connect_error",
    "reset",
    "malformed",
    "wrong_content_type",
    "too_large",
    "over_budget",
    "cancelled",
]
"""How an attempt ended (docs/probes.md has the table); the last two mean it was never sent.
The `deadline_*` ones were cut by our own limits, not by the server."""

DEADLINES: tuple[Outcome, ...] = ("deadline_first_byte", "deadline_stall", "deadline_total")


class InvalidEvent(ValueError):
    """A stream event that is not the wire's format (not JSON, not an object, after the end)."""


class StreamError(ValueError):
    """The server reported an error inside a stream it had started with status 200."""


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
    stale_retry: bool = False
    """Sent a second time because the pooled connection it first went on had been closed by
    the server while idle; the times are those of the second send."""


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
    retry_after_s: float | None = None
    """With an error status: the wait the server asked for, from either form of the header."""


_EVENT_END = re.compile(rb"\r?\n\r?\n|\r\r")
_decode_json = json.JSONDecoder().decode


def sse_events(chunks: list[tuple[int, bytes]]) -> Iterator[Event]:
    """Split timed chunks into server-sent events, each stamped with the arrival time of the
    chunk that held its first byte. Comment lines (`: ...`) are skipped; a `data:` that is not
    a JSON object, or any event after the OpenAI `[DONE]` sentinel, raises InvalidEvent."""
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
    finished = False
    for end, next_begin in spans:
        if end > begin:
            event = _event(buffer[begin:end], chunks[bisect_right(offsets, begin) - 1][0])
            if event is not None and finished:
                raise InvalidEvent("an event after [DONE]")
            if event is _DONE:
                finished = True
            elif event is not None:
                yield event
        begin = next_begin


_DONE = Event(0, {})
"""What `_event` returns for the `[DONE]` sentinel."""


def _event(block: bytes, recv_ns: int) -> Event | None:
    name, data_lines = None, []
    for line in block.splitlines():
        if not line or line.startswith(b":"):
            continue
        field_name, _, value = line.partition(b":")
        value = value[1:] if value.startswith(b" ") else value
        if field_name == b"event":
            name = value.decode("utf-8", "replace")
        elif field_name == b"data":
            data_lines.append(value)
    if not data_lines:
        return None
    data = b"\n".join(data_lines)
    if data.strip() == b"[DONE]":
        return _DONE
    try:
        # SSE is UTF-8 by definition: decoding here spares json.loads its encoding sniffing,
        # a measurable share of the work per event.
        parsed = _decode_json(data.decode())
    except json.JSONDecodeError as error:
        raise InvalidEvent(f"event data is not JSON: {error.msg}") from None
    except (UnicodeDecodeError, RecursionError):
        raise InvalidEvent("event data is not UTF-8 JSON") from None
    if not isinstance(parsed, dict):
        raise InvalidEvent("event data is not a JSON object")
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
    """What every wire does with an exchange: errors before bytes, error statuses, error
    pages sent with status 200, then the wire's reader (an invalid event, an error event
    inside the stream, a stream without its final event), then transport failures."""
    if timed.error is not None and not timed.chunks:
        return Reply(timed.error, error=timed.error_text)
    if timed.status is not None and timed.status >= 400:
        return Reply(
            http_outcome(timed.status),
            error=error_message(timed),
            retry_after_s=retry_after_seconds(timed.headers),
        )
    reply = Reply(
        "ok", request_id=timed.headers.get(request_id_header) if request_id_header else None
    )
    page = error_page(timed, stream)
    if page is not None:
        reply.outcome, reply.error = page
        return settle(reply, timed)
    try:
        (read_stream if stream else read_whole)(timed, reply)
    except StreamError as error:
        reply.outcome, reply.error = "stream_error", str(error)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        reply.outcome = "invalid_event" if stream else "malformed"
        reply.error = str(error) or type(error).__name__
    if timed.error is None and stream and reply.outcome == "ok" and reply.finish_reason is None:
        reply.outcome, reply.error = "truncated", "the stream ended without its final event"
    return settle(reply, timed)


def error_page(timed: Timed, stream: bool) -> tuple[Outcome, str] | None:
    """An HTML page, or a JSON object holding only an error, sent with a success status
    (proxies, captive portals and some gateways do): `error_body`. A JSON answer to a
    stream request that is not an error is `wrong_content_type`."""
    content_type = timed.headers.get("content-type", "").lower()
    if "text/html" in content_type:
        raw = b"".join(chunk for _, chunk in timed.chunks)[:4096].decode("utf-8", "replace")
        title = re.search(r"<title[^>]*>(.*?)</title>", raw, re.I | re.S)
        shown = " ".join((title.group(1) if title else raw[:120]).split())
        return "error_body", f"an HTML page with status {timed.status}: {shown}"
    if "json" not in content_type:
        return None
    try:
        data = body_json(timed)
    except (ValueError, RecursionError):
        return None if not stream else ("wrong_content_type", "a JSON body that does not parse")
    if isinstance(data, dict) and "error" in data and not _has_answer(data):
        return "error_body", f"an error with status {timed.status}: {error_text(data)}"
    if stream and "event-stream" not in content_type and not _whole_stream_ok(data):
        return "wrong_content_type", f"expected text/event-stream, got {content_type}"
    return None


def _has_answer(data: dict[str, Any]) -> bool:
    return any(k in data for k in ("choices", "content", "candidates"))


def _whole_stream_ok(data: Any) -> bool:
    """Gemini answers a stream request with a JSON array of its chunks when not asked for SSE."""
    return isinstance(data, list)


def retry_after_seconds(headers: dict[str, str], now: dt.datetime | None = None) -> float | None:
    """The wait a server asked for: `retry-after-ms`, else `retry-after` in seconds or as an
    HTTP-date (RFC 9110 §10.2.3); None when absent or unreadable, never negative or NaN."""
    try:
        if "retry-after-ms" in headers:
            seconds = float(headers["retry-after-ms"]) / 1000
        elif "retry-after" in headers:
            value = headers["retry-after"].strip()
            try:
                seconds = float(value)
            except ValueError:
                when = email.utils.parsedate_to_datetime(value)
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.UTC)
                seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
        else:
            return None
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


CUT_SHORT: tuple[Outcome, ...] = (*DEADLINES, "truncated", "too_large", "reset")
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
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
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
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return raw[:300].decode("utf-8", "replace")
    return error_text(body)


def error_text(body: Any) -> str:
    """The message of a parsed error body, or the start of its JSON."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])[:500]
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return json.dumps(body["error"])[:500]
    return json.dumps(body)[:500]
