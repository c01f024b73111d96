"""OpenAI-style request/response logs, one JSON object per line.

A line holds a chat completions request body and, optionally, what came back and when:

- `request` (or `body`, as in the Batch API's input lines): the request body, read by
  `advisor.traffic.bodies`; a line that is itself a request body (`model` and `messages`)
  is read the same way.
- `response`: the chat completion object (`model`, `created`, `usage.prompt_tokens`,
  `usage.completion_tokens`, `choices[].message.content`), or the Batch API's output shape
  `{"status_code": ..., "body": <chat completion>}`.
- Optional measurements: `timestamp` (ISO 8601 or epoch seconds; else the response's
  `created`), `latency_ms` / `latency_s`, `ttft_ms` / `ttft_s`, `status` (HTTP),
  `cost_usd`, and `route` (the alias the caller used, when a gateway rewrote `model`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.traffic import bodies
from advisor.traffic.fields import Where
from advisor.traffic.records import LoggedRequest


def looks_like(record: Any) -> bool:
    """True for a record of this format."""
    if not isinstance(record, Mapping):
        return False
    body = record.get("request", record.get("body"))
    if isinstance(body, Mapping) and "messages" in body:
        return True
    return "messages" in record and "model" in record


def read(record: Any, where: Where) -> LoggedRequest:
    """One line as a logged request."""
    line = where.mapping(record, "line")
    if "request" in line or "body" in line:
        key = "request" if "request" in line else "body"
        body = where.mapping(line[key], key)
        prefix = f"{key}."
    else:
        body, prefix = line, ""
    messages = bodies.message_list(body.get("messages"))
    if messages is None:
        raise where.error(f"{prefix}messages", "expected a list of message objects")
    response = where.mapping(line.get("response"), "response")
    status = where.status(line.get("status", response.get("status_code")), "status")
    if "body" in response and "choices" not in response:
        response = where.mapping(response["body"], "response.body")
    usage = where.mapping(response.get("usage"), "response.usage")
    input_tokens = where.count(usage.get("prompt_tokens"), "response.usage.prompt_tokens")
    output_tokens = where.count(usage.get("completion_tokens"), "response.usage.completion_tokens")
    at = where.time(line.get("timestamp"), "timestamp")
    if at is None:
        at = where.time(response.get("created"), "response.created")
    route = where.text(line.get("route"), "route") or where.text(
        body.get("model"), f"{prefix}model"
    )
    return LoggedRequest(
        source=where.source,
        at=at,
        route=route,
        model=where.text(response.get("model"), "response.model"),
        system_prompt=bodies.system_prompt(messages),
        messages=messages,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        latency_s=_duration(line, "latency", where),
        ttft_s=_duration(line, "ttft", where),
        status=status if status is not None else (200 if response else None),
        structured=bodies.structured(body),
        tools=bodies.offers_tools(body),
        images=bodies.has_image(messages),
        cost_usd=where.number(line.get("cost_usd"), "cost_usd"),
    )


def answer_text(record: Any) -> str:
    """The first choice's text, for estimating output tokens when usage is missing."""
    if not isinstance(record, Mapping):
        return ""
    response = record.get("response")
    if isinstance(response, Mapping) and "body" in response and "choices" not in response:
        response = response["body"]  # the Batch API's output line
    return bodies.answer_of(response)


def _duration(line: Mapping[str, Any], name: str, where: Where) -> float | None:
    if f"{name}_ms" in line:
        return where.seconds(line[f"{name}_ms"], f"{name}_ms", 0.001)
    return where.seconds(line.get(f"{name}_s"), f"{name}_s", 1.0)
