"""The LiteLLM proxy's spend logs: rows of its `LiteLLM_SpendLogs` table, as `GET /spend/logs`
returns them (a JSON array) or one row per line.

Field meanings are the table's (litellm `proxy/schema.prisma`, `model LiteLLM_SpendLogs`):
`request_id`; `startTime`, `endTime` and `completionStartTime` (ISO 8601; the first token's
time when streaming); `request_duration_ms`; `model` (the deployment's model that served it)
and `model_group` (the public model name the caller asked for); `prompt_tokens`,
`completion_tokens`; `spend` (USD); `status` (`success` or `failure`, with
`metadata.error_information.error_code` on failures); and, only when the proxy stores
prompts (`store_prompts_in_spend_logs`), `messages`, `response` and `proxy_server_request`
(the request body as sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.traffic import bodies
from advisor.traffic.fields import Where
from advisor.traffic.records import LogError, LoggedRequest


def looks_like(record: Any) -> bool:
    """True for a spend-log row."""
    return isinstance(record, Mapping) and "request_id" in record and "startTime" in record


def read(record: Any, where: Where) -> LoggedRequest:
    """One spend-log row as a logged request."""
    row = where.mapping(record, "row")
    body = _request_body(row, where)
    messages = bodies.message_list(body.get("messages")) or ()
    start = where.time(row.get("startTime"), "startTime")
    end = where.time(row.get("endTime"), "endTime")
    first = where.time(row.get("completionStartTime"), "completionStartTime")
    latency = where.seconds(row.get("request_duration_ms"), "request_duration_ms", 0.001)
    if latency is None and start is not None and end is not None and end >= start:
        latency = end - start
    ttft = first - start if first is not None and start is not None and first >= start else None
    status = _status(row, where)
    tokens_in = where.count(row.get("prompt_tokens"), "prompt_tokens")
    tokens_out = where.count(row.get("completion_tokens"), "completion_tokens")
    if row.get("status") == "failure" and not tokens_in and not tokens_out:
        tokens_in = tokens_out = None  # the columns' default 0: nothing was counted
    route = where.text(row.get("model_group"), "model_group")
    model = where.text(row.get("model"), "model")
    return LoggedRequest(
        source=where.source,
        at=start,
        route=route or model,
        model=model or route,
        system_prompt=bodies.system_prompt(messages),
        messages=messages,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        latency_s=latency,
        ttft_s=ttft,
        status=status,
        structured=bodies.structured(body),
        tools=bodies.offers_tools(body),
        images=bodies.has_image(messages),
        cost_usd=where.number(row.get("spend"), "spend"),
    )


def answer_text(record: Any) -> str:
    """The stored response's first choice text ("" when the proxy kept no response)."""
    return bodies.answer_of(record.get("response")) if isinstance(record, Mapping) else ""


def _request_body(row: Mapping[str, Any], where: Where) -> Mapping[str, Any]:
    """The request body: `proxy_server_request` when stored, else the `messages` column."""
    stored = row.get("proxy_server_request")
    if isinstance(stored, Mapping) and stored:
        return stored
    messages = row.get("messages")
    if isinstance(messages, list):
        return {"messages": messages}
    if messages is None or messages == {} or messages == "":
        return {}  # prompts not stored: the proxy's default
    raise where.error("messages", "expected a list of message objects")


def _status(row: Mapping[str, Any], where: Where) -> int | None:
    status = row.get("status")
    if status in (None, ""):
        return None
    if status == "success":
        return 200
    if status != "failure":
        raise where.error("status", f"expected 'success' or 'failure', got {status!r}")
    metadata = where.mapping(row.get("metadata"), "metadata")
    info = metadata.get("error_information")
    code = info.get("error_code") if isinstance(info, Mapping) else None
    try:
        return where.status(code, "metadata.error_information.error_code")
    except LogError:
        return None  # a failure whose code is not an HTTP status: failed, status unknown
