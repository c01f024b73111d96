"""OpenAI chat completions, as OpenAI and every openai-compatible host speak it
(OpenRouter, Groq, Together, DeepSeek, Mistral, xAI, vLLM, Ollama, llama.cpp)."""

from __future__ import annotations

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


def url(base_url: str) -> str:
    return base_url.rstrip("/") + "/chat/completions"


def headers(api_key: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {api_key}"} if api_key else {}


def body(model: str, request: ChatRequest) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": model,
        "messages": request.messages,
        "max_tokens": request.max_tokens,
        "stream": request.stream,
    }
    if request.stream:
        out["stream_options"] = {"include_usage": True}
    if request.temperature is not None:
        out["temperature"] = request.temperature
    if request.seed is not None:
        out["seed"] = request.seed
    if request.response_schema is not None:
        out["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "response", "schema": request.response_schema, "strict": True},
        }
    elif request.json_mode:
        out["response_format"] = {"type": "json_object"}
    if request.tools:
        out["tools"] = request.tools
    return out


def parse(timed: Timed, stream: bool) -> Reply:
    """Classify and measure one exchange."""
    return classify(timed, stream, _stream, _whole, "x-request-id")


def _stream(timed: Timed, reply: Reply) -> None:
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    for event in sse_events(timed.chunks):
        data = event.data
        if "error" in data:
            raise StreamError(f"error in stream: {data['error']}")
        _meta(data, reply)
        for choice in data.get("choices") or []:
            delta = choice.get("delta") or {}
            carried = False
            if delta.get("content"):
                text.append(delta["content"])
                carried = True
            if delta.get("reasoning_content") or delta.get("reasoning"):
                carried = True
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call.get("index", 0), {"name": "", "arguments": ""})
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
                carried = True
            if carried:
                mark_token(reply, event.recv_ns)
            if choice.get("finish_reason"):
                reply.finish_reason = choice["finish_reason"]
    reply.text = "".join(text)
    reply.tool_calls = [calls[i] for i in sorted(calls)]


def _whole(timed: Timed, reply: Reply) -> None:
    data = body_json(timed)
    _meta(data, reply)
    choice = data["choices"][0]
    message = choice.get("message") or {}
    reply.text = message.get("content") or ""
    reply.finish_reason = choice.get("finish_reason")
    reply.tool_calls = [
        {"name": c["function"]["name"], "arguments": c["function"].get("arguments", "")}
        for c in message.get("tool_calls") or []
    ]
    if reply.text or reply.tool_calls:
        assert timed.end_ns is not None
        mark_token(reply, timed.first_byte_ns or timed.end_ns)


def _meta(data: dict[str, Any], reply: Reply) -> None:
    reply.request_id = data.get("id") or reply.request_id
    reply.model = data.get("model") or reply.model
    reply.fingerprint = data.get("system_fingerprint") or reply.fingerprint
    usage = data.get("usage")
    if isinstance(usage, dict):
        reply.input_tokens = usage.get("prompt_tokens")
        reply.output_tokens = usage.get("completion_tokens")
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
        reply.cached_tokens = cached if cached is not None else reply.cached_tokens
        reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
        reply.reasoning_tokens = reasoning if reasoning is not None else reply.reasoning_tokens
