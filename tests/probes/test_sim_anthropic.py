"""The official anthropic SDK against the simulator: messages, the streaming event sequence,
usage and the error bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import jsonschema
import pytest
from anthropic.types import ToolParam

from probes.simulator import SimulatorHandle
from probes.simulator.tokens import MESSAGE_OVERHEAD, count_text
from tests.probes.conftest import sse_events

HAIKU = "claude-haiku-4-5-20251001"


@pytest.fixture
def client(sim: SimulatorHandle) -> Iterator[anthropic.Anthropic]:
    # The SDK appends /v1/messages itself, as with the real API.
    with anthropic.Anthropic(base_url=f"{sim.url}/p/anthropic", api_key="sim", max_retries=0) as c:
        yield c


@pytest.fixture
def small(sim: SimulatorHandle) -> Iterator[anthropic.Anthropic]:
    base = f"{sim.url}/p/simlab-anthropic"
    with anthropic.Anthropic(base_url=base, api_key="sim", max_retries=0) as c:
        yield c


def error_body(error: anthropic.APIStatusError) -> dict[str, Any]:
    assert isinstance(error.body, dict)
    return error.body


def test_message_is_well_formed_with_usage(client: anthropic.Anthropic) -> None:
    raw = client.messages.with_raw_response.create(
        model=HAIKU, max_tokens=300, messages=[{"role": "user", "content": "Hello there"}]
    )
    message = raw.parse()
    assert raw.headers["x-advisor-simulated"] == "true"
    assert raw.headers["x-sim-offering"] == f"anthropic/{HAIKU}"
    assert raw.headers["request-id"].startswith("msg_")
    assert message.type == "message" and message.role == "assistant" and message.model == HAIKU
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason in ("end_turn", "max_tokens")
    assert message.usage.input_tokens == MESSAGE_OVERHEAD + count_text("Hello there")
    assert message.usage.output_tokens == int(raw.headers["x-sim-output-tokens"])


def test_stream_helper_gives_text_and_final_usage(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model=HAIKU, max_tokens=30, messages=[{"role": "user", "content": "Count."}]
    ) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    block = final.content[0]
    assert block.type == "text"
    assert pieces and "".join(pieces) == block.text
    assert final.usage.output_tokens == len(pieces) <= 30
    assert final.usage.input_tokens == MESSAGE_OVERHEAD + count_text("Count.")
    assert final.stop_reason in ("end_turn", "max_tokens")


def test_stream_event_sequence_is_anthropics(sim: SimulatorHandle) -> None:
    body = {
        "model": HAIKU,
        "max_tokens": 12,
        "stream": True,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    response = httpx.post(f"{sim.url}/p/anthropic/v1/messages", json=body, timeout=10)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    names = [name for name, _, _ in events]
    deltas = names.count("content_block_delta")
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * deltas,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    data = [json.loads(d) for _, d, _ in events]
    assert [d["type"] for d in data] == names
    assert data[0]["message"]["usage"]["input_tokens"] == MESSAGE_OVERHEAD + count_text("Hi")
    assert data[-2]["usage"]["output_tokens"] == deltas


def test_streamed_tool_use_block(small: anthropic.Anthropic) -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    }
    tool: ToolParam = {"name": "lookup", "description": "Find an order", "input_schema": schema}
    with small.messages.stream(
        model="small-1",
        max_tokens=200,
        tools=[tool],
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "Where is my order?"}],
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    block = final.content[-1]
    assert block.type == "tool_use" and block.name == "lookup"
    jsonschema.validate(block.input, schema)


def test_structured_output_follows_the_schema(small: anthropic.Anthropic) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
        "required": ["answer", "score"],
        "additionalProperties": False,
    }
    message = small.messages.create(
        model="small-1",
        max_tokens=200,
        output_config={"format": {"type": "json_schema", "schema": schema}},
        messages=[{"role": "user", "content": "Rate this."}],
    )
    block = message.content[0]
    assert block.type == "text"
    jsonschema.validate(json.loads(block.text), schema)


def test_prompt_too_long_is_anthropics_error(small: anthropic.Anthropic) -> None:
    prompt = "x" * 10_000
    with pytest.raises(anthropic.BadRequestError) as caught:
        small.messages.create(
            model="small-1", max_tokens=10, messages=[{"role": "user", "content": prompt}]
        )
    body = caught.value.body
    assert isinstance(body, dict) and body["type"] == "error"
    tokens = MESSAGE_OVERHEAD + count_text(prompt)
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": f"prompt is too long: {tokens} tokens > 2000 maximum",
    }
    assert body["request_id"].startswith("req_")


def test_input_plus_max_tokens_over_the_window(small: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        small.messages.create(
            model="small-1", max_tokens=400, messages=[{"role": "user", "content": "y" * 7000}]
        )
    assert "input length and `max_tokens` exceed context limit: 1754 + 400 > 2000" in str(
        caught.value
    )


def test_max_tokens_over_the_output_limit(small: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        small.messages.create(
            model="small-1", max_tokens=600, messages=[{"role": "user", "content": "Hi"}]
        )
    assert "max_tokens: 600 > 500, which is the maximum allowed number of output tokens" in str(
        caught.value
    )


def test_missing_max_tokens_is_refused(sim: SimulatorHandle) -> None:
    body = {"model": HAIKU, "messages": [{"role": "user", "content": "Hi"}]}
    response = httpx.post(f"{sim.url}/p/anthropic/v1/messages", json=body, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }


def test_overloaded_is_529(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.OverloadedError) as caught:
        client.messages.create(
            model=HAIKU,
            max_tokens=10,
            messages=[{"role": "user", "content": "Hi"}],
            extra_headers={"x-sim-faults": "5xx-burst"},
        )
    assert caught.value.status_code == 529
    assert error_body(caught.value)["error"]["type"] == "overloaded_error"


def test_rate_limit_is_429_with_retry_after(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.RateLimitError) as caught:
        client.messages.create(
            model=HAIKU,
            max_tokens=10,
            messages=[{"role": "user", "content": "Hi"}],
            extra_headers={"x-sim-faults": "429-storm"},
        )
    assert caught.value.response.headers["retry-after"] == "1"
    assert error_body(caught.value)["error"]["type"] == "rate_limit_error"


def test_temperature_refused_where_the_catalog_says_fixed(sim: SimulatorHandle) -> None:
    body = {
        "model": "claude-opus-5-5",
        "max_tokens": 10,
        "temperature": 0,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    response = httpx.post(f"{sim.url}/p/anthropic/v1/messages", json=body, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("temperature:")


def test_pdf_document_accepted_where_the_catalog_allows(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model=HAIKU,
        max_tokens=10,
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "document",
                        "source": {
                            "type": "base64",
                            "media_type": "application/pdf",
                            "data": "JVBERi0=",
                        },
                    },
                    {"type": "text", "text": "Summarise."},
                ],
            }
        ],
    )
    assert message.usage.input_tokens > 1500


def test_unknown_model_is_404(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(
            model="claude-nope", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["error"] == {"type": "not_found_error", "message": "model: claude-nope"}


def test_count_tokens(client: anthropic.Anthropic) -> None:
    counted = client.messages.count_tokens(
        model=HAIKU, messages=[{"role": "user", "content": "Hello there"}]
    )
    assert counted.input_tokens == MESSAGE_OVERHEAD + count_text("Hello there")
