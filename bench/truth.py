"""Holding a tool's per-request stamps against the simulator's ground truth.

The simulator keeps, for every request sent with `x-sim-truth: keep`, when the request
arrived and when its first and last token actually went out (`GET /_sim/truth`, keyed by the
response id every tool records). A tool's error is what it measured minus what happened:

- TTFT error = (tool's first-token stamp - its send stamp) - (server's first-token send -
  server's arrival stamp); E2E error the same with the last token. Each difference is taken
  on one clock (the tool's, the server's), so tools on other clocks (guidellm stamps
  `time.time()`) compare the same way. What is left is the loopback both ways and everything
  the client adds between the bytes and its stamps.
- first-token receive delay = the tool's first-token stamp - the server's send stamp, on the
  server's clock (a Unix stamp is mapped through the request's two arrival stamps): the
  response side of the TTFT error alone.
- send lag: open loop, the send stamp minus the scheduled time; closed loop, a stream's
  turnaround: from a completion to the next send it releases (the k-th send after the first
  `streams` pairs with the k-th completion; both in the tool's own stamps).

The first `max(streams, count / 10)` requests by send time are a warm-up (connections being
opened, first-use costs) and left out of every figure but the achieved rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bench.tools import Sample, ToolRun
from probes.stats import percentile


@dataclass(frozen=True)
class Truth:
    """What the simulator did for one request, in ns on its monotonic clock."""

    received_ns: int
    received_unix_ns: int
    """The same instant on the Unix clock: maps a tool's Unix stamps onto the server's."""
    first_sent_ns: int
    last_sent_ns: int
    first_late_ns: int
    """How late the server itself sent the first token (sent - due)."""


def fetch_truth(sim_url: str) -> dict[str, Truth]:
    """Every finished request the simulator kept, by response id."""
    records = httpx.get(f"{sim_url}/_sim/truth", timeout=30).json()["requests"]
    return {
        r["id"]: Truth(
            r["received_ns"],
            r["received_unix_ns"],
            r["first_token_sent_ns"],
            r["last_token_sent_ns"],
            r["first_token_sent_ns"] - r["first_token_due_ns"],
        )
        for r in records
        if r["last_token_sent_ns"] is not None
    }


@dataclass(frozen=True)
class Figures:
    """One run of one tool, held against the ground truth (ms unless named otherwise)."""

    measured: int
    """Requests in the figures (after the warm-up)."""
    failed: int
    """Requests that failed, or that the server has no truth for."""
    ttft_error: list[float]
    e2e_error: list[float]
    receive_delay: list[float]
    """The tool's first-token stamp minus the server's send stamp, on the server's clock:
    the response side of the TTFT error alone (loopback, the client's loop and parsing)."""
    send_lag: list[float]
    server_late: list[float]
    """The simulator's own lateness on the first token: context, not counted in the errors."""
    achieved_rate: float | None
    """Open loop: sends per second from the first send to the last."""
    cpu_ms_per_request: float
    """The client's CPU from the first measured send to the last completion, per measured
    request (one-time costs of the first requests are left out with the warm-up)."""
    processes: int


def figures(run: ToolRun, truth: dict[str, Truth]) -> Figures:
    samples = sorted(run.samples, key=lambda s: s.sent_ns)
    warmup = max(run.shape.streams, run.shape.count // 10)
    measured = samples[warmup:]
    ttft, e2e, receive, late = [], [], [], []
    failed = 0
    for s in measured:
        found = truth.get(s.response_id or "")
        if not s.ok or found is None or s.first_token_ns is None or s.last_token_ns is None:
            failed += 1
            continue
        ttft.append(
            ((s.first_token_ns - s.sent_ns) - (found.first_sent_ns - found.received_ns)) / 1e6
        )
        e2e.append(((s.last_token_ns - s.sent_ns) - (found.last_sent_ns - found.received_ns)) / 1e6)
        offset = found.received_unix_ns - found.received_ns if run.clock == "unix" else 0
        receive.append((s.first_token_ns - offset - found.first_sent_ns) / 1e6)
        late.append(found.first_late_ns / 1e6)
    achieved = None
    if run.shape.open_loop:
        lag = [(s.sent_ns - s.intended_ns) / 1e6 for s in measured if s.intended_ns is not None]
        span = samples[-1].sent_ns - samples[0].sent_ns
        achieved = (len(samples) - 1) / (span / 1e9) if span > 0 else None
    else:
        # turnaround k belongs to send k + streams: keep the sends after the warm-up.
        lag = turnaround(samples, run.shape.streams)[max(0, warmup - run.shape.streams) :]
    return Figures(
        measured=len(measured),
        failed=failed,
        ttft_error=ttft,
        e2e_error=e2e,
        receive_delay=receive,
        send_lag=lag,
        server_late=late,
        achieved_rate=achieved,
        cpu_ms_per_request=(
            run.cpu_s(measured[0].sent_ns, max(s.done_ns for s in measured)) * 1000 / len(measured)
            if measured
            else 0.0
        ),
        processes=run.cpu.processes,
    )


def turnaround(samples: list[Sample], streams: int) -> list[float]:
    """Closed loop: for the k-th send after the first `streams`, the time since the k-th
    completion, in ms. With at most `streams` in flight, that completion had always happened
    by then, so no value is negative; it is the idle time the client added to a stream."""
    sends = sorted(s.sent_ns for s in samples)
    completions = sorted(s.done_ns for s in samples)
    return [(sends[k + streams] - completions[k]) / 1e6 for k in range(len(sends) - streams)]


def p(values: list[float], q: float) -> float | None:
    """The q-th percentile, None for no values."""
    return percentile(values, q) if values else None
