"""The official openai SDK against the simulator: streaming and not, usage, formats, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from catalog import Catalog
from probes.simulator import SimulatorHandle
from probes.simulator.tokens import MESSAGE_OVERHEAD, count_text

LABEL_SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"enum": ["refund", "invoice", "plan_change", "other"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
    "required": ["label", "confidence", "tags"],
    "additionalProperties": False,
}
WEATHER_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
    "required": ["city", "unit"],
    "additionalProperties": False,
}
WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": WEATHER_PARAMETERS,
    },
}


@pytest.fixture
def client(sim: SimulatorHandle) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{sim.url}/p/openai/v1", api_key="sim", max_retries=0) as c:
        yield c


@pytest.fixture
def lab(sim: SimulatorHandle) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{sim.url}/p/simlab/v1", api_key="sim", max_retries=0) as c:
        yield c


def error_body(error: openai.APIStatusError) -> dict[str, Any]:
    """The `error` object of an OpenAI error response (the SDK keeps it as `body`)."""
    assert isinstance(error.body, dict)
    return error.body


def user(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "user", "content": text}]


def test_completion_is_well_formed_with_usage(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-6.1-sol", messages=user("Say hello."), max_completion_tokens=300
    )
    completion = raw.parse()
    assert raw.headers["x-advisor-simulated"] == "true"
    assert raw.headers["x-sim-offering"] == "openai/gpt-6.1-sol"
    assert completion.object == "chat.completion" and completion.model == "gpt-6.1-sol"
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason in ("stop", "length")
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens == MESSAGE_OVERHEAD + count_text("Say hello.")
    assert usage.completion_tokens == int(raw.headers["x-sim-output-tokens"])
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert completion.system_fingerprint and completion.system_fingerprint.startswith("fp_")


def test_stream_has_one_token_per_chunk_and_final_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-6.1-sol",
        messages=user("Tell me a story."),
        max_completion_tokens=40,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    content = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert finishes in (["stop"], ["length"])
    usage = chunks[-1].usage
    assert usage is not None and chunks[-1].choices == []
    assert usage.completion_tokens == len(content) <= 40
    assert usage.prompt_tokens == MESSAGE_OVERHEAD + count_text("Tell me a story.")


def test_stream_without_include_usage_has_no_usage_chunk(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-6.1-sol", messages=user("Hi"), max_completion_tokens=5, stream=True
        )
    )
    assert all(c.usage is None for c in chunks) and all(c.choices for c in chunks)


def test_json_schema_is_always_valid_where_supported(lab: openai.OpenAI) -> None:
    for i in range(20):
        completion = lab.chat.completions.create(
            model="exact-1",
            messages=user(f"Classify request {i}: I was charged twice."),
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "label", "strict": True, "schema": LABEL_SCHEMA},
            },
        )
        content = completion.choices[0].message.content
        assert content is not None
        jsonschema.validate(json.loads(content), LABEL_SCHEMA)


def test_json_schema_is_refused_where_the_catalog_says_unsupported(lab: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        lab.chat.completions.create(
            model="besteffort-1",
            messages=user("Classify."),
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "label", "schema": LABEL_SCHEMA},
            },
        )
    assert caught.value.param == "response_format"
    assert "'json_schema' is not supported" in caught.value.message


def test_tool_call_arguments_follow_the_schema(lab: openai.OpenAI) -> None:
    completion = lab.chat.completions.create(
        model="exact-1", messages=user("Weather in Paris?"), tools=[WEATHER_TOOL]
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 1
    call = calls[0]
    assert call.type == "function" and call.function.name == "get_weather"
    jsonschema.validate(json.loads(call.function.arguments), WEATHER_PARAMETERS)
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_streamed_tool_call_assembles_to_valid_arguments(lab: openai.OpenAI) -> None:
    stream = lab.chat.completions.create(
        model="exact-1",
        messages=user("Weather in Oslo?"),
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        stream=True,
        stream_options={"include_usage": True},
    )
    arguments = ""
    names = []
    pieces = 0
    usage = None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                if call.function and call.function.name:
                    names.append(call.function.name)
                if call.function and call.function.arguments:
                    arguments += call.function.arguments
                    pieces += 1
    assert names == ["get_weather"]
    assert json.loads(arguments)["city"]
    assert usage is not None and usage.completion_tokens == pieces


def test_tool_choice_none_answers_in_text(lab: openai.OpenAI) -> None:
    completion = lab.chat.completions.create(
        model="exact-1", messages=user("Weather?"), tools=[WEATHER_TOOL], tool_choice="none"
    )
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].message.content


def test_tools_are_refused_where_the_catalog_says_no(lab: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        lab.chat.completions.create(model="besteffort-1", messages=user("Hi"), tools=[WEATHER_TOOL])
    assert caught.value.param == "tools"


def test_too_long_prompt_gets_the_real_context_length_error(lab: openai.OpenAI) -> None:
    prompt = "word " * 4000  # 20,000 characters: 5,000 tokens against a 4,000 window
    with pytest.raises(openai.BadRequestError) as caught:
        lab.chat.completions.create(model="exact-1", messages=user(prompt))
    error = caught.value
    assert error.status_code == 400
    assert error.code == "context_length_exceeded" and error.param == "messages"
    assert error.type == "invalid_request_error"
    tokens = MESSAGE_OVERHEAD + count_text(prompt)
    assert error_body(error)["message"] == (
        f"This model's maximum context length is 4000 tokens. However, your messages resulted "
        f"in {tokens} tokens. Please reduce the length of the messages."
    )
    assert error.response.headers["x-advisor-simulated"] == "true"


def test_prompt_plus_completion_over_the_window_names_both(lab: openai.OpenAI) -> None:
    prompt = "word " * 2800  # 3,504 tokens; + 900 completion > 4,000
    with pytest.raises(openai.BadRequestError) as caught:
        lab.chat.completions.create(model="exact-1", messages=user(prompt), max_tokens=900)
    assert caught.value.code == "context_length_exceeded"
    assert "(3504 in the messages, 900 in the completion)" in caught.value.message


def test_max_tokens_over_the_output_limit(lab: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        lab.chat.completions.create(model="exact-1", messages=user("Hi"), max_tokens=5000)
    assert caught.value.param == "max_tokens" and caught.value.code == "invalid_value"
    assert error_body(caught.value)["message"].startswith("max_tokens is too large: 5000.")


def test_image_is_refused_by_a_text_only_offering(lab: openai.OpenAI) -> None:
    image: list[ChatCompletionMessageParam] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ],
        }
    ]
    with pytest.raises(openai.BadRequestError) as caught:
        lab.chat.completions.create(model="exact-1", messages=image)
    assert caught.value.param == "messages.[0].content.[1].type"
    assert "image_url is only supported by certain models" in caught.value.message
    accepted = lab.chat.completions.create(model="besteffort-1", messages=image)
    assert accepted.usage is not None and accepted.usage.prompt_tokens > 765


def test_temperature_is_refused_where_the_catalog_says_fixed(lab: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        lab.chat.completions.create(model="reasoner-1", messages=user("Hi"), temperature=0)
    assert caught.value.code == "unsupported_value" and caught.value.param == "temperature"
    assert lab.chat.completions.create(model="reasoner-1", messages=user("Hi")).choices


def test_unknown_and_retired_models_get_404(lab: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as unknown:
        lab.chat.completions.create(model="no-such-model", messages=user("Hi"))
    assert unknown.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError) as retired:
        lab.chat.completions.create(model="gone-1", messages=user("Hi"))
    assert "has been deprecated" in retired.value.message


def test_seeded_temperature_zero_is_identical_on_a_deterministic_offering(
    lab: openai.OpenAI,
) -> None:
    def ask() -> tuple[str, str | None]:
        completion = lab.chat.completions.create(
            model="exact-1",
            messages=user("Write a short paragraph about queues."),
            temperature=0,
            seed=42,
            max_tokens=200,
        )
        return completion.choices[0].message.content or "", completion.system_fingerprint

    first = ask()
    assert all(ask() == first for _ in range(5))
    assert first[0]


def test_unseeded_sampling_varies(lab: openai.OpenAI) -> None:
    texts = {
        lab.chat.completions.create(model="exact-1", messages=user("Write a line."), temperature=1)
        .choices[0]
        .message.content
        for _ in range(4)
    }
    assert len(texts) == 4


def test_best_effort_diverges_sometimes_with_a_changing_fingerprint(lab: openai.OpenAI) -> None:
    outputs = []
    for i in range(200):
        raw = lab.chat.completions.with_raw_response.create(
            model="besteffort-1",
            messages=user("Explain retries."),
            temperature=0,
            seed=1,
            max_tokens=100,
            extra_headers={"x-sim-seed": f"divergence-{i}"},
        )
        completion = raw.parse()
        outputs.append(
            (
                completion.choices[0].message.content,
                completion.system_fingerprint,
                raw.headers["x-sim-diverged"],
            )
        )
    texts = [text for text, _, _ in outputs]
    mode = max(set(texts), key=texts.count)
    diverged = [o for o in outputs if o[2] == "true"]
    # 5 % of 200 requests; the x-sim-seed values fix which ones, so this cannot flake.
    assert 1 <= len(diverged) <= 25
    assert all(text != mode for text, _, _ in diverged)
    assert all(text == mode for text, _, flag in outputs if flag == "false")
    assert len({fp for _, fp, _ in outputs}) in (1, 2)


def test_models_list_shows_served_offerings(lab: openai.OpenAI) -> None:
    ids = {m.id for m in lab.models.list()}
    assert {"exact-1", "besteffort-1", "limited-1", "reasoner-1"} <= ids
    assert "gone-1" not in ids


def test_generic_route_takes_offering_keys(sim: SimulatorHandle) -> None:
    with openai.OpenAI(base_url=sim.openai_url, api_key="sim", max_retries=0) as generic:
        raw = generic.chat.completions.with_raw_response.create(
            model="anthropic/claude-haiku-4-5-20251001", messages=user("Hi"), max_tokens=5
        )
        assert raw.headers["x-sim-offering"] == "anthropic/claude-haiku-4-5-20251001"
        with pytest.raises(openai.NotFoundError) as ambiguous:
            generic.chat.completions.create(model="openai/gpt-oss-120b", messages=user("Hi"))
        assert "groq/openai/gpt-oss-120b" in ambiguous.value.message


def test_provider_path_mirrors_the_catalog_base_url(
    sim: SimulatorHandle, sim_catalog: Catalog
) -> None:
    groq = sim_catalog.providers["groq"]
    assert sim.base_url(groq) == f"{sim.url}/p/groq/openai/v1"
    with openai.OpenAI(base_url=sim.base_url(groq), api_key="sim", max_retries=0) as client:
        completion = client.chat.completions.create(
            model="openai/gpt-oss-120b", messages=user("Hi"), max_tokens=5
        )
    assert completion.model == "openai/gpt-oss-120b"
