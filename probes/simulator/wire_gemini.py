"""Gemini generateContent / streamGenerateContent: requests, responses and errors.

Understood: `contents` (text, `inlineData`, `fileData`, `functionCall`, `functionResponse`
parts), `systemInstruction`, `generationConfig` (`temperature`, `seed`, `maxOutputTokens`,
`responseMimeType`, `responseSchema`, `responseJsonSchema`), `tools[].functionDeclarations`,
`toolConfig.functionCallingConfig.mode`. `streamGenerateContent?alt=sse` streams SSE events;
without `alt=sse` it streams one JSON array, element by element. Every chunk is a whole
GenerateContentResponse; the last carries `finishReason` and the full `usageMetadata`.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.schema import Offering
from probes.simulator import files
from probes.simulator.behaviour import (
    Answer,
    Ask,
    BadRequest,
    ContextTooLong,
    MediaUnsupported,
    ModelNotFound,
    OutputTooLong,
    ParamUnsupported,
    RateLimited,
    ServerFault,
    SimError,
    Tool,
)
from probes.simulator.ratelimit import RateState
from probes.simulator.tokens import MEDIA_TOKENS, MESSAGE_OVERHEAD, count_text
from probes.simulator.wire import Context, ErrorReply, Rendered, TimedBytes, dumps, json_string

FINISH = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}


def media_kind(mime: str) -> str | None:
    """The catalog modality of a MIME type; None for text-like data."""
    top = mime.split("/", 1)[0]
    if top in ("image", "audio", "video"):
        return top
    if mime == "application/pdf":
        return "pdf"
    return None


class GeminiWire:
    name = "gemini"

    def parse(self, body: Any, offering: Offering, ctx: Context) -> Ask:
        if not isinstance(body, dict):
            raise BadRequest("Invalid JSON payload received. Expected an object.")
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
        system = _parts_text(_parts(body.get("systemInstruction")), "systemInstruction", [], [])[0]
        texts = [system] if system else []
        media: list[tuple[str, str, str]] = []
        seen: list[str] = []
        tokens = count_text(system)
        last_user = ""
        after_tool = False
        turns = 0
        for i, content in enumerate(contents):
            text, tool_result = _parts_text(_parts(content), f"contents[{i}]", media, seen)
            tokens += MESSAGE_OVERHEAD + count_text(text)
            texts.append(text)
            role = content.get("role", "user") if isinstance(content, dict) else "user"
            if role == "user":
                last_user = text
                after_tool = tool_result
                turns += 1
            else:
                after_tool = False
        tokens += sum(MEDIA_TOKENS[kind] for kind, _, _ in media)
        config = body.get("generationConfig")
        config = config if isinstance(config, dict) else {}
        schema = config.get("responseJsonSchema", config.get("responseSchema"))
        json_out = config.get("responseMimeType") == "application/json"
        format_kind = None
        if json_out:
            format_kind = "json_schema" if isinstance(schema, dict) else "json_object"
        temperature = config.get("temperature")
        max_tokens = config.get("maxOutputTokens")
        seed = config.get("seed")
        for name, value in (("maxOutputTokens", max_tokens), ("seed", seed)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise BadRequest(
                    f"Invalid value at 'generation_config.{name}', expected an integer"
                )
        return Ask(
            offering=offering,
            text="\n".join(texts),
            instructions="\n".join([system, last_user]),
            last_user=last_user,
            prompt_tokens=tokens,
            turns=max(1, turns),
            max_tokens=max_tokens,
            max_tokens_param="maxOutputTokens",
            temperature=float(temperature) if isinstance(temperature, int | float) else None,
            seed=seed,
            format_kind=format_kind,
            schema=schema if isinstance(schema, dict) and json_out else None,
            tools=_tools(body.get("tools")),
            tool_choice=_tool_choice(body.get("toolConfig")),
            after_tool_result=after_tool,
            media=media,
            seen=seen,
        )

    def render(self, ask: Ask, answer: Answer, ctx: Context) -> Rendered:
        usage_end = {
            "promptTokenCount": answer.prompt_tokens,
            "candidatesTokenCount": answer.output_tokens,
            "totalTokenCount": answer.prompt_tokens + answer.output_tokens,
        }
        finish = FINISH[answer.finish]
        call = None
        if answer.tool:
            try:
                args = json.loads(answer.tool.arguments)
            except ValueError:
                args = {}
            call = {"functionCall": {"name": answer.tool.name, "args": args}}
        end = answer.offsets[-1]
        if not ctx.stream:
            parts: list[dict[str, Any]] = []
            if answer.pieces:
                parts.append({"text": answer.text})
            if call:
                parts.append(call)
            body = {
                "candidates": [
                    {
                        "content": {"parts": parts, "role": "model"},
                        "finishReason": finish,
                        "index": 0,
                    }
                ],
                "usageMetadata": usage_end,
                "modelVersion": ctx.model,
                "responseId": ctx.request_id,
            }
            return Rendered("application/json", end, body=dumps(body), body_at=end)

        tail = (
            b',"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":%d,"totalTokenCount":%d},"modelVersion":%s,"responseId":"%s"}'
            % (
                answer.prompt_tokens,
                answer.prompt_tokens,
                json_string(ctx.model),
                ctx.request_id.encode(),
            )
        )
        sse = ctx.sse

        def frame(chunk: bytes, first: bool = False) -> bytes:
            if sse:
                return b"data: " + chunk + b"\r\n\r\n"
            return (b"[" if first else b",\r\n") + chunk

        def token_event(piece: str) -> bytes:
            return frame(
                b'{"candidates":[{"content":{"parts":[{"text":%s}]' % json_string(piece) + tail
            )

        tokens: list[TimedBytes] = []
        for i, (at, piece) in enumerate(zip(answer.offsets, answer.pieces, strict=False)):
            chunk = b'{"candidates":[{"content":{"parts":[{"text":%s}]' % json_string(piece) + tail
            tokens.append((at, frame(chunk, first=i == 0)))
        last = {
            "candidates": [
                {
                    "content": {"parts": [call] if call else [{"text": ""}], "role": "model"},
                    "finishReason": finish,
                    "index": 0,
                }
            ],
            "usageMetadata": usage_end,
            "modelVersion": ctx.model,
            "responseId": ctx.request_id,
        }
        closing: list[TimedBytes] = [(end, frame(dumps(last), first=not tokens))]
        if not sse:
            closing.append((end, b"]"))
        return Rendered(
            "text/event-stream" if sse else "application/json; charset=UTF-8",
            ctx.head_at,
            tokens=tokens,
            closing=closing,
            token_event=token_event if sse else None,
            stamped=sse,
        )

    def error(self, error: SimError, ctx: Context) -> ErrorReply:
        code, status, message = 400, "INVALID_ARGUMENT", str(error)
        details: list[dict[str, Any]] = []
        match error:
            case ContextTooLong(limit=limit, prompt_tokens=prompt, max_tokens=None):
                message = (
                    f"The input token count ({prompt}) exceeds the maximum number of tokens "
                    f"allowed ({limit})."
                )
            case ContextTooLong(limit=limit, prompt_tokens=prompt, max_tokens=int(wanted)):
                message = (
                    f"The input token count ({prompt}) plus maxOutputTokens ({wanted}) exceeds "
                    f"the maximum number of tokens allowed ({limit})."
                )
            case OutputTooLong(limit=limit, requested=requested):
                message = (
                    f"Unable to submit request because it has a maxOutputTokens value of "
                    f"{requested} but the supported range is from 1 (inclusive) to {limit + 1} "
                    "(exclusive). Update the value and try again."
                )
            case MediaUnsupported(kind=media, where=where):
                message = f"{where}: {media} input is not supported by models/{ctx.model}."
            case ParamUnsupported(param=param):
                message = f"{param} is not supported by models/{ctx.model}."
            case BadRequest(message=text):
                message = text
            case ModelNotFound(model=model, ambiguous=keys) if keys:
                code, status = 404, "NOT_FOUND"
                message = f"models/{model} is served by several providers here; name one of: {', '.join(keys)}."
            case ModelNotFound(model=model):
                code, status = 404, "NOT_FOUND"
                message = (
                    f"models/{model} is not found for API version v1beta, or is not supported "
                    "for generateContent. Call ListModels to see the list of available models "
                    "and their supported methods."
                )
            case RateLimited():
                code, status = 429, "RESOURCE_EXHAUSTED"
                message = "Resource has been exhausted (e.g. check quota)."
                details = [
                    {
                        "@type": "type.googleapis.com/google.rpc.RetryInfo",
                        "retryDelay": f"{max(1, round(error.retry_after))}s",
                    }
                ]
            case ServerFault(overloaded=True):
                code, status = 503, "UNAVAILABLE"
                message = "The model is overloaded. Please try again later."
            case ServerFault():
                code, status = 500, "INTERNAL"
                message = "An internal error has occurred. Please retry or report the problem."
        error_body: dict[str, Any] = {"code": code, "message": message, "status": status}
        if details:
            error_body["details"] = details
        return ErrorReply(code, dumps({"error": error_body}))

    def rate_headers(self, state: RateState) -> list[tuple[str, str]]:
        return []  # Gemini reports quota in 429 bodies only


def _parts(content: Any) -> list[Any]:
    if isinstance(content, dict) and isinstance(content.get("parts"), list):
        return list(content["parts"])
    return []


def _parts_text(
    parts: list[Any], where: str, media: list[tuple[str, str, str]], seen: list[str]
) -> tuple[str, bool]:
    texts: list[str] = []
    tool_result = False
    for j, part in enumerate(parts):
        if not isinstance(part, dict):
            continue
        if "text" in part:
            texts.append(str(part["text"]))
        for key in ("inlineData", "fileData"):
            data = part.get(key)
            if isinstance(data, dict):
                kind = media_kind(str(data.get("mimeType", "")))
                if kind is not None:
                    media.append((kind, key, f"{where}.parts[{j}]"))
                    seen.append(files.read(kind, files.decode(data.get("data"))))
        if "functionCall" in part:
            texts.append(json.dumps(part["functionCall"]))
        if "functionResponse" in part:
            tool_result = True
            texts.append(json.dumps(part["functionResponse"]))
    return "".join(texts), tool_result


def _tools(value: Any) -> list[Tool]:
    tools: list[Tool] = []
    if not isinstance(value, list):
        return tools
    for entry in value:
        declarations = entry.get("functionDeclarations") if isinstance(entry, dict) else None
        for decl in declarations if isinstance(declarations, list) else []:
            if isinstance(decl, dict) and isinstance(decl.get("name"), str):
                schema = decl.get("parametersJsonSchema", decl.get("parameters"))
                tools.append(Tool(decl["name"], schema if isinstance(schema, dict) else {}))
    return tools


def _tool_choice(config: Any) -> str:
    calling = config.get("functionCallingConfig") if isinstance(config, dict) else None
    mode = calling.get("mode") if isinstance(calling, dict) else None
    if mode == "NONE":
        return "none"
    if mode == "ANY":
        names = calling.get("allowedFunctionNames") if isinstance(calling, dict) else None
        if isinstance(names, list) and len(names) == 1:
            return "name:" + str(names[0])
        return "required"
    return "auto"
