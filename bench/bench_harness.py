"""The probe harness's own timing error against the simulator's ground truth.

The simulator (in its own process, real time) reports for every response the TTFT and E2E it
intended (`x-sim-ttft-ms`, `x-sim-e2e-ms`, measured from the moment it received the request).
The harness measures the same two figures from when it handed the request to the connection.
The difference is the harness's error plus loopback and server scheduling: what a user of our
figures should subtract at most. Also: the send lag of open-loop arrivals at 50 and 200
requests per second.
"""

from __future__ import annotations

import gc
import os
import re
import resource
import tempfile
from pathlib import Path

from catalog import BUNDLED_DIR, load_catalog
from probes import aio
from probes.clients import ChatRequest, make_client
from probes.harness import Budget, Context, Sent, run_batch
from probes.load import Load
from probes.simulator import running_simulator
from probes.stats import percentile
from probes.store import RunStore
from probes.targets import simulated_targets

OFFERING = "openai/gpt-4o-mini"
TOKENS = 50
TARGET_P99_TTFT_ERROR_MS = 2.0
TARGET_P99_SEND_LAG_MS = 5.0


def _request() -> ChatRequest:
    return ChatRequest(
        messages=[{"role": "user", "content": "Write a short note."}],
        max_tokens=TOKENS,
        extra_headers={"x-sim-output-tokens": str(TOKENS)},
    )


async def _batch(url: str, count: int, load: Load, store: RunStore) -> tuple[list[Sent], float]:
    catalog = load_catalog()
    offering = catalog.get(OFFERING)
    assert offering is not None
    (target,) = simulated_targets(catalog, [offering], url)
    run = store.start_run(target="sim", simulated=True)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    gc.collect()
    gc.freeze()
    async with make_client(concurrency=max(256, load.concurrency)) as client:
        ctx = Context(client, store, run, Budget(1e9))
        # Warm the connection pool first so no TLS/TCP set-up lands in the figures.
        await run_batch(
            ctx, target, "warmup", [_request()] * min(count, 32), Load(concurrency=min(count, 32))
        )
        sent = await run_batch(ctx, target, "bench", [_request()] * count, load)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return sent, cpu / (count + min(count, 32))


_SENT = re.compile(rb": sim due=\d+ sent=(\d+)\n(?:event: [^\n]*\n)?data: (.*)")


def _harness_errors(sent: list[Sent]) -> list[float]:
    """First token: our arrival stamp minus the simulator's send stamp, in ms. Both read
    CLOCK_MONOTONIC, which every process on the machine shares, so this is the delay our side
    adds: loopback, event loop and stamping, with the server's own lateness taken out."""
    out = []
    for s in sent:
        if not s.ok or s.timed is None or s.reply.first_token_ns is None:
            continue
        raw = b"".join(chunk for _, chunk in s.timed.chunks)
        for match in _SENT.finditer(raw):
            if b'"content":"' in match[2] and b'"content":""' not in match[2]:
                out.append((s.reply.first_token_ns - int(match[1])) / 1e6)
                break
    return out


def _errors(sent: list[Sent], metric: str) -> list[float]:
    out = []
    for s in sent:
        if not s.ok or s.timed is None:
            continue
        truth = s.timed.headers.get(f"x-sim-{metric}-ms")
        measured = s.ttft_ms if metric == "ttft" else s.e2e_ms
        if truth is not None and measured is not None:
            out.append(measured - float(truth))
    return out


def _fmt(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{percentile(values, 50):.2f} / {percentile(values, 99):.2f} (n={len(values)})"


def run() -> list[str]:
    lines = [
        "## Probe harness accuracy",
        "",
        f"Our harness against the simulator in its own process at real time; {TOKENS}-token",
        "streamed completions, in ms. Harness delay = our stamp of the first token's arrival minus the",
        "simulator's stamp of sending it (one shared monotonic clock): the error our side adds.",
        '"vs intended" also includes the simulator\'s own lateness on the same two cores.',
        "",
        "| load | TTFT: harness delay p50 / p99 | TTFT vs intended p50 / p99 | E2E vs intended p50 / p99 | client CPU per request |",
        "|---|---|---|---|---|",
    ]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp, running_simulator((BUNDLED_DIR,), seed=11) as sim:
        store = RunStore(Path(tmp) / "runs.sqlite")
        for streams in (1, 32, 128):
            count = max(64, streams * 3)
            sent, cpu = aio.run(_batch(sim.url, count, Load(concurrency=streams), store))
            ttft = _errors(sent, "ttft")
            delay = _harness_errors(sent)
            lines.append(
                f"| {streams} concurrent stream{'s' if streams > 1 else ''} | {_fmt(delay)} | {_fmt(ttft)} | "
                f"{_fmt(_errors(sent, 'e2e'))} | {cpu * 1000:.2f} ms |"
            )
            if streams == 128 and delay:
                p99 = percentile(delay, 99)
                verdicts.append(
                    f"- p99 TTFT error at 128 streams: {p99:.2f} ms; target ≤ {TARGET_P99_TTFT_ERROR_MS:g} ms: "
                    + ("met." if p99 <= TARGET_P99_TTFT_ERROR_MS else "MISSED.")
                )
        lines += [
            "",
            "| open-loop rate | send lag p50 / p99 (ms) | achieved / intended rate |",
            "|---|---|---|",
        ]
        for rate in (50, 200):
            count = rate * 5
            sent, _ = aio.run(_batch(sim.url, count, Load(mode="open", rate=rate), store))
            lags = [s.send_lag_ms for s in sent if s.send_lag_ms is not None]
            sent_at = sorted(s.timed.sent_ns for s in sent if s.timed is not None)
            achieved = (
                (len(sent_at) - 1) / ((sent_at[-1] - sent_at[0]) / 1e9) if len(sent_at) > 1 else 0.0
            )
            lines.append(
                f"| {rate}/s | {_fmt(lags)} | {achieved:.1f} / {rate} ({achieved / rate:.2%}) |"
            )
            if rate == 200 and lags:
                p99 = percentile(lags, 99)
                verdicts.append(
                    f"- p99 send lag at 200 requests/s: {p99:.2f} ms; target ≤ {TARGET_P99_SEND_LAG_MS:g} ms: "
                    + ("met." if p99 <= TARGET_P99_SEND_LAG_MS else "MISSED.")
                )
    return [
        *lines,
        "",
        *verdicts,
        f"- Client and simulator share this {os.cpu_count()}-core machine.",
    ]
