"""Each fault profile, and what a client (httpx, or an official SDK) sees when it fires."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import anthropic
import httpx
import openai
import pytest

from probes.simulator import SimulatorHandle, running_simulator
from probes.simulator.faults import BUNDLES, Fault, FaultError, FaultState, parse_faults
from tests.probes.conftest import SIM_DATA, TIME_SCALE, chat, sse_events

OPENAI = "/p/openai/v1/chat/completions"
MODEL = "gpt-6.1-sol"


def post(http: httpx.Client, fault: str, **body: Any) -> httpx.Response:
    """An OpenAI chat request with `fault` asked for in the x-sim-faults header."""
    return http.post(OPENAI, json=chat(MODEL, **body), headers={"x-sim-faults": fault})


def stream(http: httpx.Client, fault: str, **body: Any) -> AbstractContextManager[httpx.Response]:
    """The same request, streamed."""
    return http.stream(
        "POST", OPENAI, json=chat(MODEL, stream=True, **body), headers={"x-sim-faults": fault}
    )


@pytest.fixture
def sdk(sim: SimulatorHandle) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{sim.url}/p/openai/v1", api_key="sim", max_retries=0) as c:
        yield c


def sdk_stream(client: openai.OpenAI, fault: str) -> Iterator[object]:
    return iter(
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hi"}],
            max_tokens=40,
            stream=True,
            extra_headers={"x-sim-faults": fault, "x-sim-output-tokens": "40"},
        )
    )


# -- parsing ---------------------------------------------------------------------------


def test_profiles_parse_compose_and_expand_bundles() -> None:
    assert parse_faults("5xx-burst:2,stall:3@0.1") == (
        Fault("5xx-burst", 2.0, None),
        Fault("stall", 3.0, 0.1),
    )
    assert parse_faults("reset") == (Fault("reset", None, None),)
    assert parse_faults(None) == () and parse_faults("none") == ()
    flaky = parse_faults("flaky")
    assert [f.name for f in flaky] == ["5xx-burst", "disconnect", "stall"]
    assert parse_faults("flaky,reset")[-1].name == "reset"
    assert all(parse_faults(bundle) for bundle in BUNDLES)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("explode", "unknown fault 'explode'"),
        ("reset:3", "takes no value"),
        ("stall:soon", "is not a number"),
        ("stall@2", "within 0..1"),
        ("stall:-1", "must not be negative"),
    ],
)
def test_bad_profiles_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(FaultError, match=message):
        parse_faults(spec)


def test_bursts_follow_the_request_counter() -> None:
    state = FaultState(parse_faults("5xx-burst:2,429-storm:3"))
    import random

    rng = random.Random(0)
    fired = [sorted(state.fire((), rng)) for _ in range(21)]
    assert fired[:4] == [["429-storm", "5xx-burst"], ["429-storm", "5xx-burst"], ["429-storm"], []]
    assert fired[10] == ["5xx-burst"] and fired[11] == ["5xx-burst"] and fired[12] == []
    assert fired[20] == ["429-storm", "5xx-burst"]


def test_probabilities_are_drawn_per_request() -> None:
    import random

    state = FaultState(parse_faults("stall@0.25"))
    rng = random.Random(1)
    hits = sum(bool(state.fire((), rng)) for _ in range(4000))
    assert 850 < hits < 1150


# -- a server started with a profile -------------------------------------------------


@pytest.fixture(scope="module")
def faulty() -> Iterator[SimulatorHandle]:
    with running_simulator(
        [SIM_DATA], time_scale=TIME_SCALE, faults="5xx-burst:2,429-storm:3"
    ) as h:
        yield h


def test_server_profile_composes_bursts_and_storms(faulty: SimulatorHandle) -> None:
    with httpx.Client(base_url=faulty.url, timeout=10) as client:
        statuses = [
            client.post("/p/simlab/v1/chat/completions", json=chat("exact-1")).status_code
            for _ in range(13)
        ]
    # 5xx-burst:2 of every 10 (overload status first), 429-storm:3 of every 20; 5xx wins a tie.
    assert statuses == [503, 500, 429, *[200] * 7, 503, 500, 200]
    assert faulty.health()["faults"] == "5xx-burst:2,429-storm:3"


# -- what clients see, one fault at a time --------------------------------------------


def test_reset_before_headers(http: httpx.Client, sdk: openai.OpenAI) -> None:
    with pytest.raises(httpx.ReadError):
        post(http, "reset")
    with pytest.raises(openai.APIConnectionError):
        sdk.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hi"}],
            extra_headers={"x-sim-faults": "reset"},
        )
    assert http.get("/_sim/health").status_code == 200  # the server itself is fine


def test_5xx_burst_per_request(http: httpx.Client, sdk: openai.OpenAI) -> None:
    response = post(http, "5xx-burst")
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "server_error"
    with pytest.raises(openai.InternalServerError) as caught:
        sdk.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hi"}],
            extra_headers={"x-sim-faults": "5xx-burst"},
        )
    assert caught.value.status_code == 503


def test_429_storm_per_request(http: httpx.Client, sdk: openai.OpenAI) -> None:
    response = post(http, "429-storm")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert int(response.headers["retry-after-ms"]) == round(1000 * TIME_SCALE)
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    with pytest.raises(openai.RateLimitError):
        sdk.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hi"}],
            extra_headers={"x-sim-faults": "429-storm"},
        )


def test_disconnect_mid_stream(http: httpx.Client, sdk: openai.OpenAI) -> None:
    received = []
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        with stream(http, "disconnect", max_tokens=40) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    received.append(line)
    assert 1 < len(received) < 40  # the role chunk and about half the tokens
    chunks = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in sdk_stream(sdk, "disconnect:0.25"):
            chunks.append(chunk)
    assert 5 <= len(chunks) <= 15


def test_disconnect_on_a_whole_body(http: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        post(http, "disconnect")


def test_anthropic_stream_disconnect_surfaces_the_transport_error(sim: SimulatorHandle) -> None:
    with anthropic.Anthropic(base_url=f"{sim.url}/p/anthropic", api_key="x", max_retries=0) as c:
        with pytest.raises(Exception, match="incomplete chunked read"):
            with c.messages.stream(
                model="claude-haiku-4-5-20251001",
                max_tokens=30,
                messages=[{"role": "user", "content": "Hi"}],
                extra_headers={"x-sim-faults": "disconnect"},
            ) as stream:
                "".join(stream.text_stream)


def test_malformed_sse(http: httpx.Client, sdk: openai.OpenAI) -> None:
    response = post(http, "malformed-sse", stream=True, max_tokens=40)
    broken = []
    for _, data, _ in sse_events(response.text):
        if data != "[DONE]":
            try:
                json.loads(data)
            except ValueError:
                broken.append(data)
    assert len(broken) == 1
    chunks = []
    with pytest.raises(json.JSONDecodeError):
        for chunk in sdk_stream(sdk, "malformed-sse"):
            chunks.append(chunk)
    assert len(chunks) >= 10


def test_malformed_whole_body(http: httpx.Client) -> None:
    response = post(http, "malformed-sse")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def stamps(text: str) -> list[tuple[int, int]]:
    """(due, sent) ns from every ground-truth comment of an SSE body."""
    out = []
    for _, _, comments in sse_events(text):
        for comment in comments:
            fields = dict(part.split("=") for part in comment.split()[1:])
            out.append((int(fields["due"]), int(fields["sent"])))
    return out


def test_stall_pauses_the_stream(http: httpx.Client) -> None:
    stall_s = 5  # simulated: 50 ms at the test time scale
    arrivals = []
    with http.stream(
        "POST",
        OPENAI,
        json=chat(MODEL, stream=True),
        headers={"x-sim-faults": f"stall:{stall_s}", "x-sim-output-tokens": "30"},
    ) as response:
        text = ""
        for chunk in response.iter_text():
            arrivals.append(time.perf_counter())
            text += chunk
    due = [d for d, _ in stamps(text)]
    planned_gap = max(b - a for a, b in zip(due, due[1:], strict=False)) / 1e9
    assert planned_gap >= stall_s * TIME_SCALE
    observed_gap = max(b - a for a, b in zip(arrivals, arrivals[1:], strict=False))
    assert observed_gap >= stall_s * TIME_SCALE * 0.9


def test_slow_headers(http: httpx.Client) -> None:
    start = time.perf_counter()
    response = post(http, "slow-headers:5", stream=True)
    assert response.status_code == 200
    head_delay = int(response.headers["x-sim-head-due-ns"]) - int(
        response.headers["x-sim-received-ns"]
    )
    assert head_delay >= 5 * TIME_SCALE * 1e9
    assert time.perf_counter() - start >= 5 * TIME_SCALE


def test_endless_stream_never_finishes(http: httpx.Client) -> None:
    tokens = 0
    with stream(http, "endless", max_tokens=10) as response:
        for line in response.iter_lines():
            assert "[DONE]" not in line and 'finish_reason":"' not in line
            if '"content":' in line:
                tokens += 1
            if tokens >= 200:  # twenty times the max_tokens asked for
                break
    assert tokens == 200
    assert http.get("/_sim/health").status_code == 200


def test_endless_whole_body_never_answers(http: httpx.Client) -> None:
    with pytest.raises(httpx.ReadTimeout):
        http.post(OPENAI, json=chat(MODEL), headers={"x-sim-faults": "endless"}, timeout=0.3)


def test_wrong_content_type(http: httpx.Client, sdk: openai.OpenAI) -> None:
    response = post(http, "wrong-content-type")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.json()["object"] == "chat.completion"  # the body itself is right
    streamed = post(http, "wrong-content-type", stream=True)
    assert streamed.headers["content-type"] == "application/json"
    assert streamed.text.rstrip().endswith("data: [DONE]")
    # The SDK does not look at the label: only a harness that checks it notices.
    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Hi"}],
        extra_headers={"x-sim-faults": "wrong-content-type"},
    )
    assert completion.choices[0].message.content


def test_oversized(http: httpx.Client, sdk: openai.OpenAI) -> None:
    whole = post(http, "oversized:1")
    assert len(whole.content) > 1024 * 1024
    assert whole.json()["object"] == "chat.completion"
    streamed = post(http, "oversized:1", stream=True)
    sizes = [len(data) for _, data, _ in sse_events(streamed.text)]
    assert max(sizes) > 1024 * 1024 and sorted(sizes)[-2] < 1024
    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Hi"}],
        extra_headers={"x-sim-faults": "oversized:1"},
    )
    assert completion.usage is not None  # the SDK swallows a megabyte without complaint


def test_bad_fault_header_is_a_400(http: httpx.Client) -> None:
    response = post(http, "gremlins")
    assert response.status_code == 400
    assert "unknown fault 'gremlins'" in response.json()["error"]["message"]


def test_fired_faults_are_named_in_a_header(http: httpx.Client) -> None:
    response = post(http, "slow-headers:1,stall:1", stream=True)
    assert response.headers["x-sim-faults"] == "slow-headers:1,stall:1"


@pytest.mark.parametrize("spec", ["stall:nan", "stall:inf", "oversized:1e999"])
def test_fault_values_must_be_finite(spec: str) -> None:
    with pytest.raises(FaultError, match="not a finite number"):
        parse_faults(spec)
