"""Every probe kind against a real engine (vLLM on CPU), through the providers file, and what
the engine really does: its context-length refusal, seeded determinism, usage counts from its
tokenizer, server-side latency histograms that agree with ours."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from probes.clients import ChatRequest, chat, make_client
from probes.errors import is_context_error
from probes.kinds.base import Settings
from probes.load import Load
from probes.spec import SampleSpec, WorkloadSpec
from probes.stats import summarise
from tests.engine.conftest import OFFERING, PROVIDER, live_target, run_probes
from tests.engine.server import Engine, count_prompt_tokens, histogram

pytestmark = pytest.mark.xdist_group("vllm")

LATENCY_REQUESTS = 40
TTFT = "vllm:time_to_first_token_seconds"
E2E = "vllm:e2e_request_latency_seconds"
E2E_TOLERANCE_MS = 15.0
E2E_RELATIVE = 0.5
"""Our E2E against the server's `vllm:e2e_request_latency_seconds`: ours is later (the API
server relays the last token after the engine records the end, then the HTTP exchange). The
means differed by 3 to 5 ms in three runs of 40 requests on a quiet 2-core machine, and by
42 ms (164 against 122 ms) with the machine's load average at 6; so ours may be up to
15 ms + 50 % of the server's mean later, never earlier. The histogram's smallest bucket is
300 ms wide, so its percentiles only bound ours; its sum and count are exact.

TTFT does not agree so closely, and the difference is real: vLLM's TTFT histogram stops at
the engine's first token (means 8 to 10 ms here), ours at the first token a client can see.
On a busy 2-core machine the API server relays the stream in bursts, and this model's first
tokens are often partial UTF-8 that vLLM streams as empty text: our TTFT means were 48 to
62 ms, close to E2E. So ours is checked to lie between the engine's first token and the
server's end of the request (docs/benchmarks.md has the same comparison under load)."""
CLOCK_SLACK_MS = 2.0
"""Two clocks, one machine: the server stamps arrival after the request's bytes are read."""

CHAT = WorkloadSpec(
    name="tiny-chat",
    context_tokens=120,
    max_context_tokens=600,
    output_tokens=24,
    system_prompt="You are the team's assistant.",
    samples=[
        SampleSpec([{"role": "user", "content": "Which team owns billing? One word."}], "finance"),
        SampleSpec([{"role": "user", "content": "Say the word yes."}], "yes"),
    ],
    modalities=["text", "image", "pdf"],
    peak_rps=4,
)


def test_a_request_past_max_model_len_is_vllms_400_and_a_context_error(
    engine: Engine, home: Path
) -> None:
    _, target = live_target(home)
    long_prompt = "word " * (engine.max_model_len + 200)

    async def send() -> tuple[int | None, str | None, str]:
        async with make_client() as client:
            timed, reply = await chat(
                client,
                target.api,
                target.base_url,
                target.offering.id,
                None,
                ChatRequest([{"role": "user", "content": long_prompt}], max_tokens=16),
            )
        return timed.status, reply.error, reply.outcome

    status, message, outcome = asyncio.run(send())
    assert (status, outcome) == (400, "http_4xx")
    assert str(engine.max_model_len) in (message or "")  # vLLM names its --max-model-len
    assert is_context_error(status, message), message


def test_seeded_temperature_zero_agrees_fully_at_rest_and_batched(home: Path) -> None:
    probed = run_probes(home, CHAT, ["determinism"], Settings(repeats=8))
    assert probed.value("determinism", "agreement") == 1.0
    assert probed.figures["determinism"]["agreement"].n == 16  # 8 one at a time, 8 at once
    assert all(s.request.seed is not None for s in probed.sent["determinism"])


def test_usage_is_what_the_models_tokenizer_counts(engine: Engine, home: Path) -> None:
    probed = run_probes(home, CHAT, ["samples", "latency"], Settings(requests=4))
    sent = [s for rows in probed.sent.values() for s in rows]
    assert sent and all(s.ok for s in sent)
    counted = count_prompt_tokens(engine.model_dir, [s.request.messages for s in sent])
    assert [s.reply.input_tokens for s in sent] == counted
    # Output: never past max_tokens, and exactly that many when the answer was cut there.
    for s in sent:
        assert s.reply.output_tokens is not None
        assert 0 < s.reply.output_tokens <= s.request.max_tokens
        if s.reply.finish_reason == "length":
            assert s.reply.output_tokens == s.request.max_tokens


def test_latency_agrees_with_vllms_own_histograms(engine: Engine, home: Path) -> None:
    before = engine.metrics()
    probed = run_probes(
        home, CHAT, ["latency"], Settings(requests=LATENCY_REQUESTS, load=Load(concurrency=1))
    )
    after = engine.metrics()
    sent = probed.sent["latency"]
    assert len(sent) == LATENCY_REQUESTS and all(s.ok for s in sent)
    ttft = histogram(after, TTFT).minus(histogram(before, TTFT))
    e2e = histogram(after, E2E).minus(histogram(before, E2E))
    assert ttft.count == e2e.count == LATENCY_REQUESTS  # the server saw exactly our requests
    ours_ttft = summarise([s.ttft_ms for s in sent if s.ttft_ms is not None])
    ours_e2e = summarise([s.e2e_ms for s in sent if s.e2e_ms is not None])
    assert ours_ttft is not None and ours_e2e is not None
    # E2E: the means (exact on both sides) agree; each percentile of ours lies in the
    # server's bucket for it.
    tolerance = E2E_TOLERANCE_MS + E2E_RELATIVE * e2e.mean_ms
    assert -CLOCK_SLACK_MS <= ours_e2e.mean - e2e.mean_ms <= tolerance, (ours_e2e, e2e.mean_ms)
    for q, value in ((0.5, ours_e2e.p50), (0.9, ours_e2e.p90)):
        low, high = e2e.bucket_of(q)
        assert low * 1000 - CLOCK_SLACK_MS <= value <= high * 1000 + tolerance
    # TTFT: never before the engine's first token (the server's bucket for each percentile),
    # and never after the server finished the request.
    for q, value in ((0.5, ours_ttft.p50), (0.9, ours_ttft.p90)):
        low, _ = ttft.bucket_of(q)
        assert value >= low * 1000 - CLOCK_SLACK_MS, (q, value, ttft.buckets)
    assert ours_ttft.mean <= e2e.mean_ms + tolerance


def test_every_probe_kind_runs_on_the_engine_and_noise_passes_no_quality_check(
    home: Path,
) -> None:
    """The tiny model answers noise: every quality check must score it at its chance level
    (0 here: none of these can be guessed), whatever the engine accepts."""
    spec = WorkloadSpec(**{**CHAT.__dict__, "name": "tiny-noise"})
    kinds = [
        "latency",
        "determinism",
        "context",
        "structured",
        "modality",
        "samples",
        "retention",
        "correctness",
        "ratelimit",
    ]
    settings = Settings(requests=5, turns=3, load_seconds=2, ramp_step_s=0.5)
    probed = run_probes(home, spec, kinds, settings)
    assert set(probed.figures) == set(kinds)
    zero = [
        ("retention", "kept_share"),
        ("correctness", "rest_correct_share"),
        ("correctness", "load_correct_share"),
        ("samples", "expected_agreement"),
        ("structured", "instructed_value_rate"),
        ("context", "needle_recall"),
    ]
    for probe, metric in zero:
        assert probed.value(probe, metric) == 0.0, (probe, metric)
        assert probed.chance(probe, metric) == 0.0, (probe, metric)
    # Under vLLM's constrained decoding even noise is schema-valid JSON when it ends in time:
    # validity is no quality check on its own, and its chance level says so.
    assert probed.chance("structured", "schema_valid_rate") == 1.0
    for kind in ("image", "pdf"):  # a text-only model: vLLM refuses both files with a 400
        assert probed.value("modality", f"{kind}_accepted") == 0.0
        assert probed.value("modality", f"{kind}_understood") == 0.0
    # Every needle prompt either reached the model whole (usage confirms its length) or was
    # refused as too long: this tokenizer makes more tokens of the filler than the probe's 4
    # characters a token, so the longest prompts pass --max-model-len, and vLLM says so.
    cells = probed.figures["context"]["needle_recall"].detail["cells"]
    assert all(c["usage_confirms"] != c["context_error"] for c in cells), cells
    # No rate limit on a bare vLLM: the ramp met no 429.
    assert probed.value("ratelimit", "first_429_rps") is None


def test_advisor_probe_live_through_the_providers_file(engine: Engine, home: Path) -> None:
    workloads = home / "workloads.yaml"
    workloads.write_text(
        yaml.safe_dump(
            {
                "workloads": [
                    {
                        "name": "own-deployment",
                        "task": "chat",
                        "context_tokens": 100,
                        "max_context_tokens": 400,
                        "output_tokens": 16,
                        "providers": {"allow": [PROVIDER]},
                    }
                ]
            }
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "advisor",
            "probe",
            str(workloads),
            "--target",
            "live",
            "--probes",
            "latency,retention",
            "--requests",
            "5",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ADVISOR_HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["simulated"] is False
    figures = out["workloads"]["own-deployment"][OFFERING]
    assert figures["latency"]["ttft_ms_p50"]["n"] == 5
    kept = figures["retention"]["kept_share"]
    assert (kept["value"], kept["chance"]) == (0.0, 0.0)
