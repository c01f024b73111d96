"""What a probe kind is: the batches it sends and the figures it derives from the answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from probes.clients import ChatRequest
from probes.deadlines import Timeouts
from probes.decide import Verdict
from probes.harness import Sent
from probes.load import Load
from probes.spec import WorkloadSpec
from probes.targets import Target


@dataclass(frozen=True)
class Trace:
    """A request log's traffic for one workload, for the latency probe to replay: each
    request's messages (empty when the log kept no bodies: a prompt of its input size is
    sent instead), its output size and its arrival, in log seconds."""

    offsets: tuple[float, ...]
    messages: tuple[tuple[Mapping[str, Any], ...], ...]
    input_tokens: tuple[int, ...]
    output_tokens: tuple[int, ...]
    scale: float = 1.0
    """Multiplies the arrival offsets (0.1: ten times faster than the log)."""

    @property
    def load(self) -> Load:
        """Open loop on the log's arrival times, at the trace's scale."""
        return Load(mode="trace", offsets=self.offsets, scale=self.scale)


@dataclass(frozen=True)
class Settings:
    """Sizes a user may change for a run."""

    requests: int = 10
    """Requests per target for the latency probe (others size themselves from this)."""
    load: Load = field(default_factory=Load)
    repeats: int = 8
    """Determinism: repeats of one prompt, sequentially and again concurrently."""
    seed: int = 1234
    ramp_step_s: float = 2.0
    """Rate-limit probe: seconds at each rate of the ramp."""
    turns: int = 8
    """Retention probe: the most turns in each conversation."""
    load_seconds: float = 5.0
    """Correctness probe: how long the load at the workload's peak rate lasts."""
    budget_usd: float | None = None
    """The run's spending cap, for probes that size themselves to a share of it."""
    timeouts: Timeouts = field(default_factory=Timeouts)
    """Limits the user set; the rest come from each workload's latency budget."""
    traces: Mapping[str, Trace] = field(default_factory=dict)
    """Request logs by workload name: the latency probe replays a workload's log (its real
    prompts, open loop at its arrival times) instead of prompts of the workload's size."""
    decisive: bool = False
    """Send only what can change the plan: kinds the workload needs (`probes.decide.needed`),
    each stopping as soon as its deciding figure clears or fails the workload's bar."""
    prompt_seed: int | None = None
    """A seeded simulated run's seed: prompts' nonces follow from it, so two runs on one seed
    send the same requests and the simulator draws the same answers for them (common random
    numbers). None, as against a provider: a fresh nonce per prompt keeps its cache out."""

    sim_clock: bool = False
    """Simulator only: time answers by the schedule the simulator intended, not on arrival
    (`probes.targets.Target.clock`), so two runs compare free of this machine's load."""

    def nonce_key(self, workload: str, index: int) -> str | None:
        """The key of request `index`'s nonce for `workload` (`probes.prompts.nonce`)."""
        return None if self.prompt_seed is None else f"{self.prompt_seed}:{workload}:{index}"


@dataclass(frozen=True)
class Batch:
    """Requests sent together in one load shape; `label` tells them apart in the analysis."""

    label: str
    requests: list[ChatRequest]
    load: Load = field(default_factory=Load)
    stop_on: str | None = None
    """When a request of this batch ends with this outcome, the task's later batches are
    skipped, except those marked `after_stop`."""
    after_stop: bool = False
    """Sent only when an earlier batch stopped the task, once its `retry-after` has passed."""
    conversation: bool = False
    """The requests are the turns of one conversation, sent one after another, each carrying
    the earlier turns and their answers (`load` does not apply). Each request holds only its
    turn's own messages; the worst case counts every earlier answer at its `max_tokens`."""
    step: int = 0
    """With `verdict`: send the requests this many at a time (all at once within a step)."""
    verdict: Callable[[list[Sent]], Verdict] | None = None
    """Sequential stopping: after each step, whether the answers so far (the task's earlier
    batches' first) decide the probe (pass or fail) or leave it open; once decided, the requests not yet sent never are, nor
    are the task's later batches. The requests are the most it may send."""
    timed: bool = False
    """Its figures are times: each step (the whole batch without steps) waits for a quiet
    client first (`probes.settle`), so the client's own stalls do not read as latency."""


@dataclass(frozen=True)
class Figure:
    """One result row: a metric of one offering for one workload, with its sample count."""

    metric: str
    value: float | None
    n: int
    unit: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def row(self, offering: str, probe: str, workload: str) -> dict[str, Any]:
        return {
            "offering": offering,
            "probe": probe,
            "workload": workload,
            "metric": self.metric,
            "value": self.value,
            "n": self.n,
            "unit": self.unit,
            "detail": self.detail,
        }


class ProbeKind(Protocol):
    name: str
    """The name used on the command line and in the store."""
    needs: str
    """One line on what it measures."""

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]: ...

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]: ...


def outcome_counts(sent: list[Sent]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in sent:
        counts[s.reply.outcome] = counts.get(s.reply.outcome, 0) + 1
    return counts


def messages(spec: WorkloadSpec, user: str) -> list[dict[str, Any]]:
    """The workload's system prompt (if any) and one user message."""
    out: list[dict[str, Any]] = []
    if spec.system_prompt:
        out.append({"role": "system", "content": spec.system_prompt})
    out.append({"role": "user", "content": user})
    return out
