"""How long a run plan should take, before it starts.

Each request's expected time comes from its offering's latency figures in the catalog (the
p50 time to first token, the prompt's prefill, the output at the p50 tokens/s), with the
documented defaults where the catalog has none: the same shape the simulator serves
(`probes.simulator.timing`). The plan's shape then sets the wall time: a batch sends its
requests `concurrency` (or a step) at a time, a conversation one turn after another; a
target's tasks run one after another, or all at once in a decisive run; a provider's targets
at most `per_provider` at a time, providers and workloads side by side. It is an
expectation, not a bound: retries, 429s, rounds down the list and a busy machine add to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog import Offering
from probes.clients import ChatRequest
from probes.harness import CHARS_PER_TOKEN
from probes.kinds.base import Batch
from probes.simulator.timing import timing_model


def request_seconds(offering: Offering, request: ChatRequest) -> float:
    """The expected seconds of one request: first token, then every output token."""
    model = timing_model(offering)
    prompt = sum(len(str(m["content"])) for m in request.messages) / CHARS_PER_TOKEN
    first = model.ttft_ms / 1000 + prompt / model.prefill_tps
    return first + max(0, request.max_tokens - 1) * model.itl_ms / 1000


def batch_seconds(offering: Offering, batch: Batch) -> float:
    """A batch's expected seconds, in the rounds its load or step sends it in."""
    times = [request_seconds(offering, r) for r in batch.requests]
    if not times:
        return 0.0
    if batch.conversation:
        # Each turn carries the earlier ones: the later turns' prompts are longer.
        return sum(times) + len(times) * (len(times) - 1) / 2 * _turn_growth(offering, batch)
    if batch.load.mode == "open" and batch.load.rate:
        return len(times) / batch.load.rate + max(times)
    at_once = batch.step if batch.verdict is not None and batch.step else batch.load.concurrency
    at_once = max(1, at_once)
    return sum(max(times[i : i + at_once]) for i in range(0, len(times), at_once))


def _turn_growth(offering: Offering, batch: Batch) -> float:
    """The prefill seconds one earlier turn (its messages and answer) adds to a later one."""
    model = timing_model(offering)
    turn = sum(len(str(m["content"])) for r in batch.requests[:1] for m in r.messages)
    answer = batch.requests[0].max_tokens if batch.requests else 0
    return (turn / CHARS_PER_TOKEN + answer) / model.prefill_tps


def wall_seconds(
    tasks: Sequence[tuple[str, str, Offering, Sequence[Batch]]],
    *,
    together: bool,
    per_provider: int,
    time_scale: float = 1.0,
) -> float:
    """The expected wall time of tasks given as (workload, target key, offering, batches):
    per target its tasks' sum (or the longest, `together`); per provider its targets spread
    over `per_provider` lanes, longest first; the slowest provider decides."""
    by_target: dict[tuple[str, str], list[float]] = {}
    provider_of: dict[tuple[str, str], str] = {}
    for workload, key, offering, batches in tasks:
        seconds = sum(batch_seconds(offering, b) for b in batches)
        by_target.setdefault((workload, key), []).append(seconds)
        provider_of[(workload, key)] = offering.provider
    lanes: dict[str, list[float]] = {}
    for target, times in sorted(by_target.items(), key=lambda item: -sum(item[1])):
        length = max(times) if together else sum(times)
        provider = lanes.setdefault(provider_of[target], [0.0] * max(1, per_provider))
        provider[provider.index(min(provider))] += length
    return max((max(p) for p in lanes.values()), default=0.0) * time_scale
