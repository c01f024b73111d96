"""Anthropic Messages: requests, responses, the streaming event sequence and errors.

Understood: `model`, `max_tokens` (required), `messages` (text, `image`, `document`,
`tool_use`, `tool_result` blocks), `system`, `temperature`, `tools`, `tool_choice`,
`output_config.format` (and the older `output_format`) with a JSON schema, `stream`.
Anthropic has no seed. A stream is `message_start`, `content_block_start`, `ping`, one
`content_block_delta` per token, `content_block_stop`, `message_delta` (stop reason and
output usage), `message_stop`.
"""

from __future__ import annotations

import datetime as dt
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
    split_offsets,
)

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


def _event(name: bytes, data: bytes) -> bytes:
    return b"event: " + name + b"\ndata: " + data + b"\n\n"


class AnthropicWire:
    name = "anthropic"

    def parse(self, body: Any, offering: Offering, ctx: Context) -> Ask:
        if not isinstance(body, dict):
            raise BadRequest("There was an error parsing the body: expected an object.")
        max_tokens = body.get("max_tokens")
        if max_tokens is None:
            raise BadRequest("max_tokens: Field required")
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
            raise BadRequest("max_tokens: Input should be a valid integer")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest(
                "messages: Field required"
                if messages is None
                else "messages: at least one message is required"
            )
        system = _system_text(body.get("system"))
        texts = [system] if system else []
        media: list[tuple[str, str, str]] = []
        seen: list[str] = []
        tokens = count_text(system)
        last_user = ""
        after_tool = False
        turns = 0
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
                raise BadRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
            text, tool_result = _content_text(message.get("content"), i, media, seen)
            tokens += MESSAGE_OVERHEAD + count_text(text)
            texts.append(text)
            if message["role"] == "user":
                last_user = text
                after_tool = tool_result
                turns += 1
            else:
                after_tool = False
        tokens += sum(MEDIA_TOKENS[kind] for kind, _, _ in media)
        temperature = body.get("temperature")
        if temperature is not None and (
            not isinstance(temperature, int | float) or not 0 <= temperature <= 1
        ):
            raise BadRequest("temperature: Input should be less than or equal to 1")
        config = body.get("output_config")
        fmt = config.get("format") if isinstance(config, dict) else body.get("output_format")
        schema = None
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema = fmt.get("schema")
            if not isinstance(schema, dict):
                raise BadRequest("output_config.format.schema: Field required")
        return Ask(
            offering=offering,
            text="\n".join(texts),
            instructions="\n".join([system, last_user]),
            last_user=last_user,
            prompt_tokens=tokens,
            turns=max(1, turns),
            max_tokens=max_tokens,
            max_tokens_param="max_tokens",
            temperature=float(temperature) if temperature is not None else None,
            format_kind="json_schema" if schema is not None else None,
            schema=schema,
            tools=_tools(body.get("tools")),
            tool_choice=_tool_choice(body.get("tool_choice")),
            after_tool_result=after_tool,
            media=media,
            seen=seen,
        )

    def render(self, ask: Ask, answer: Answer, ctx: Context) -> Rendered:
        stop = STOP_REASONS[answer.finish]
        message_id = ctx.request_id
        if not ctx.stream:
            content: list[dict[str, Any]] = []
            if answer.pieces:
                content.append({"type": "text", "text": answer.text})
            if answer.tool:
                content.append(
                    {
                        "type": "tool_use",
                        "id": "toolu_" + answer.tool.id[5:],
                        "name": answer.tool.name,
                        "input": _input(answer.tool.arguments),
                    }
                )
            body = {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": ctx.model,
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": _usage(answer.prompt_tokens, answer.output_tokens),
            }
            end = answer.offsets[-1]
            return Rendered("application/json", end, body=dumps(body), body_at=end)

        start = {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": ctx.model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": _usage(answer.prompt_tokens, 1),
            },
        }
        head_at = ctx.head_at
        opening: list[TimedBytes] = [(head_at, _event(b"message_start", dumps(start)))]
        tokens: list[TimedBytes] = []
        text_at, args_at = split_offsets(answer)
        index = 0

        def token_event(piece: str) -> bytes:
            return _event(
                b"content_block_delta",
                b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":%s}}'
                % json_string(piece),
            )

        if answer.pieces or not answer.tool:
            opening.append(
                (
                    head_at,
                    _event(
                        b"content_block_start",
                        b'{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
                    ),
                )
            )
            opening.append((head_at, _event(b"ping", b'{"type": "ping"}')))
            tokens += [(at, token_event(p)) for at, p in zip(text_at, answer.pieces, strict=True)]
            stop_at = text_at[-1] if text_at else answer.offsets[-1]
            tokens.append((stop_at, _block_stop(0)))
            index = 1
        else:
            opening.append((head_at, _event(b"ping", b'{"type": "ping"}')))
        if answer.tool:
            tool = answer.tool
            block = {
                "type": "content_block_start",
                "index": index,
                "content_block": {
                    "type": "tool_use",
                    "id": "toolu_" + tool.id[5:],
                    "name": tool.name,
                    "input": {},
                },
            }
            first = args_at[0] if args_at else answer.offsets[-1]
            tokens.append((first, _event(b"content_block_start", dumps(block))))
            for at, piece in zip(args_at, tool.pieces, strict=True):
                tokens.append(
                    (
                        at,
                        _event(
                            b"content_block_delta",
                            b'{"type":"content_block_delta","index":%d,"delta":{"type":"input_json_delta","partial_json":%s}}'
                            % (index, json_string(piece)),
                        ),
                    )
                )
            tokens.append((answer.offsets[-1], _block_stop(index)))
        end = answer.offsets[-1]
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": answer.output_tokens},
        }
        closing = [
            (end, _event(b"message_delta", dumps(delta))),
            (end, _event(b"message_stop", b'{"type":"message_stop"}')),
        ]
        return Rendered(
            "text/event-stream; charset=utf-8",
            head_at,
            opening=opening,
            tokens=tokens,
            closing=closing,
            token_event=token_event,
        )

    def error(self, error: SimError, ctx: Context) -> ErrorReply:
        status, kind, message = 400, "invalid_request_error", str(error)
        headers: list[tuple[str, str]] = []
        match error:
            case ContextTooLong(limit=limit, prompt_tokens=prompt, max_tokens=None):
                message = f"prompt is too long: {prompt} tokens > {limit} maximum"
            case ContextTooLong(limit=limit, prompt_tokens=prompt, max_tokens=int(wanted)):
                message = (
                    f"input length and `max_tokens` exceed context limit: {prompt} + {wanted} > "
                    f"{limit}, decrease input length or `max_tokens` and try again"
                )
            case OutputTooLong(limit=limit, requested=requested):
                message = (
                    f"max_tokens: {requested} > {limit}, which is the maximum allowed number of "
                    f"output tokens for {ctx.model}"
                )
            case MediaUnsupported(kind=media, where=where):
                message = f"{where}: {media} input is not supported by {ctx.model}"
            case ParamUnsupported(param="temperature"):
                message = f"temperature: setting temperature is not supported for {ctx.model}"
            case ParamUnsupported(param="tools"):
                message = f"tools: tool use is not supported for {ctx.model}"
            case ParamUnsupported():
                message = (
                    f"output_config.format: structured outputs are not supported for {ctx.model}"
                )
            case BadRequest(message=text):
                message = text
            case ModelNotFound(model=model, ambiguous=keys) if keys:
                status, kind = 404, "not_found_error"
                message = f"model: {model} (served by several providers here; name one of: {', '.join(keys)})"
            case ModelNotFound(model=model):
                status, kind = 404, "not_found_error"
                message = f"model: {model}"
            case RateLimited(kind=which, limit=limit):
                status, kind = 429, "rate_limit_error"
                unit = "requests" if which == "requests" else "input tokens"
                message = (
                    "This request would exceed the rate limit for your organization "
                    f"(org-simulated) of {limit} {unit} per minute. You can see the response "
                    "headers for current usage. Please reduce the prompt length or the maximum "
                    "tokens requested, or try again later."
                )
                headers = [("retry-after", ceil_seconds(error.retry_after))]
            case ServerFault(overloaded=True):
                status, kind, message = 529, "overloaded_error", "Overloaded"
            case ServerFault():
                status, kind, message = 500, "api_error", "Internal server error"
        body = {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": ctx.request_id.replace("msg_", "req_"),
        }
        return ErrorReply(status, dumps(body), headers)

    def rate_headers(self, state: RateState) -> list[tuple[str, str]]:
        now = dt.datetime.now(dt.UTC)

        def at(seconds: float) -> str:
            return (now + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

        out: list[tuple[str, str]] = []
        if state.limit_requests is not None:
            out += [
                ("anthropic-ratelimit-requests-limit", str(state.limit_requests)),
                ("anthropic-ratelimit-requests-remaining", str(state.remaining_requests)),
                ("anthropic-ratelimit-requests-reset", at(state.reset_requests)),
            ]
        if state.limit_tokens is not None:
            for prefix in ("tokens", "input-tokens"):
                out += [
                    (f"anthropic-ratelimit-{prefix}-limit", str(state.limit_tokens)),
                    (f"anthropic-ratelimit-{prefix}-remaining", str(state.remaining_tokens)),
                    (f"anthropic-ratelimit-{prefix}-reset", at(state.reset_tokens)),
                ]
        return out


def _block_stop(index: int) -> bytes:
    return _event(b"content_block_stop", b'{"type":"content_block_stop","index":%d}' % index)


def _usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _input(arguments: str) -> dict[str, Any]:
    """A tool call's input object; a truncated one (max_tokens hit) comes back empty."""
    try:
        value = json.loads(arguments)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _system_text(system: Any) -> str:
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "".join(
            str(b.get("text", ""))
            for b in system
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _source_data(block: dict[str, Any]) -> Any:
    source = block.get("source")
    return source.get("data") if isinstance(source, dict) else None


def _content_text(
    content: Any, index: int, media: list[tuple[str, str, str]], seen: list[str]
) -> tuple[str, bool]:
    """(text, whether the message carries tool results)."""
    if isinstance(content, str):
        return content, False
    if not isinstance(content, list):
        raise BadRequest(f"messages.{index}.content: Input should be a valid list")
    parts: list[str] = []
    tool_result = False
    for j, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        where = f"messages.{index}.content.{j}"
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind == "image":
            media.append(("image", "image", where))
            seen.append(files.read("image", files.decode(_source_data(block))))
        elif kind == "document":
            source = block.get("source")
            source = source if isinstance(source, dict) else {}
            if source.get("type") == "text":
                parts.append(str(source.get("data", "")))
            else:
                media.append(("pdf", "document", where))
                seen.append(files.read("pdf", files.decode(source.get("data"))))
        elif kind == "tool_use":
            parts.append(json.dumps(block.get("input", {})))
        elif kind == "tool_result":
            tool_result = True
            inner = block.get("content")
            if isinstance(inner, str):
                parts.append(inner)
            elif isinstance(inner, list):
                parts.append(_content_text(inner, index, media, seen)[0])
        elif kind in ("thinking", "redacted_thinking"):
            continue
        else:
            raise BadRequest(
                f"{where}.type: Input tag '{kind}' found using 'type' does not match any of the expected tags"
            )
    return "".join(parts), tool_result


def _tools(value: Any) -> list[Tool]:
    if not isinstance(value, list):
        return []
    tools = []
    for entry in value:
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and "input_schema" in entry
        ):
            schema = entry["input_schema"]
            tools.append(Tool(entry["name"], schema if isinstance(schema, dict) else {}))
    return tools


def _tool_choice(value: Any) -> str:
    if not isinstance(value, dict):
        return "auto"
    kind = value.get("type")
    if kind == "any":
        return "required"
    if kind == "tool" and isinstance(value.get("name"), str):
        return "name:" + str(value["name"])
    if kind == "none":
        return "none"
    return "auto"
