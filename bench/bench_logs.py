"""Request logs summarised into workloads: 1,000,000 generated log lines, time and peak
memory, streamed through the same readers and sketches as `advisor workload from-logs`."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LINES = 1_000_000
SMALL = 100_000
TARGET_S = 60.0
ROUTES = ("support-bot", "invoice-extract", "triage", "search-answer", "vision-ocr")
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp()
SPAN_S = 7 * 86_400


def write_log(path: Path, lines: int, seed: int = 1) -> int:
    """`lines` OpenAI-style request/response lines over a week with a daily cycle; the
    file's size in bytes."""
    rng = random.Random(seed)
    words = "the invoice total ticket account order refund shipping status please help".split()
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            route = ROUTES[i % len(ROUTES)]
            at = START + SPAN_S * i / lines
            text = " ".join(rng.choices(words, k=rng.randint(8, 40)))
            content: object = text
            if route == "vision-ocr":
                content = [
                    {"type": "text", "text": text},
                    {"type": "image_url", "image_url": {"url": "https://example.com/i.png"}},
                ]
            request: dict[str, object] = {
                "model": route,
                "messages": [
                    {"role": "system", "content": f"You are the {route} assistant."},
                    {"role": "user", "content": content},
                ],
            }
            if route == "invoice-extract":
                request["response_format"] = {"type": "json_object"}
            if route == "triage":
                request["tools"] = [{"type": "function", "function": {"name": "route"}}]
            record: dict[str, object] = {
                "timestamp": at,
                "latency_ms": round(rng.lognormvariate(6.5, 0.5)),
                "status": 200 if rng.random() > 0.01 else 429,
                "request": request,
            }
            if i % 10:  # one line in ten has no usage: its tokens are estimated from text
                record["response"] = {
                    "model": "gpt-4o-mini-2024-07-18",
                    "usage": {
                        "prompt_tokens": int(rng.lognormvariate(6, 1)),
                        "completion_tokens": int(rng.lognormvariate(4.5, 0.8)),
                    },
                }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    return path.stat().st_size


CHILD = """
import resource, sys, time
from pathlib import Path
from advisor.traffic.derive import summarise
from advisor.traffic.propose import propose
from advisor.traffic.read import read_records
from advisor.traffic.redact import Redactor
usage = resource.getrusage(resource.RUSAGE_SELF)
before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
start = time.perf_counter()
traffic = summarise(read_records([Path(sys.argv[1])]), "route", samples=5)
proposals = propose(traffic, "bench.jsonl", Redactor())
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu
print(elapsed, cpu, traffic.requests, len(proposals), before, usage.ru_maxrss)
"""


@dataclass(frozen=True)
class Summary:
    """One summary run: wall and CPU seconds, what it found, RSS (KiB) before and at peak."""

    lines: int
    size: int
    wall_s: float
    cpu_s: float
    requests: int
    workloads: int
    rss_before: int
    rss_peak: int


def summarise_in_child(path: Path, lines: int) -> Summary:
    """Time and peak RSS of one summary in a fresh interpreter, so nothing else the bench
    loaded counts; RSS before reading is reported too (the interpreter and imports). CPU time
    is the process's own: on a shared machine wall time also counts other processes' turns."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return Summary(
        lines, path.stat().st_size, float(out[0]), float(out[1]), *(int(v) for v in out[2:])
    )


def run() -> list[str]:
    runs: list[Summary] = []
    with tempfile.TemporaryDirectory() as tmp:
        for lines in (SMALL, LINES):
            path = Path(tmp) / f"log-{lines}.jsonl"
            write_log(path, lines)
            runs.append(summarise_in_child(path, lines))
            path.unlink()
    small, big = runs
    rate = big.requests / big.cpu_s
    verdict = "MET" if big.cpu_s < TARGET_S else "MISSED"
    table = [
        f"| {r.lines:,} | {r.size / 1e6:,.0f} MB | {r.wall_s:.1f} s | {r.cpu_s:.1f} s "
        f"| {r.requests / r.cpu_s:,.0f}/s | {r.rss_before / 1024:.0f} MiB "
        f"| {r.rss_peak / 1024:.0f} MiB |"
        for r in runs
    ]
    per_day = rate * 86_400 / 1e6
    return [
        "## Request logs: `advisor workload from-logs`",
        "",
        "OpenAI-style request/response JSON Lines over a week, five routes (one with images, one",
        "asking for JSON, one offering tools), one line in ten without usage (tokens estimated",
        "from text). Summarised by route in a fresh interpreter; peak memory is its maximum RSS,",
        "CPU time its own (wall time also counts the other processes of a shared machine).",
        "",
        "| lines | file | wall | CPU | rate (CPU) | RSS after imports | peak RSS |",
        "|---|---|---|---|---|---|---|",
        *table,
        "",
        f"- Target: 1,000,000 lines summarised in under {TARGET_S:.0f} s of one core, in bounded "
        f"memory: {big.cpu_s:.1f} s CPU ({big.wall_s:.1f} s wall on this machine's load): "
        f"{verdict}; ten times the lines take {big.rss_peak / max(small.rss_peak, 1):.2f}× the "
        "peak RSS.",
        "- Memory is bounded by design: one record at a time, per cluster a log-bucketed",
        "  quantile sketch (within 1%, about 800 buckets from 1 to 10M tokens), hourly and",
        "  per-minute arrival counts (the minutes capped at 20,000), a reservoir of samples; at",
        "  most 64 clusters. It grows with the log's span in hours and its clusters, not its lines.",
        f"- How far one machine goes: one core summarises about {rate:,.0f} lines a second, "
        f"{per_day:,.0f} million a day; a month of a 100 rps service (260M lines) takes "
        f"about {260e6 / rate / 3600:.1f} hours of one core, in the same memory.",
        "- Across machines (not built yet): the summaries are mergeable by construction (sketch",
        "  buckets and arrival counts add, reservoirs merge by a weighted draw), so a log would",
        "  split by time shard (a file per day or hour) or by route, each machine summarising its",
        "  shards and one merging them. A replay through a plan would split the same way,",
        "  but by route only within one time shard per machine: cooldowns and rate limits couple",
        "  requests to the same deployment in time, so a time shard must hold every route that",
        "  shares a deployment, and shards are replayed with their boundaries overlapped by the",
        "  longest cooldown.",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
