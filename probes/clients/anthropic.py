"""Anthropic Messages: the request shape and the streamed event sequence
(message_start, content_block_start/delta/stop, message_delta, message_stop, ping)."""

from __future__ import annotations

import json
from typing import Any

from probes.clients.base import (
    ChatRequest,
    Reply,
    StreamError,
    Timed,
    body_json,
    classify,
    mark_token,
    sse_events,
)

VERSION = "2023-06-01"


def url(base_url: str) -> str:
    return base_url.rstrip("/") + "/messages"


def headers(api_key: str | None) -> dict[str, str]:
    out = {"anthropic-version": VERSION}
    if api_key:
        out["x-api-key"] = api_key
    return out


def body(model: str, request: ChatRequest) -> dict[str, Any]:
    system = [m["content"] for m in request.messages if m["role"] == "system"]
    out: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": [_message(m) for m in request.messages if m["role"] != "system"],
        "stream": request.stream,
    }
    if system:
        out["system"] = "\n\n".join(str(s) for s in system)
    if request.temperature is not None:
        out["temperature"] = request.temperature
    if request.tools:
        out["tools"] = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "input_schema": t["function"].get("parameters", {"type": "object"}),
            }
            for t in request.tools
        ]
    return out


def _message(message: dict[str, Any]) -> dict[str, Any]:
    content = message["content"]
    if isinstance(content, str):
        return {"role": message["role"], "content": content}
    blocks = []
    for part in content:
        if part.get("type") == "text":
            blocks.append({"type": "text", "text": part["text"]})
        elif part.get("type") == "image_url":
            media, _, data = part["image_url"]["url"].removeprefix("data:").partition(";base64,")
            blocks.append(
                {"type": "image", "source": {"type": "base64", "media_type": media, "data": data}}
            )
        elif part.get("type") == "file":
            data = part["file"]["file_data"].partition(";base64,")[2]
            blocks.append(
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": data},
                }
            )
    return {"role": message["role"], "content": blocks}


def parse(timed: Timed, stream: bool) -> Reply:
    """Classify and measure one exchange."""
    return classify(timed, stream, _stream, _whole, "request-id")


def _stream(timed: Timed, reply: Reply) -> None:
    text: list[str] = []
    tools: dict[int, dict[str, Any]] = {}
    stop_reason = None
    for event in sse_events(timed.chunks):
        data = event.data
        kind = data.get("type")
        if kind == "error":
            raise StreamError(f"error in stream: {data.get('error')}")
        if kind == "message_start":
            message = data["message"]
            reply.request_id = message.get("id") or reply.request_id
            reply.model = message.get("model")
            _usage(message.get("usage") or {}, reply)
        elif kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                tools[data["index"]] = {"name": block.get("name", ""), "arguments": ""}
        elif kind == "content_block_delta":
            delta = data["delta"]
            if delta.get("type") == "text_delta" and delta.get("text"):
                text.append(delta["text"])
                mark_token(reply, event.recv_ns)
            elif delta.get("type") == "thinking_delta" and delta.get("thinking"):
                mark_token(reply, event.recv_ns)
            elif delta.get("type") == "input_json_delta":
                tools.setdefault(data["index"], {"name": "", "arguments": ""})
                tools[data["index"]]["arguments"] += delta.get("partial_json", "")
                mark_token(reply, event.recv_ns)
        elif kind == "message_delta":
            stop_reason = (data.get("delta") or {}).get("stop_reason") or stop_reason
            _usage(data.get("usage") or {}, reply)
        elif kind == "message_stop":
            reply.finish_reason = stop_reason or "end_turn"
    reply.text = "".join(text)
    reply.tool_calls = [tools[i] for i in sorted(tools)]


def _whole(timed: Timed, reply: Reply) -> None:
    data = body_json(timed)
    reply.request_id = data.get("id") or reply.request_id
    reply.model = data.get("model")
    reply.finish_reason = data.get("stop_reason")
    _usage(data.get("usage") or {}, reply)
    reply.text = "".join(
        b.get("text", "") for b in data.get("content", []) if b.get("type") == "text"
    )
    reply.tool_calls = [
        {"name": b["name"], "arguments": json.dumps(b.get("input", {}))}
        for b in data.get("content", [])
        if b.get("type") == "tool_use"
    ]
    if reply.text or reply.tool_calls:
        assert timed.end_ns is not None
        mark_token(reply, timed.first_byte_ns or timed.end_ns)


def _usage(usage: dict[str, Any], reply: Reply) -> None:
    if "input_tokens" in usage:
        reply.input_tokens = usage["input_tokens"] + (usage.get("cache_read_input_tokens") or 0)
        reply.cached_tokens = usage.get("cache_read_input_tokens", reply.cached_tokens)
    if "output_tokens" in usage:
        reply.output_tokens = usage["output_tokens"]
