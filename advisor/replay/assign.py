"""A log's requests as a replay sends them: each assigned to a plan workload, on one clock.

A logged request goes to the workload whose name (the gateway alias) is its route; without a
route, to the workload its logged model names. Requests no workload takes are counted by
route and reported, never silently dropped. Sizes come from the log where it states them;
an input size the log omits is counted from the messages (the simulator's rule, four
characters a token), and failing that the workload's typical size is used; each request
says which.

Arrival times are kept as offsets from the log's first request, in log seconds. A log
without timestamps is replayed one request a second, and the traffic says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from advisor.traffic.read import Format, read_logs
from advisor.traffic.records import LoggedRequest
from advisor.workload.model import Workload
from catalog.errors import BadInput
from probes.kinds.base import Trace
from probes.prompts import sized_prompt

CHARS_PER_TOKEN: Final = 4
MESSAGE_OVERHEAD: Final = 4
"""Tokens a chat template adds per message, as the simulator counts them."""
UNTIMED_GAP_S: Final = 1.0
"""The spacing of a log that records no arrival times."""
NO_ROUTE: Final = "(no route)"

SizeSource = Literal["log", "messages", "workload"]


@dataclass(frozen=True, slots=True)
class ReplayRequest:
    """One logged request as the replay sends it."""

    index: int
    source: str
    workload: str
    offset_s: float
    """Arrival after the log's first request, in log seconds (unscaled)."""
    input_tokens: int
    output_tokens: int
    messages: tuple[Mapping[str, Any], ...]
    sizes_from: SizeSource
    """Where the input size came from: the log, the messages, or the workload's typical."""
    logged_status: int | None = None
    logged_latency_s: float | None = None
    logged_cost_usd: float | None = None
    """What the log says happened to it, where it says: the replay's baseline."""

    def chat_messages(self) -> list[dict[str, Any]]:
        """The messages to send: as logged, else a prompt of the logged input size."""
        return [dict(m) for m in self.messages] or [
            {"role": "user", "content": sized_prompt(self.input_tokens, seed=self.index)}
        ]


@dataclass(frozen=True)
class Assigned:
    """The requests of a log that the plan's workloads take, in arrival order."""

    requests: tuple[ReplayRequest, ...]
    unmatched: Mapping[str, int]
    """Requests no workload takes, by route."""
    timed: bool
    """Whether the log gave arrival times (else one request a second)."""

    @property
    def span_s(self) -> float:
        """Log seconds from the first request to the last."""
        return self.requests[-1].offset_s if self.requests else 0.0

    def of(self, workload: str) -> tuple[ReplayRequest, ...]:
        return tuple(r for r in self.requests if r.workload == workload)


def message_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Input tokens of chat messages by the simulator's rule: text at four characters a
    token (ceiling), plus a few per message."""
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD
        content = message.get("content")
        parts = content if isinstance(content, list) else [content]
        for part in parts:
            text = part.get("text") if isinstance(part, Mapping) else part
            if isinstance(text, str):
                total += -(-len(text) // CHARS_PER_TOKEN)
    return total


def assign(records: Iterable[LoggedRequest], workloads: Sequence[Workload]) -> Assigned:
    """Assign each logged request to the workload its route (or else model) names."""
    by_name = {w.name: w for w in workloads}
    taken: list[tuple[float | None, int, LoggedRequest, Workload]] = []
    unmatched: Counter[str] = Counter()
    for position, record in enumerate(records):
        workload = by_name.get(record.route or "") or (
            by_name.get(record.model or "") if record.route is None else None
        )
        if workload is None:
            unmatched[record.route or NO_ROUTE] += 1
            continue
        taken.append((record.at, position, record, workload))
    timed = bool(taken) and all(at is not None for at, *_ in taken)
    if timed:
        taken.sort(key=lambda item: (item[0] or 0.0, item[1]))
    first = taken[0][0] if timed and taken else 0.0
    requests = []
    for index, (at, _, record, workload) in enumerate(taken):
        offset = (at or 0.0) - (first or 0.0) if timed else index * UNTIMED_GAP_S
        requests.append(_request(index, offset, record, workload))
    return Assigned(tuple(requests), dict(unmatched), timed)


def check_assigned(traffic: Assigned, of: str) -> None:
    """BadInput when no request of the log names a workload of `of` (a workload file)."""
    if not traffic.requests:
        seen = ", ".join(sorted(traffic.unmatched)) or "none"
        raise BadInput(
            f"no request of the log has a route naming a workload of {of} (routes seen: {seen})"
        )


def assign_logs(
    paths: Sequence[Path], workloads: Sequence[Workload], of: str, fmt: Format = "auto"
) -> Assigned:
    """The requests of the logs at `paths` that the workloads of `of` (a workload file, as
    messages name it) take; BadInput when they take none."""
    traffic = assign(read_logs(paths, fmt), workloads)
    check_assigned(traffic, of)
    return traffic


def _request(index: int, offset: float, record: LoggedRequest, workload: Workload) -> ReplayRequest:
    sizes: SizeSource
    if record.input_tokens is not None:
        tokens, sizes = record.input_tokens, "log"
    elif record.messages:
        tokens, sizes = message_tokens(record.messages), "messages"
    else:
        tokens, sizes = workload.context_tokens, "workload"
    output = record.output_tokens if record.output_tokens is not None else workload.output_tokens
    return ReplayRequest(
        index=index,
        source=record.source,
        workload=workload.name,
        offset_s=offset,
        input_tokens=tokens,
        output_tokens=max(1, output),
        messages=record.messages,
        sizes_from=sizes,
        logged_status=record.status,
        logged_latency_s=record.latency_s,
        logged_cost_usd=record.cost_usd,
    )


def traces(traffic: Assigned, scale: float = 1.0) -> dict[str, Trace]:
    """Each workload's share of the log as a trace for the latency probe to replay, its
    arrivals from the workload's first request."""
    out = {}
    for name in dict.fromkeys(r.workload for r in traffic.requests):
        mine = traffic.of(name)
        out[name] = Trace(
            offsets=tuple(r.offset_s - mine[0].offset_s for r in mine),
            messages=tuple(r.messages for r in mine),
            input_tokens=tuple(r.input_tokens for r in mine),
            output_tokens=tuple(r.output_tokens for r in mine),
            scale=scale,
        )
    return out


def log_traces(
    paths: Sequence[Path], workloads: Sequence[Workload], scale: float = 1.0
) -> dict[str, Trace]:
    """The traces of request logs for the latency probe; BadInput when no request of the
    logs names a workload."""
    traffic = assign(read_logs(paths), workloads)
    if not traffic.requests:
        seen = ", ".join(sorted(traffic.unmatched)) or "none"
        raise BadInput(
            f"no request of {', '.join(map(str, paths))} names a workload (routes: {seen})"
        )
    return traces(traffic, scale)
