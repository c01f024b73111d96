"""OpenAI Chat Completions: requests, responses, SSE chunks and errors.

Served for providers whose `api` is `openai` or `openai-compatible` (and for any offering on
the generic `/openai/v1` route). Understood: `messages` (text, `image_url`, `input_audio`,
`file` and `video_url` parts, tool results), `max_completion_tokens`/`max_tokens`,
`temperature`, `seed`, `response_format` (json_object, json_schema), `tools`,
`tool_choice`, `stream`, `stream_options.include_usage`, and vLLM's `ignore_eos` (output
exactly `max_tokens` tokens). Other fields are accepted and ignored.
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
from probes.simulator.wire import (
    Context,
    ErrorReply,
    Rendered,
    TimedBytes,
    ceil_seconds,
    dumps,
    json_string,
    seconds_text,
    split_offsets,
)

PART_MEDIA = {"image_url": "image", "input_audio": "audio", "file": "pdf", "video_url": "video"}


class OpenAIWire:
    name = "openai"

    # -- requests ---------------------------------------------------------------------

    def parse(self, body: Any, offering: Offering, ctx: Context) -> Ask:
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.", None, "invalid_type")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest(
                "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"
            )
        texts: list[str] = []
        instructions: list[str] = []
        media: list[tuple[str, str, str]] = []
        seen: list[str] = []
        tokens = 0
        last_user = ""
        after_tool = False
        turns = 0
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or "role" not in message:
                raise BadRequest(
                    f"Invalid value for 'messages[{i}]': expected an object with a 'role'.",
                    f"messages[{i}]",
                    "invalid_value",
                )
            role = message["role"]
            text = _content_text(message.get("content"), i, media, seen)
            if message.get("tool_calls"):
                text += json.dumps(message["tool_calls"])
            tokens += MESSAGE_OVERHEAD + count_text(text)
            texts.append(text)
            if role in ("system", "developer"):
                instructions.append(text)
            elif role == "user":
                last_user = text
                turns += 1
            after_tool = role == "tool"
        tokens += sum(MEDIA_TOKENS[kind] for kind, _, _ in media)

        max_tokens = body.get("max_completion_tokens")
        param = "max_completion_tokens"
        if max_tokens is None:
            max_tokens, param = body.get("max_tokens"), "max_tokens"
        max_tokens = _int_or_none(max_tokens, param)
        temperature = body.get("temperature")
        if temperature is not None and (
            not isinstance(temperature, int | float) or not 0 <= temperature <= 2
        ):
            raise BadRequest(
                f"Invalid 'temperature': expected a number from 0 to 2, got {temperature!r}.",
                "temperature",
                "invalid_value",
            )
        format_kind, schema = _response_format(body.get("response_format"))
        tools = _tools(body.get("tools"))
        ask = Ask(
            offering=offering,
            text="\n".join(texts),
            instructions="\n".join([*instructions, last_user]),
            last_user=last_user,
            prompt_tokens=tokens,
            turns=max(1, turns),
            max_tokens=max_tokens,
            max_tokens_param=param,
            temperature=float(temperature) if temperature is not None else None,
            seed=_int_or_none(body.get("seed"), "seed"),
            format_kind=format_kind,
            schema=schema,
            tools=tools,
            tool_choice=_tool_choice(body.get("tool_choice")),
            after_tool_result=after_tool,
            media=media,
            seen=seen,
        )
        if body.get("ignore_eos") is True and max_tokens is not None:
            ask.forced_tokens, ask.forced_finish = max_tokens, "length"
        options = body.get("stream_options")
        ctx.include_usage = isinstance(options, dict) and options.get("include_usage") is True
        return ask

    # -- responses --------------------------------------------------------------------

    def render(self, ask: Ask, answer: Answer, ctx: Context) -> Rendered:
        usage = _usage(answer)
        finish = answer.finish
        if not ctx.stream:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": answer.text if answer.pieces or not answer.tool else None,
                "refusal": None,
                "annotations": [],
            }
            if answer.tool:
                message["tool_calls"] = [
                    {
                        "id": answer.tool.id,
                        "type": "function",
                        "function": {"name": answer.tool.name, "arguments": answer.tool.arguments},
                    }
                ]
            body = {
                "id": ctx.request_id,
                "object": "chat.completion",
                "created": ctx.created,
                "model": ctx.model,
                "choices": [
                    {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
                ],
                "usage": usage,
                "service_tier": "default",
                "system_fingerprint": answer.fingerprint,
            }
            return Rendered(
                "application/json", answer.offsets[-1], body=dumps(body), body_at=answer.offsets[-1]
            )

        head = (
            b'data: {"id":"%s","object":"chat.completion.chunk","created":%d,"model":%s,'
            b'"system_fingerprint":%s,"choices":[{"index":0,"delta":'
            % (
                ctx.request_id.encode(),
                ctx.created,
                json_string(ctx.model),
                dumps(answer.fingerprint),
            )
        )
        tail = b',"logprobs":null,"finish_reason":null}]}\n\n'

        def token_event(piece: str) -> bytes:
            return head + b'{"content":' + json_string(piece) + b"}" + tail

        text_at, args_at = split_offsets(answer)
        tokens: list[TimedBytes] = [
            (at, token_event(p)) for at, p in zip(text_at, answer.pieces, strict=True)
        ]
        if answer.tool:
            tool = answer.tool
            start = {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": tool.id,
                        "type": "function",
                        "function": {"name": tool.name, "arguments": ""},
                    }
                ]
            }
            first = args_at[0] if args_at else answer.offsets[-1]
            tokens.append((first, head + dumps(start) + tail))
            for at, piece in zip(args_at, tool.pieces, strict=True):
                delta = b'{"tool_calls":[{"index":0,"function":{"arguments":%s}}]}' % json_string(
                    piece
                )
                tokens.append((at, head + delta + tail))
        end = answer.offsets[-1]
        closing = [
            (end, head + b'{},"logprobs":null,"finish_reason":"%s"}]}\n\n' % finish.encode())
        ]
        if ctx.include_usage:
            closing.append(
                (
                    end,
                    b'data: {"id":"%s","object":"chat.completion.chunk","created":%d,"model":%s,'
                    b'"system_fingerprint":%s,"choices":[],"usage":%s}\n\n'
                    % (
                        ctx.request_id.encode(),
                        ctx.created,
                        json_string(ctx.model),
                        dumps(answer.fingerprint),
                        dumps(usage),
                    ),
                )
            )
        closing.append((end, b"data: [DONE]\n\n"))
        role = head + b'{"role":"assistant","content":"","refusal":null}' + tail
        return Rendered(
            "text/event-stream; charset=utf-8",
            ctx.head_at,
            opening=[(ctx.head_at, role)],
            tokens=tokens,
            closing=closing,
            token_event=token_event,
        )

    # -- errors -----------------------------------------------------------------------

    def error(self, error: SimError, ctx: Context) -> ErrorReply:
        status, message, kind, param, code = 400, str(error), "invalid_request_error", None, None
        headers: list[tuple[str, str]] = []
        match error:
            case ContextTooLong(limit=limit, prompt_tokens=prompt, max_tokens=None):
                message = (
                    f"This model's maximum context length is {limit} tokens. However, your "
                    f"messages resulted in {prompt} tokens. Please reduce the length of the "
                    "messages."
                )
                param, code = "messages", "context_length_exceeded"
            case ContextTooLong(limit=limit, prompt_tokens=prompt, max_tokens=int(wanted)):
                message = (
                    f"This model's maximum context length is {limit} tokens. However, you "
                    f"requested {prompt + wanted} tokens ({prompt} in the messages, {wanted} in "
                    "the completion). Please reduce the length of the messages or completion."
                )
                param, code = "messages", "context_length_exceeded"
            case OutputTooLong(limit=limit, requested=requested, param=name):
                message = (
                    f"{name} is too large: {requested}. This model supports at most {limit} "
                    f"completion tokens, whereas you provided {requested}."
                )
                param, code = name, "invalid_value"
            case MediaUnsupported(part_type=part_type, where=where):
                message = f"Invalid content type. {part_type} is only supported by certain models."
                param = where
            case ParamUnsupported(param="temperature", value=value):
                message = (
                    f"Unsupported value: 'temperature' does not support {value} with this "
                    "model. Only the default (1) value is supported."
                )
                param, code = "temperature", "unsupported_value"
            case ParamUnsupported(param="tools"):
                message = "tools is not supported in this model."
                param, code = "tools", "unsupported_parameter"
            case ParamUnsupported(param=name, value=value, code=error_code):
                message = (
                    f"Invalid parameter: '{name}' of type '{value}' is not supported with this "
                    "model."
                )
                param, code = name, error_code
            case BadRequest(message=text, param=name, code=error_code):
                message, param, code = text, name, error_code
            case ModelNotFound(model=model, retired=True):
                status, code = 404, "model_not_found"
                message = (
                    f"The model `{model}` has been deprecated, learn more here: "
                    "https://platform.openai.com/docs/deprecations"
                )
            case ModelNotFound(model=model, ambiguous=keys) if keys:
                status, code = 404, "model_not_found"
                message = (
                    f"The model `{model}` is served by several providers in the simulator; "
                    f"name one of: {', '.join(keys)}."
                )
            case ModelNotFound(model=model):
                status, code = 404, "model_not_found"
                message = f"The model `{model}` does not exist or you do not have access to it."
            case RateLimited(kind=which, limit=limit, used=used, requested=requested):
                status, kind, code = 429, which, "rate_limit_exceeded"
                unit = "requests per min (RPM)" if which == "requests" else "tokens per min (TPM)"
                wait = error.retry_after
                message = (
                    f"Rate limit reached for {ctx.model} in organization org-simulated on "
                    f"{unit}: Limit {limit}, Used {used}, Requested {requested}. Please try "
                    f"again in {seconds_text(wait)}. Visit "
                    "https://platform.openai.com/account/rate-limits to learn more."
                )
                headers = [
                    ("retry-after", ceil_seconds(wait)),
                    ("retry-after-ms", str(max(1, round(wait * 1000)))),
                ]
            case ServerFault(overloaded=True):
                status, kind = 503, "server_error"
                message = "The engine is currently overloaded, please try again later."
            case ServerFault():
                status, kind = 500, "server_error"
                message = "The server had an error while processing your request. Sorry about that!"
        body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
        return ErrorReply(status, dumps(body), headers)

    def rate_headers(self, state: RateState) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if state.limit_requests is not None:
            out += [
                ("x-ratelimit-limit-requests", str(state.limit_requests)),
                ("x-ratelimit-remaining-requests", str(state.remaining_requests)),
                ("x-ratelimit-reset-requests", seconds_text(state.reset_requests)),
            ]
        if state.limit_tokens is not None:
            out += [
                ("x-ratelimit-limit-tokens", str(state.limit_tokens)),
                ("x-ratelimit-remaining-tokens", str(state.remaining_tokens)),
                ("x-ratelimit-reset-tokens", seconds_text(state.reset_tokens)),
            ]
        return out


def _usage(answer: Answer) -> dict[str, Any]:
    completion = answer.output_tokens
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": answer.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _content_text(
    content: Any, index: int, media: list[tuple[str, str, str]], seen: list[str]
) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise BadRequest(
            f"Invalid type for 'messages[{index}].content': expected a string or an array.",
            f"messages[{index}].content",
            "invalid_type",
        )
    parts: list[str] = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.append(str(part.get("text", "")))
        elif kind in PART_MEDIA:
            media.append((PART_MEDIA[kind], kind, f"messages.[{index}].content.[{j}].type"))
            payload = part.get(kind) if isinstance(part.get(kind), dict) else {}
            data = payload.get("url") or payload.get("file_data") or payload.get("data")
            seen.append(files.read(PART_MEDIA[kind], files.decode(data)))
        elif kind == "refusal":
            parts.append(str(part.get("refusal", "")))
        else:
            raise BadRequest(
                f"Invalid value: '{kind}'. Supported values are: 'text', 'image_url', "
                "'input_audio', 'refusal', 'audio', and 'file'.",
                f"messages[{index}].content[{j}].type",
                "invalid_value",
            )
    return "".join(parts)


def _int_or_none(value: Any, param: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(
            f"Invalid type for '{param}': expected an integer, but got {type(value).__name__}.",
            param,
            "invalid_type",
        )
    return value


def _response_format(value: Any) -> tuple[str | None, dict[str, Any] | None]:
    if not isinstance(value, dict) or value.get("type") in (None, "text"):
        return None, None
    kind = value.get("type")
    if kind == "json_object":
        return "json_object", None
    if kind == "json_schema":
        spec = value.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise BadRequest(
                "Missing required parameter: 'response_format.json_schema.schema'.",
                "response_format.json_schema",
                "missing_required_parameter",
            )
        return "json_schema", schema
    raise BadRequest(
        f"Invalid value: '{kind}'. Supported values are: 'json_object', 'json_schema', and 'text'.",
        "response_format.type",
        "invalid_value",
    )


def _tools(value: Any) -> list[Tool]:
    if not isinstance(value, list):
        return []
    tools = []
    for entry in value:
        function = entry.get("function") if isinstance(entry, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            parameters = function.get("parameters")
            tools.append(Tool(function["name"], parameters if isinstance(parameters, dict) else {}))
    return tools


def _tool_choice(value: Any) -> str:
    if isinstance(value, str) and value in ("auto", "none", "required"):
        return value
    if isinstance(value, dict):
        function = value.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return "name:" + str(function["name"])
    return "auto"
