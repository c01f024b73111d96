"""OpenTelemetry GenAI spans exported as OTLP JSON: an `ExportTraceServiceRequest` per line
(the collector's file exporter) or one per file.

Shape (OTLP/JSON protobuf encoding): `resourceSpans[].scopeSpans[].spans[]`, each span with
`startTimeUnixNano` and `endTimeUnixNano` (decimal strings), `attributes` as
`[{"key": ..., "value": {"stringValue" | "intValue" | "doubleValue" | "boolValue" |
"arrayValue": ...}}]` (64-bit integers as strings).

Attribute meanings are the GenAI semantic conventions' inference span: `gen_ai.operation.name`
(`chat`, `text_completion`, `generate_content`; other operations such as `embeddings` or
`execute_tool` are not model calls and are skipped), `gen_ai.request.model` (asked for),
`gen_ai.response.model` (served), `gen_ai.usage.input_tokens` / `output_tokens`,
`gen_ai.output.type` (`json` when structured output was asked for),
`gen_ai.tool.definitions` (tools offered), `gen_ai.system_instructions`,
`gen_ai.input.messages` / `gen_ai.output.messages` (JSON: `[{"role", "parts": [{"type":
"text", "content"}, {"type": "blob" | "uri", "modality": "image"}]}]`), and
`http.response.status_code`. Spans written to conventions before 1.27 are read too: token
counts as `gen_ai.usage.prompt_tokens` / `completion_tokens`, messages flattened into
`gen_ai.prompt.N.role` / `.content` and `gen_ai.completion.N.content`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from advisor.traffic import bodies
from advisor.traffic.fields import Where
from advisor.traffic.records import LoggedRequest

MODEL_CALLS = frozenset({"chat", "text_completion", "generate_content"})
NANOS = 1e-9


def looks_like(record: Any) -> bool:
    """True for an OTLP trace export."""
    return isinstance(record, Mapping) and "resourceSpans" in record


def spans(record: Any, where: Where) -> Iterator[tuple[LoggedRequest, str]]:
    """Each model-call span of one export, with its answer's text."""
    export = where.mapping(record, "record")
    if "resourceSpans" not in export:
        raise where.error("resourceSpans", "missing: not an OTLP trace export")
    for r, resource in enumerate(_list(export.get("resourceSpans"), "resourceSpans", where)):
        at_r = f"resourceSpans[{r}]"
        scopes = where.mapping(resource, at_r).get("scopeSpans")
        for s, scope in enumerate(_list(scopes, f"{at_r}.scopeSpans", where)):
            at_s = f"{at_r}.scopeSpans[{s}]"
            for n, span in enumerate(
                _list(where.mapping(scope, at_s).get("spans"), f"{at_s}.spans", where)
            ):
                found = _span(
                    where.mapping(span, f"{at_s}.spans[{n}]"), where, f"{at_s}.spans[{n}]"
                )
                if found is not None:
                    yield found


def _span(span: Mapping[str, Any], where: Where, at: str) -> tuple[LoggedRequest, str] | None:
    attrs = _attributes(span.get("attributes"), where, f"{at}.attributes")
    operation = attrs.get("gen_ai.operation.name")
    if operation is None and "gen_ai.request.model" not in attrs:
        return None  # not a GenAI span
    if operation is not None and operation not in MODEL_CALLS:
        return None
    start = where.number(span.get("startTimeUnixNano"), f"{at}.startTimeUnixNano")
    end = where.number(span.get("endTimeUnixNano"), f"{at}.endTimeUnixNano")
    messages = _messages(attrs, where, at)
    instructions = _parts_text(_json(attrs.get("gen_ai.system_instructions"), where, at))
    output = _json(attrs.get("gen_ai.output.messages"), where, at)
    answer = (
        "\n".join(_parts_text(m.get("parts")) for m in output if isinstance(m, Mapping))
        if isinstance(output, list)
        else "\n".join(bodies.text_of(m.get("content")) for m in _flattened(attrs, "completion"))
    )
    route = where.text(attrs.get("gen_ai.request.model"), f"{at}: gen_ai.request.model")
    model = where.text(attrs.get("gen_ai.response.model"), f"{at}: gen_ai.response.model")
    request = LoggedRequest(
        source=where.source,
        at=start * NANOS if start else None,
        route=route or model,
        model=model or route,
        system_prompt=instructions or bodies.system_prompt(messages),
        messages=messages,
        input_tokens=_usage(attrs, "input_tokens", "prompt_tokens", where, at),
        output_tokens=_usage(attrs, "output_tokens", "completion_tokens", where, at),
        latency_s=(end - start) * NANOS if start and end and end >= start else None,
        ttft_s=None,  # the conventions record time to first token as a metric, not on spans
        status=where.status(
            attrs.get("http.response.status_code"), f"{at}: http.response.status_code"
        ),
        structured=attrs.get("gen_ai.output.type") == "json",
        tools=bool(attrs.get("gen_ai.tool.definitions")),
        images=bodies.has_image(messages),
        cost_usd=None,
    )
    return request, answer


def _messages(attrs: Mapping[str, Any], where: Where, at: str) -> tuple[Mapping[str, Any], ...]:
    """`gen_ai.input.messages` as chat messages: text parts joined, image parts kept as
    `image_url` parts so every reader's messages read alike."""
    raw = _json(attrs.get("gen_ai.input.messages"), where, at)
    if raw is None:
        return _flattened(attrs, "prompt")
    if not isinstance(raw, list):
        raise where.error(f"{at}: gen_ai.input.messages", "expected a list of messages")
    messages: list[Mapping[str, Any]] = []
    for message in raw:
        if not isinstance(message, Mapping):
            raise where.error(f"{at}: gen_ai.input.messages", "expected message objects")
        parts = message.get("parts")
        images = [
            {"type": "image_url"}
            for part in (parts if isinstance(parts, list) else [])
            if isinstance(part, Mapping) and part.get("modality") == "image"
        ]
        text = _parts_text(parts)
        content: Any = [{"type": "text", "text": text}, *images] if images else text
        messages.append({"role": str(message.get("role", "user")), "content": content})
    return tuple(messages)


def _usage(attrs: Mapping[str, Any], name: str, old: str, where: Where, at: str) -> int | None:
    """A token count under its current name, else under the name conventions before 1.27
    used (`gen_ai.usage.prompt_tokens`, `completion_tokens`), as many instrumentations
    still emit."""
    for key in (f"gen_ai.usage.{name}", f"gen_ai.usage.{old}"):
        if key in attrs:
            return where.count(attrs[key], f"{at}: {key}")
    return None


def _flattened(attrs: Mapping[str, Any], kind: str) -> tuple[Mapping[str, Any], ...]:
    """Messages recorded the older way, one attribute per field: `gen_ai.prompt.0.role`,
    `gen_ai.prompt.0.content`, ... (and `gen_ai.completion.N.*` for answers)."""
    messages: list[Mapping[str, Any]] = []
    while f"gen_ai.{kind}.{len(messages)}.content" in attrs:
        n = len(messages)
        role = attrs.get(f"gen_ai.{kind}.{n}.role") or ("user" if kind == "prompt" else "assistant")
        messages.append({"role": str(role), "content": str(attrs[f"gen_ai.{kind}.{n}.content"])})
    return tuple(messages)


def _parts_text(parts: Any) -> str:
    if not isinstance(parts, list):
        return ""
    return "\n".join(
        str(part["content"])
        for part in parts
        if isinstance(part, Mapping) and part.get("type") == "text" and "content" in part
    )


def _json(value: Any, where: Where, at: str) -> Any:
    """An attribute that holds JSON text (the conventions' form on span attributes)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        raise where.error(at, f"an attribute holds invalid JSON: {error}") from None


def _list(value: Any, field: str, where: Where) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.error(field, "expected a list")
    return value


def _attributes(value: Any, where: Where, field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in _list(value, field, where):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise where.error(field, "expected {key, value} objects")
        out[item["key"]] = _any_value(item.get("value"), where, f"{field}: {item['key']}")
    return out


def _any_value(value: Any, where: Where, field: str) -> Any:
    """An OTLP AnyValue as a plain Python value."""
    if not isinstance(value, Mapping) or not value:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        number = where.number(value["intValue"], field)
        assert number is not None
        return int(number)
    if "doubleValue" in value:
        return where.number(value["doubleValue"], field)
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        items = where.mapping(value["arrayValue"], field).get("values") or []
        return [_any_value(v, where, field) for v in items]
    if "kvlistValue" in value:
        items = where.mapping(value["kvlistValue"], field).get("values") or []
        return {
            str(kv.get("key")): _any_value(kv.get("value"), where, field)
            for kv in items
            if isinstance(kv, Mapping)
        }
    return None
