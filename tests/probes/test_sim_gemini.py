"""Gemini generateContent / streamGenerateContent over httpx."""

from __future__ import annotations

import json

import httpx
import jsonschema

from probes.simulator.tokens import MESSAGE_OVERHEAD, count_text
from tests.probes.conftest import sse_events

FLASH = "/p/google/v1beta/models/gemini-3.5-flash"
TINY = "/p/simlab-gemini/v1beta/models/tiny-1"


def contents(text: str) -> dict[str, object]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}]}


def test_generate_content_with_usage(http: httpx.Client) -> None:
    response = http.post(f"{FLASH}:generateContent", json=contents("Hello"))
    assert response.status_code == 200
    assert response.headers["x-sim-offering"] == "google/gemini-3.5-flash"
    body = response.json()
    candidate = body["candidates"][0]
    assert candidate["content"]["role"] == "model" and candidate["content"]["parts"][0]["text"]
    assert candidate["finishReason"] == "STOP"
    usage = body["usageMetadata"]
    assert usage["promptTokenCount"] == MESSAGE_OVERHEAD + count_text("Hello")
    assert usage["candidatesTokenCount"] == int(response.headers["x-sim-output-tokens"])
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]


def test_stream_generate_content_sse(http: httpx.Client) -> None:
    body = {**contents("Hello"), "generationConfig": {"maxOutputTokens": 20}}
    response = http.post(f"{FLASH}:streamGenerateContent?alt=sse", json=body)
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = [json.loads(data) for _, data, _ in sse_events(response.text)]
    texts = [c["candidates"][0]["content"]["parts"][0].get("text", "") for c in chunks]
    last = chunks[-1]
    assert last["candidates"][0]["finishReason"] in ("STOP", "MAX_TOKENS")
    assert last["usageMetadata"]["candidatesTokenCount"] == sum(1 for t in texts if t) <= 20


def test_stream_generate_content_json_array(http: httpx.Client) -> None:
    response = http.post(f"{FLASH}:streamGenerateContent", json=contents("Hello"))
    chunks = json.loads(response.text)
    assert isinstance(chunks, list) and len(chunks) >= 2
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == len(chunks) - 1


def test_response_schema_is_followed(http: httpx.Client) -> None:
    schema = {
        "type": "OBJECT",
        "properties": {"city": {"type": "STRING"}, "days": {"type": "INTEGER"}},
        "required": ["city", "days"],
    }
    body = {
        **contents("Plan a trip."),
        "generationConfig": {"responseMimeType": "application/json", "responseSchema": schema},
    }
    reply = http.post(f"{TINY}:generateContent", json=body).json()
    text = reply["candidates"][0]["content"]["parts"][0]["text"]
    same_in_json_schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"],
    }
    jsonschema.validate(json.loads(text), same_in_json_schema)


def test_input_over_the_window_is_invalid_argument(http: httpx.Client) -> None:
    response = http.post(f"{TINY}:generateContent", json=contents("z" * 10_000))
    assert response.status_code == 400
    tokens = MESSAGE_OVERHEAD + count_text("z" * 10_000)
    assert response.json() == {
        "error": {
            "code": 400,
            "message": f"The input token count ({tokens}) exceeds the maximum number of tokens "
            "allowed (2000).",
            "status": "INVALID_ARGUMENT",
        }
    }


def test_seeded_exact_offering_repeats(http: httpx.Client) -> None:
    body = {**contents("Describe a lake."), "generationConfig": {"temperature": 0, "seed": 3}}
    texts = {
        http.post(f"{TINY}:generateContent", json=body).json()["candidates"][0]["content"]["parts"][
            0
        ]["text"]
        for _ in range(3)
    }
    assert len(texts) == 1


def test_function_call(http: httpx.Client) -> None:
    body = {
        **contents("Weather in Rome?"),
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "weather",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {"city": {"type": "STRING"}},
                            "required": ["city"],
                        },
                    }
                ]
            }
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
    }
    parts = http.post(f"{TINY}:generateContent", json=body).json()["candidates"][0]["content"][
        "parts"
    ]
    assert parts[0]["functionCall"]["name"] == "weather"
    assert isinstance(parts[0]["functionCall"]["args"]["city"], str)


def test_unsupported_media_and_unknown_model(http: httpx.Client) -> None:
    pdf = {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}}
    body = {"contents": [{"role": "user", "parts": [{"text": "Read"}, pdf]}]}
    refused = http.post(f"{TINY}:generateContent", json=body)
    assert refused.status_code == 400 and "pdf input is not supported" in refused.text
    missing = http.post("/p/google/v1beta/models/gemini-nope:generateContent", json=contents("x"))
    assert missing.status_code == 404 and missing.json()["error"]["status"] == "NOT_FOUND"


def test_models_and_count_tokens(http: httpx.Client) -> None:
    models = http.get("/p/google/v1beta/models").json()["models"]
    assert "models/gemini-3.5-flash" in {m["name"] for m in models}
    counted = http.post(f"{FLASH}:countTokens", json=contents("Hello")).json()
    assert counted == {"totalTokens": MESSAGE_OVERHEAD + count_text("Hello")}
