"""Gemini generateContent / streamGenerateContent (server-sent events with `alt=sse`)."""

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


def url(base_url: str, model: str, stream: bool) -> str:
    method = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return f"{base_url.rstrip('/')}/models/{model}:{method}"


def headers(api_key: str | None) -> dict[str, str]:
    return {"x-goog-api-key": api_key} if api_key else {}


def body(request: ChatRequest) -> dict[str, Any]:
    system = [m["content"] for m in request.messages if m["role"] == "system"]
    contents = [
        {"role": "model" if m["role"] == "assistant" else "user", "parts": _parts(m["content"])}
        for m in request.messages
        if m["role"] != "system"
    ]
    config: dict[str, Any] = {"maxOutputTokens": request.max_tokens}
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.seed is not None:
        config["seed"] = request.seed
    if request.response_schema is not None:
        config["responseMimeType"] = "application/json"
        config["responseJsonSchema"] = request.response_schema
    elif request.json_mode:
        config["responseMimeType"] = "application/json"
    out: dict[str, Any] = {"contents": contents, "generationConfig": config}
    if system:
        out["systemInstruction"] = {"parts": [{"text": "\n\n".join(str(s) for s in system)}]}
    if request.tools:
        out["tools"] = [
            {
                "functionDeclarations": [
                    {
                        "name": t["function"]["name"],
                        "description": t["function"].get("description", ""),
                        "parameters": t["function"].get("parameters", {"type": "object"}),
                    }
                    for t in request.tools
                ]
            }
        ]
    return out


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}]
    parts = []
    for part in content:
        if part.get("type") == "text":
            parts.append({"text": part["text"]})
        elif part.get("type") == "image_url":
            media, _, data = part["image_url"]["url"].removeprefix("data:").partition(";base64,")
            parts.append({"inlineData": {"mimeType": media, "data": data}})
        elif part.get("type") == "file":
            data = part["file"]["file_data"].partition(";base64,")[2]
            parts.append({"inlineData": {"mimeType": "application/pdf", "data": data}})
    return parts


def parse(timed: Timed, stream: bool) -> Reply:
    """Classify and measure one exchange."""
    return classify(timed, stream, _read, _read, None)


def _read(timed: Timed, reply: Reply) -> None:
    """Streamed or whole, Gemini sends the same objects: a list of them, or one."""
    text: list[str] = []
    whole = not timed.headers.get("content-type", "").startswith("text/event-stream")
    events = (
        [(timed.first_byte_ns or timed.sent_ns, body_json(timed))]
        if whole
        else [(e.recv_ns, e.data) for e in sse_events(timed.chunks)]
    )
    for recv_ns, data in events:
        if "error" in data:
            raise StreamError(f"error in stream: {data['error']}")
        reply.request_id = data.get("responseId") or reply.request_id
        reply.model = data.get("modelVersion") or reply.model
        usage = data.get("usageMetadata") or {}
        if "promptTokenCount" in usage:
            reply.input_tokens = usage["promptTokenCount"]
            reply.output_tokens = usage.get("candidatesTokenCount", 0) + usage.get(
                "thoughtsTokenCount", 0
            )
            reply.reasoning_tokens = usage.get("thoughtsTokenCount")
            reply.cached_tokens = usage.get("cachedContentTokenCount")
        for candidate in data.get("candidates") or []:
            carried = False
            for part in (candidate.get("content") or {}).get("parts") or []:
                if part.get("text"):
                    if not part.get("thought"):
                        text.append(part["text"])
                    carried = True
                if "functionCall" in part:
                    call = part["functionCall"]
                    reply.tool_calls.append(
                        {"name": call.get("name", ""), "arguments": call.get("args", {})}
                    )
                    carried = True
            if carried:
                mark_token(reply, recv_ns)
            if candidate.get("finishReason"):
                reply.finish_reason = candidate["finishReason"]
    reply.text = "".join(text)
