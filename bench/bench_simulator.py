"""Simulator speed: sustained streamed completions per second and the server's timing error.

The simulator runs in its own process (`start_simulator`), the load in another: a minimal
HTTP/1.1 client on uvloop, open loop (requests sent at fixed intended times, never gated on
earlier answers), one keep-alive connection per stream in flight. Every completion streams
exactly 50 tokens (`x-sim-output-tokens`) with the catalog's default timing for the offering
(time scale 1, about 1 s per stream, so about 500 streams are in flight at 500/s).

Figures:
- sustained rate: completions that finished inside the steady window (after a 2 s ramp),
  per second;
- server lateness: for every SSE event, `sent - due` from the server's own ground-truth
  comments (`: sim due=... sent=...`);
- delivery delay: when the client's event loop got the bytes minus when the server sent
  them (same CLOCK_MONOTONIC): the kernel and the client's own loop, which is what a probe
  harness adds on top of the server;
- send lag: the load client's own lateness against its schedule.

Run as a module with `--client` it is the load process (used by `run()`).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalog import BUNDLED_DIR, load_catalog
from probes.simulator import running_simulator
from probes.simulator.timing import timing_model

ROOT = Path(__file__).resolve().parent.parent
RATE = 500
TOKENS = 50
DURATION_S = 10.0
RAMP_S = 2.0
RUNS = 3
MODEL = "gpt-6.1-sol"
PATH = "/p/openai/v1/chat/completions"
STAMP = re.compile(rb": sim due=(\d+) sent=(\d+)")
END = b"\r\n0\r\n\r\n"


def run() -> list[str]:
    """The Markdown section for docs/benchmarks.md."""
    offering = load_catalog([BUNDLED_DIR]).get(f"openai/{MODEL}")
    assert offering is not None
    model = timing_model(offering)
    uv = [_measure("uvloop", RATE) for _ in range(RUNS)]
    plain = [_measure("asyncio", RATE) for _ in range(2)]
    # Twice the target shows the headroom, and where uvloop earns its place.
    uv_double = _measure("uvloop", 2 * RATE, duration=6.0)
    plain_double = _measure("asyncio", 2 * RATE, duration=6.0)
    lines = [
        "## Simulator",
        "",
        f"Open-loop load at {RATE} streamed completions/s of {TOKENS} tokens for "
        f"{DURATION_S:g} s (steady window after a {RAMP_S:g} s ramp), server and load client "
        f"in separate processes on this machine. Offering `openai/{MODEL}` at time scale 1: "
        f"TTFT median {model.ttft_ms:.0f} ms, {1000 / model.itl_ms:.0f} tokens/s "
        f"(catalog defaults), so each stream lasts about "
        f"{(model.ttft_ms + (TOKENS - 1) * model.itl_ms) / 1000:.1f} s. "
        "Medians over runs with min and max.",
        "",
        "| server loop | sustained completions/s | server lateness p50 / p99 / max | "
        "delivery delay p50 / p99 | client send lag p99 | errors | runs |",
        "|---|---|---|---|---|---|---|",
        _row("uvloop (default)", uv),
        _row("asyncio", plain),
        _row(f"uvloop, offered {2 * RATE}/s for 6 s", [uv_double]),
        _row(f"asyncio, offered {2 * RATE}/s for 6 s", [plain_double]),
        "",
        "- server lateness: `sent - due` per SSE event from the server's own stamps; events due "
        "within 0.2 ms of a wake-up go out in it, so small negative values occur.",
        "- delivery delay: the load client's receive time minus the server's send stamp (same "
        "monotonic clock): what a harness adds before it can stamp an event.",
        f"- Target: at least {RATE} completions/s, never the bottleneck: the median run "
        f"sustains {_median(uv, 'rate'):.0f}/s: "
        f"{'MET' if _median(uv, 'rate') >= RATE * 0.97 else 'MISSED'}.",
    ]
    return lines


def _measure(loop: str, rate: float, duration: float = DURATION_S) -> dict[str, Any]:
    with running_simulator([BUNDLED_DIR], loop=loop, seed=1) as sim:
        args = [sys.executable, "-m", "bench.bench_simulator", "--client", sim.url]
        args += ["--rate", str(rate), "--duration", str(duration)]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _spread(runs: list[dict[str, Any]], key: str, fmt: str) -> str:
    values = [r[key] for r in runs]
    text = format(statistics.median(values), fmt)
    if len(values) > 1:
        text += f" ({format(min(values), fmt)}–{format(max(values), fmt)})"
    return text


def _row(name: str, runs: list[dict[str, Any]]) -> str:
    late = (
        f"{_spread(runs, 'late_p50', '.2f')} / {_spread(runs, 'late_p99', '.2f')} / "
        f"{_spread(runs, 'late_max', '.1f')} ms"
    )
    delivery = f"{_spread(runs, 'delivery_p50', '.2f')} / {_spread(runs, 'delivery_p99', '.2f')} ms"
    return (
        f"| {name} | {_spread(runs, 'rate', '.0f')} | {late} | {delivery} | "
        f"{_spread(runs, 'send_lag_p99', '.2f')} ms | {sum(r['errors'] for r in runs)} | "
        f"{len(runs)} |"
    )


# -- the load client (its own process) ------------------------------------------------


class _Stream(asyncio.Protocol):
    """One keep-alive connection; one streamed request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: list[bytes] = []
        self.arrivals: list[tuple[int, int]] = []  # (recv ns, bytes received before it)
        self.size = 0
        self.tail = b""
        self.done: asyncio.Future[tuple[bytes, list[tuple[int, int]]]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        # Stamp first, parse later: the loop stays light while streams are running.
        self.arrivals.append((time.monotonic_ns(), self.size))
        self.size += len(data)
        self.chunks.append(data)
        self.tail = (self.tail + data)[-8:]
        if self.tail.endswith(END) and self.done is not None:
            body, arrivals = b"".join(self.chunks), self.arrivals
            self.chunks, self.arrivals, self.size, self.tail = [], [], 0, b""
            self.done.set_result((body, arrivals))
            self.done = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionError("closed"))

    def send(self, request: bytes) -> asyncio.Future[tuple[bytes, list[tuple[int, int]]]]:
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.done


async def _load(url: str, rate: float, duration: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    body = json.dumps(
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": "Write a short note."}],
            "stream": True,
        }
    ).encode()
    request = (
        b"POST %s HTTP/1.1\r\nhost: %s\r\ncontent-type: application/json\r\n"
        b"x-sim-output-tokens: %d\r\ncontent-length: %d\r\n\r\n%s"
        % (PATH.encode(), host.encode(), TOKENS, len(body), body)
    )
    idle: list[_Stream] = []
    # Open about as many connections as streams will be in flight, before the clock starts.
    for _ in range(int(rate * 1.6)):
        _, protocol = await loop.create_connection(_Stream, host, port)
        idle.append(protocol)
    count = int(rate * duration)
    t0 = time.monotonic_ns() + 200_000_000
    finished: list[int] = []
    lag: list[int] = []
    bodies: list[tuple[bytes, list[tuple[int, int]]]] = []
    errors = 0

    async def one(i: int) -> None:
        nonlocal errors
        intended = t0 + int(i * 1e9 / rate)
        wait = intended - time.monotonic_ns()
        if wait > 0:
            await asyncio.sleep(wait / 1e9)
        lag.append(time.monotonic_ns() - intended)
        if idle:
            stream = idle.pop()
        else:
            _, stream = await loop.create_connection(_Stream, host, port)
        try:
            got = await stream.send(request)
        except ConnectionError:
            errors += 1
            return
        finished.append(time.monotonic_ns())
        idle.append(stream)
        bodies.append(got)

    await asyncio.gather(*(one(i) for i in range(count)))
    window_start = t0 + int(RAMP_S * 1e9)
    window_end = t0 + int(duration * 1e9)
    in_window = sum(window_start <= t <= window_end for t in finished)

    late: list[int] = []
    delivery: list[int] = []
    for data, arrivals in bodies:
        if b" 200 OK" not in data[:20]:
            errors += 1
            continue
        offsets = [size for _, size in arrivals]
        for match in STAMP.finditer(data):
            due, sent = int(match[1]), int(match[2])
            late.append(sent - due)
            # The chunk that carried this event: the last one starting at or before it.
            index = bisect.bisect_right(offsets, match.start()) - 1
            delivery.append(arrivals[index][0] - sent)
    late.sort()
    delivery.sort()
    lag.sort()

    def pct(values: list[int], p: float) -> float:
        return values[min(len(values) - 1, int(p * len(values)))] / 1e6 if values else 0.0

    return {
        "offered": rate,
        "rate": in_window / (window_end - window_start) * 1e9,
        "completed": len(finished),
        "errors": errors,
        "late_p50": pct(late, 0.5),
        "late_p99": pct(late, 0.99),
        "late_max": late[-1] / 1e6 if late else 0.0,
        "delivery_p50": pct(delivery, 0.5),
        "delivery_p99": pct(delivery, 0.99),
        "send_lag_p99": pct(lag, 0.99),
        "events": len(late),
    }


def _client_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", required=True)
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--duration", type=float, default=DURATION_S)
    args = parser.parse_args(argv)
    import uvloop

    print(json.dumps(uvloop.run(_load(args.client, args.rate, args.duration))))


if __name__ == "__main__":
    _client_main(sys.argv[1:])
