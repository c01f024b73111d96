"""Ground truth: every response reports what the server intended and when it sent each event,
and the figures match the schedule the catalog implies."""

from __future__ import annotations

import time
from typing import Any

import httpx

from probes.simulator import running_simulator
from tests.probes.conftest import LAYERS, TIME_SCALE, chat, sse_events
from tests.probes.test_sim_faults import stamps

OPENAI = "/p/openai/v1/chat/completions"


def test_stream_reports_intended_and_actual_send_times(http: httpx.Client) -> None:
    sent_at = time.perf_counter_ns()
    first_content = None
    text = ""
    with http.stream(
        "POST",
        OPENAI,
        json=chat("gpt-6.1-sol", stream=True),
        headers={"x-sim-output-tokens": "25"},
    ) as response:
        headers = response.headers
        for chunk in response.iter_text():
            if first_content is None and '"content":"' in chunk and '"content":""' not in chunk:
                first_content = time.perf_counter_ns()
            text += chunk
    assert headers["x-advisor-simulated"] == "true"
    assert headers["x-sim-offering"] == "openai/gpt-6.1-sol"
    assert headers["x-sim-output-tokens"] == "25"
    received = int(headers["x-sim-received-ns"])
    events = sse_events(text)
    pairs = stamps(text)
    assert len(pairs) == len(events)  # one comment per event, [DONE] included
    due = [d for d, _ in pairs]
    assert due == sorted(due)
    # Sent when due: never more than the 0.2 ms batching window early.
    assert all(sent >= d - 200_000 for d, sent in pairs)
    # The first token event is due exactly TTFT after the request arrived.
    ttft_ns = float(headers["x-sim-ttft-ms"]) * 1e6
    assert abs(pairs[1][0] - received - ttft_ns) < 2_000  # header rounding to 1 µs
    e2e_ns = float(headers["x-sim-e2e-ms"]) * 1e6
    assert abs(pairs[-1][0] - received - e2e_ns) < 2_000
    itl_ms = float(headers["x-sim-itl-ms"])
    assert abs((e2e_ns - ttft_ns) / 24 / 1e6 - itl_ms) < 0.01
    # Same clock in both processes (CLOCK_MONOTONIC): the server got the request after we
    # sent it, and we saw the first token after the server sent it.
    assert sent_at < received
    assert first_content is not None and first_content >= pairs[1][1]


def test_ground_truth_is_kept_on_the_server_when_asked(http: httpx.Client) -> None:
    """For clients that keep no raw stream: `x-sim-truth: keep` keeps the same stamps the
    stream's comments carry, served by /_sim/truth under the response id."""
    response = http.post(
        OPENAI,
        json=chat("gpt-6.1-sol", stream=True),
        headers={"x-sim-output-tokens": "5", "x-sim-truth": "keep"},
    )
    pairs = stamps(response.text)
    request_id = response.headers["x-request-id"]
    unasked = http.post(OPENAI, json=chat("gpt-6.1-sol", stream=True))
    kept = {r["id"]: r for r in http.get("/_sim/truth").json()["requests"]}
    assert unasked.headers["x-request-id"] not in kept
    truth = kept[request_id]
    assert truth["offering"] == "openai/gpt-6.1-sol"
    assert truth["received_ns"] == int(response.headers["x-sim-received-ns"])
    assert truth["received_unix_ns"] == int(response.headers["x-sim-received-unix-ns"])
    # Event 0 is the role chunk; 1..5 the tokens; then the finish chunk and [DONE].
    assert (truth["first_token_due_ns"], truth["first_token_sent_ns"]) == pairs[1]
    assert (truth["last_token_due_ns"], truth["last_token_sent_ns"]) == pairs[5]
    assert truth["first_token_due_ns"] - truth["received_ns"] == truth["ttft_ns"]
    assert truth["last_token_due_ns"] - truth["received_ns"] == truth["e2e_ns"]


def test_whole_body_reports_its_schedule(http: httpx.Client) -> None:
    response = http.post(OPENAI, json=chat("gpt-6.1-sol"))
    received = int(response.headers["x-sim-received-ns"])
    due = int(response.headers["x-sim-head-due-ns"])
    sent = int(response.headers["x-sim-head-sent-ns"])
    assert abs(due - received - float(response.headers["x-sim-e2e-ms"]) * 1e6) < 2_000
    assert sent >= due - 200_000
    unix = int(response.headers["x-sim-received-unix-ns"])
    assert abs(unix - time.time_ns()) < 5e9


def test_catalog_figures_set_the_timing(http: httpx.Client) -> None:
    ttfts = []
    for i in range(60):
        response = http.post(
            "/p/simlab/v1/chat/completions",
            json=chat("exact-1"),
            headers={"x-sim-seed": f"timing-{i}"},
        )
        assert response.headers["x-sim-timing-source"] == "catalog"
        ttfts.append(float(response.headers["x-sim-ttft-ms"]))
    median = sorted(ttfts)[len(ttfts) // 2] / TIME_SCALE
    # p50 200 ms in the catalog, plus the prompt's prefill (a few tokens: negligible).
    assert 150 < median < 260
    default = http.post(OPENAI, json=chat("gpt-6.1-sol"))
    assert default.headers["x-sim-timing-source"] == "default"


def test_a_request_seed_reproduces_timing_and_output(http: httpx.Client) -> None:
    def ask() -> tuple[str, str, str]:
        response = http.post(OPENAI, json=chat("gpt-6.1-sol"), headers={"x-sim-seed": "abc"})
        return (
            response.headers["x-sim-ttft-ms"],
            response.headers["x-sim-e2e-ms"],
            response.json()["choices"][0]["message"]["content"],
        )

    assert ask() == ask()
    other = http.post(OPENAI, json=chat("gpt-6.1-sol"), headers={"x-sim-seed": "abd"})
    assert other.headers["x-sim-ttft-ms"] != ask()[0]


def test_every_route_says_it_is_simulated(http: httpx.Client) -> None:
    for path in ("/", "/_sim/offerings", "/p/openai/v1/models", "/nowhere"):
        assert http.get(path).headers["x-advisor-simulated"] == "true"
    offerings = http.get("/_sim/offerings").json()["offerings"]
    groq = next(o for o in offerings if o["key"] == "groq/openai/gpt-oss-120b")
    assert groq["base_path"] == "/p/groq/openai/v1" and groq["wire"] == "openai"


def test_output_token_count_can_be_forced(http: httpx.Client) -> None:
    body = chat("gpt-6.1-sol", stream=True, stream_options={"include_usage": True})
    response = http.post(OPENAI, json=body, headers={"x-sim-output-tokens": "50"})
    events = sse_events(response.text)
    content = [d for _, d, _ in events if '"content":"' in d and '"content":""' not in d]
    assert len(content) == 50
    assert '"completion_tokens":50' in events[-2][1]
    vllm = chat("gpt-6.1-sol", max_tokens=7, ignore_eos=True)
    reply = http.post(OPENAI, json=vllm).json()
    assert reply["usage"]["completion_tokens"] == 7
    assert reply["choices"][0]["finish_reason"] == "length"


def test_one_seed_draws_the_same_for_the_same_request_in_any_order() -> None:
    """Common random numbers: two servers on one seed give a request the same timing whatever
    else they were sent before it; a repeat of a request draws afresh."""
    first, second = chat("gpt-6.1-sol", "first question"), chat("gpt-6.1-sol", "second one")

    def ttfts(*bodies: dict[str, Any]) -> list[str]:
        with running_simulator(LAYERS, time_scale=TIME_SCALE, seed=11) as sim:
            with httpx.Client(base_url=sim.url) as client:
                return [client.post(OPENAI, json=b).headers["x-sim-ttft-ms"] for b in bodies]

    a1, b1, a_again = ttfts(first, second, first)
    b2, a2 = ttfts(chat("gpt-6.1-sol", "unrelated"), second, first)[1:]
    assert (a1, b1) == (a2, b2)
    assert a_again != a1
