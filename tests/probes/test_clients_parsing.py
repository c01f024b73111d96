"""Parsing timed bytes into measured replies: event timing, token events, usage, failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from probes.clients import anthropic, gemini, openai
from probes.clients.base import Timed, sse_events


def sse(*events: dict[str, object], done: bool = False) -> list[bytes]:
    out = [b"data: " + json.dumps(e).encode() + b"\n\n" for e in events]
    if done:
        out.append(b"data: [DONE]\n\n")
    return out


def timed(chunks: list[bytes], status: int = 200, start: int = 1000, step: int = 10) -> Timed:
    stamped = [(start + step * (i + 1), c) for i, c in enumerate(chunks)]
    return Timed(
        sent_ns=start,
        status=status,
        headers={"content-type": "text/event-stream"},
        first_byte_ns=stamped[0][0] if stamped else None,
        end_ns=start + step * (len(chunks) + 1),
        chunks=stamped,
    )


def test_events_take_the_arrival_time_of_their_first_byte() -> None:
    first = b'data: {"a": 1}\n\ndata: {"b"'
    second = b': 2}\n\n: keep-alive comment\n\nevent: x\ndata: {"c": 3}\n\n'
    events = list(sse_events([(100, first), (200, second)]))
    assert [(e.recv_ns, e.data, e.name) for e in events] == [
        (100, {"a": 1}, None),
        (100, {"b": 2}, None),
        (200, {"c": 3}, "x"),
    ]


def test_malformed_event_raises() -> None:
    with pytest.raises(ValueError):
        list(sse_events([(1, b"data: {not json\n\n")]))


def test_openai_stream_ttft_skips_role_only_events_and_reads_usage() -> None:
    chunks = sse(
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant"}}]},
        {"choices": [{"index": 0, "delta": {"content": "Hel"}}], "system_fingerprint": "fp_1"},
        {"choices": [{"index": 0, "delta": {"content": "lo"}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {
            "choices": [],
            "usage": {
                "prompt_tokens": 12,
                "completion_tokens": 2,
                "prompt_tokens_details": {"cached_tokens": 4},
            },
        },
        done=True,
    )
    reply = openai.parse(timed(chunks), stream=True)
    assert reply.outcome == "ok" and reply.text == "Hello"
    assert (reply.first_token_ns, reply.last_token_ns, reply.token_events) == (1020, 1030, 2)
    assert reply.gaps_ns == [10]
    assert (reply.input_tokens, reply.output_tokens, reply.cached_tokens) == (12, 2, 4)
    assert (reply.fingerprint, reply.request_id, reply.finish_reason) == ("fp_1", "c1", "stop")


def test_openai_stream_cut_before_finish_is_truncated() -> None:
    chunks = sse({"choices": [{"index": 0, "delta": {"content": "Hel"}}]})
    assert openai.parse(timed(chunks), stream=True).outcome == "truncated"


def test_openai_tool_call_deltas_are_assembled() -> None:
    chunks = sse(
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "function": {"name": "lookup", "arguments": '{"q": '}}
                        ]
                    },
                }
            ]
        },
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '"x"}'}}]},
                    "finish_reason": "tool_calls",
                }
            ]
        },
    )
    reply = openai.parse(timed(chunks), stream=True)
    assert reply.tool_calls == [{"name": "lookup", "arguments": '{"q": "x"}'}]
    assert reply.first_token_ns == 1010


def test_openai_error_status_is_classified_with_the_provider_message() -> None:
    body = json.dumps(
        {
            "error": {
                "message": "maximum context length is 8192 tokens",
                "code": "context_length_exceeded",
            }
        }
    ).encode()
    reply = openai.parse(timed([body], status=400), stream=True)
    assert reply.outcome == "http_4xx" and "maximum context length" in (reply.error or "")
    assert openai.parse(timed([b"{}"], status=429), stream=True).outcome == "http_429"
    assert openai.parse(timed([b"oops"], status=503), stream=True).outcome == "http_5xx"


def test_openai_whole_body() -> None:
    body = json.dumps(
        {
            "id": "x",
            "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        }
    ).encode()
    t = timed([body])
    t.headers["content-type"] = "application/json"
    reply = openai.parse(t, stream=False)
    assert (reply.outcome, reply.text, reply.output_tokens) == ("ok", "hi", 1)


def test_anthropic_event_sequence() -> None:
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "model": "claude",
                "usage": {"input_tokens": 20, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    ]
    chunks = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]
    reply = anthropic.parse(timed(chunks), stream=True)
    assert (reply.outcome, reply.text, reply.input_tokens, reply.output_tokens) == (
        "ok",
        "Hi!",
        20,
        2,
    )
    assert reply.first_token_ns == 1040 and reply.finish_reason == "end_turn"


def test_anthropic_overloaded_error_event_is_a_stream_error() -> None:
    chunks = sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    assert anthropic.parse(timed(chunks), stream=True).outcome == "stream_error"


def test_gemini_stream_counts_thoughts_as_output() -> None:
    chunks = sse(
        {"candidates": [{"content": {"parts": [{"text": "plan", "thought": True}]}}]},
        {
            "candidates": [{"content": {"parts": [{"text": "Answer"}]}, "finishReason": "STOP"}],
            "usageMetadata": {
                "promptTokenCount": 5,
                "candidatesTokenCount": 1,
                "thoughtsTokenCount": 3,
            },
        },
    )
    reply = gemini.parse(timed(chunks), stream=True)
    assert (reply.outcome, reply.text, reply.first_token_ns) == ("ok", "Answer", 1010)
    assert (reply.input_tokens, reply.output_tokens, reply.reasoning_tokens) == (5, 4, 3)


def test_requests_take_each_wire_shape() -> None:
    from probes.clients.base import ChatRequest

    request = ChatRequest(
        messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        max_tokens=5,
        temperature=0,
        seed=7,
        response_schema={"type": "object"},
    )
    o = openai.body("m", request)
    assert o["stream_options"] == {"include_usage": True} and o["seed"] == 7
    assert o["response_format"]["type"] == "json_schema"
    a = anthropic.body("m", request)
    assert a["system"] == "be brief" and a["messages"] == [{"role": "user", "content": "hi"}]
    assert "seed" not in a
    g = gemini.body(request)
    assert g["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert g["generationConfig"]["seed"] == 7
    assert gemini.url("http://h/v1beta", "gemini-x", True).endswith(
        "/models/gemini-x:streamGenerateContent?alt=sse"
    )


def test_crlf_framed_events_keep_their_arrival_times() -> None:
    events = list(sse_events([(5, b'data: {"a": 1}\r\n\r\n'), (9, b'data: {"b": 2}\r\n\r\n')]))
    assert [(e.recv_ns, e.data) for e in events] == [(5, {"a": 1}), (9, {"b": 2})]
