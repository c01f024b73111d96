"""Request logs summarised into workloads: 1,000,000 generated log lines, time and peak
memory, streamed through the same readers and sketches as `advisor workload from-logs`."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from advisor.traffic.derive import Traffic

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
import pickle, resource, sys, time
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
if len(sys.argv) > 2:
    with open(sys.argv[2], "wb") as out:
        pickle.dump(traffic, out)
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


def summarise_in_child(path: Path, lines: int, keep: Path | None = None) -> Summary:
    """Time and peak RSS of one summary in a fresh interpreter, so nothing else the bench
    loaded counts; RSS before reading is reported too (the interpreter and imports). CPU time
    is the process's own: on a shared machine wall time also counts other processes' turns."""
    args = [sys.executable, "-c", CHILD, str(path), *([str(keep)] if keep else [])]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()
    return Summary(
        lines, path.stat().st_size, float(out[0]), float(out[1]), *(int(v) for v in out[2:])
    )


def split(path: Path, shards: int, lines: int) -> list[Path]:
    """`path` cut into `shards` files of consecutive lines: time shards, as the log is in
    arrival order."""
    out = [path.with_name(f"{path.stem}-shard{i}.jsonl") for i in range(shards)]
    per = -(-lines // shards)
    with path.open(encoding="utf-8") as source:
        for shard in out:
            with shard.open("w", encoding="utf-8") as sink:
                for _, text in zip(range(per), source, strict=False):
                    sink.write(text)
    return out


def sharded(path: Path, lines: int, whole: Traffic, shards: int = 2) -> tuple[float, bool]:
    """Summarise `shards` time shards in parallel processes, merge their summaries; the
    wall time, and whether every cluster's token quantiles, maximum and busiest minute equal
    the single pass's."""
    parts = split(path, shards, lines)
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(part), str(part.with_suffix(".pickle"))],
            stdout=subprocess.DEVNULL,
        )
        for part in parts
    ]
    for child in children:
        if child.wait() != 0:
            raise RuntimeError("a shard's summary failed")
    merged: Traffic | None = None
    for part in parts:
        with part.with_suffix(".pickle").open("rb") as handle:
            shard: Traffic = pickle.load(handle)
        if merged is None:
            merged = shard
        else:
            merged.merge(shard)
    wall = time.perf_counter() - started
    assert merged is not None
    return wall, _same(whole, merged)


def _same(one: Traffic, two: Traffic) -> bool:
    if one.requests != two.requests or set(one.clusters) != set(two.clusters):
        return False
    return all(
        a.inputs.quantile(q) == b.inputs.quantile(q)
        and a.outputs.quantile(q) == b.outputs.quantile(q)
        and a.peak_rpm == b.peak_rpm
        and a.count == b.count
        for key, a in one.clusters.items()
        for b in [two.clusters[key]]
        for q in (0.5, 0.95, 1.0)
    )


def run() -> list[str]:
    runs: list[Summary] = []
    with tempfile.TemporaryDirectory() as tmp:
        for lines in (SMALL, LINES):
            path = Path(tmp) / f"log-{lines}.jsonl"
            write_log(path, lines)
            keep = Path(tmp) / "whole.pickle"
            runs.append(summarise_in_child(path, lines, keep))
            if lines == LINES:
                with keep.open("rb") as handle:
                    whole: Traffic = pickle.load(handle)
                shard_wall, agree = sharded(path, lines, whole)
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
        f"- Split in two time shards summarised by two processes at once, then merged "
        f"(`Traffic.merge`): {shard_wall:.1f} s wall against {big.wall_s:.1f} s for one pass; "
        f"every cluster's p50, p95 and maximum tokens and busiest minute "
        f"{'equal' if agree else 'DIFFER from'} the single pass's.",
        f"- How far one machine goes: one core summarises about {rate:,.0f} lines a second, "
        f"{per_day:,.0f} million a day; a month of a 100 rps service (260M lines) takes "
        f"about {260e6 / rate / 3600:.1f} hours of one core, in the same memory.",
        "- Across machines: the summaries merge (sketch buckets and arrival counts add,",
        "  reservoirs merge by a weighted draw), so a log splits by time shard (a file per day",
        "  or hour) or by route, each machine summarising its shards and one merging them, as",
        "  the two-process run above does on one machine. A replay through a plan splits by time",
        "  shard too, but not freely by route: cooldowns and rate limits couple the requests that",
        "  share a deployment, so a shard must hold every route that shares one, and shards",
        "  overlap at their edges by the longest cooldown.",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
