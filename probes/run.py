"""A probing run: plan every probe on every target, estimate its cost, send it, keep it.

`plan_run` is pure: it says what would be sent and what that could cost at most. `execute`
sends it within the cap, recording each attempt as it finishes and each probe's figures when
its batches are done; a cancelled or failed run keeps everything finished so far.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from probes.clients import make_client
from probes.clients.base import retry_after_seconds
from probes.deadlines import Deadlines, deadlines_for
from probes.decide import Verdict, needed
from probes.harness import (
    Context,
    Sent,
    SpendCap,
    conversation_worst_case,
    run_batch,
    run_conversation,
    worst_case_cost,
)
from probes.kinds.base import Batch, Figure, ProbeKind, Settings
from probes.kinds.context import Context as ContextProbe
from probes.kinds.correctness import Correctness
from probes.kinds.determinism import Determinism
from probes.kinds.latency import Latency
from probes.kinds.modality import Modality
from probes.kinds.ratelimit import RateLimit
from probes.kinds.retention import Retention
from probes.kinds.samples import Samples
from probes.kinds.structured import Structured
from probes.load import Load
from probes.settle import settle
from probes.spec import WorkloadSpec
from probes.store import RunStore
from probes.targets import Target

KINDS: dict[str, ProbeKind] = {
    kind.name: kind
    for kind in (
        Latency(),
        Determinism(),
        ContextProbe(),
        Structured(),
        Modality(),
        Samples(),
        Retention(),
        Correctness(),
        RateLimit(),
    )
}
"""Every probe kind by name, in the order a run performs them."""

PER_PROVIDER = 4
"""Targets of one provider probed at once: different providers do not slow each other down,
and no provider sees more than this many probes' requests at a time."""


class Gates:
    """Per provider, how many of its targets may be probed at once."""

    def __init__(self, per_provider: int = PER_PROVIDER) -> None:
        self.per_provider = per_provider
        self._gates: dict[str, asyncio.Semaphore] = {}

    def of(self, provider: str) -> asyncio.Semaphore:
        return self._gates.setdefault(provider, asyncio.Semaphore(self.per_provider))


@dataclass(frozen=True)
class ProbeTask:
    """One probe kind on one target for one workload, with its batches."""

    spec: WorkloadSpec
    target: Target
    kind: ProbeKind
    batches: list[Batch]
    deadlines: Deadlines = field(default_factory=Deadlines)
    """The limits of its requests, from the workload's budget unless the user set them."""

    @property
    def requests(self) -> int:
        return sum(len(b.requests) for b in self.batches)

    @property
    def worst_case_usd(self) -> float:
        offering = self.target.offering
        return sum(
            conversation_worst_case(offering, b.requests)
            if b.conversation
            else sum(worst_case_cost(offering, r) for r in b.requests)
            for b in self.batches
        )


@dataclass(frozen=True)
class RunPlan:
    tasks: list[ProbeTask]

    @property
    def requests(self) -> int:
        return sum(t.requests for t in self.tasks)

    @property
    def worst_case_usd(self) -> float:
        return sum(t.worst_case_usd for t in self.tasks)

    @property
    def unpriced(self) -> list[str]:
        """Offerings with no catalog price: their spend is not counted against the cap."""
        return sorted({t.target.key for t in self.tasks if t.target.offering.pricing is None})


def plan_run(
    work: Sequence[tuple[WorkloadSpec, Sequence[Target]]], kinds: Sequence[str], settings: Settings
) -> RunPlan:
    """Every task the run would perform; unknown kind names raise KeyError. A decisive run
    leaves out the kinds that cannot change a workload's plan."""
    tasks = []
    for spec, targets in work:
        for target in targets:
            window = target.offering.limits.input or target.offering.limits.context
            for name in kinds:
                kind = KINDS[name]
                if settings.decisive and not needed(name, spec, window):
                    continue
                batches = kind.plan(spec, target, settings)
                if batches:
                    # The context probe's prompts are as long as the workload's largest
                    # input: their prefill alone can outlast limits drawn from the budget of
                    # its typical request, and recall, not time, is what it measures.
                    limits = deadlines_for(spec, settings.timeouts, budgeted=name != "context")
                    tasks.append(ProbeTask(spec, target, kind, batches, limits))
    return RunPlan(tasks)


@dataclass
class RunOutcome:
    """Figures of each finished task, keyed by (workload, offering, probe)."""

    figures: dict[tuple[str, str, str], list[Figure]] = field(default_factory=dict)
    sent: int = 0
    cancelled: bool = False


MAX_RETRY_AFTER_S = 60.0
"""The longest a `retry-after` is honoured before a recovery batch; longer ones are capped."""


async def _run_task(ctx: Context, task: ProbeTask) -> tuple[dict[str, list[Sent]], Verdict]:
    """A task's batches in order; a batch's `stop_on` outcome skips the rest but for the
    `after_stop` ones, which wait out the server's `retry-after` first; a batch whose
    answers decide the probe skips the rest."""
    sent: dict[str, list[Sent]] = {}
    stopped: list[Sent] = []
    for batch in task.batches:
        if ctx.cancel.is_set():
            break
        if batch.after_stop != bool(stopped):
            continue
        if batch.after_stop:
            await asyncio.sleep(min(MAX_RETRY_AFTER_S, max(_retry_after(s) for s in stopped)))
        if batch.conversation:
            sent[batch.label] = await run_conversation(
                ctx,
                task.target,
                task.kind.name,
                batch.requests,
                workload=task.spec.name,
                deadlines=task.deadlines,
            )
        elif batch.verdict is not None:
            earlier = [s for answers in sent.values() for s in answers]
            sent[batch.label], verdict = await _run_until_decided(
                ctx, task, batch, batch.verdict, earlier
            )
            if verdict != "open":  # decided: its later batches cannot change the verdict
                return sent, verdict
        else:
            if batch.timed:
                await settle()
            sent[batch.label] = await run_batch(
                ctx,
                task.target,
                task.kind.name,
                batch.requests,
                batch.load,
                workload=task.spec.name,
                deadlines=task.deadlines,
            )
        if batch.stop_on and not stopped:
            stopped = [s for s in sent[batch.label] if s.reply.outcome == batch.stop_on]
    return sent, "open"


async def _run_until_decided(
    ctx: Context,
    task: ProbeTask,
    batch: Batch,
    verdict: Callable[[list[Sent]], Verdict],
    earlier: list[Sent],
) -> tuple[list[Sent], Verdict]:
    """A batch sent a step at a time (each step all at once), until its answers (with the
    task's `earlier` ones) decide the probe or it runs out of requests; with whether they
    decided it."""
    sent: list[Sent] = []
    step = max(1, batch.step)
    for start in range(0, len(batch.requests), step):
        if ctx.cancel.is_set():
            break
        chunk = batch.requests[start : start + step]
        if batch.timed:
            await settle()
        sent += await run_batch(
            ctx,
            task.target,
            task.kind.name,
            chunk,
            Load(concurrency=len(chunk)),
            workload=task.spec.name,
            deadlines=task.deadlines,
        )
        decided = verdict(earlier + sent)
        if decided != "open":
            return sent, decided
    return sent, "open"


def _retry_after(sent: Sent) -> float:
    """Seconds the server asked to wait (retry-after-ms, else retry-after in seconds or as an
    HTTP-date), or 1 when it did not say."""
    headers = sent.timed.headers if sent.timed else {}
    seconds = retry_after_seconds(headers)
    return 1.0 if seconds is None else seconds


async def execute(
    plan: RunPlan,
    store: RunStore,
    run_id: int,
    budget: SpendCap,
    *,
    cancel: asyncio.Event | None = None,
    on_sent: Callable[[Target, str, Sent], None] | None = None,
    gates: Gates | None = None,
    together: bool = False,
    on_task: Callable[[ProbeTask, Verdict, int], None] | None = None,
) -> RunOutcome:
    """Send the plan. Targets on different providers are probed at once, at most
    PER_PROVIDER targets of one provider at a time (`gates`, shared by calls that run side
    by side). Tasks on one target run one after another (so probes do not disturb each
    other's timing), or all at once when `together` (a decisive run, for which the wall
    time matters more than a clean timing: none of its probes is under load). `on_task`
    hears each finished task with its verdict and the requests it sent."""
    outcome = RunOutcome()
    gates = gates or Gates()
    by_target: dict[tuple[str, str], list[ProbeTask]] = {}
    for task in plan.tasks:
        by_target.setdefault((task.spec.name, task.target.key), []).append(task)
    async with make_client() as client:
        ctx = Context(client, store, run_id, budget, cancel or asyncio.Event(), on_sent)

        async def target_tasks(tasks: list[ProbeTask]) -> None:
            async with gates.of(tasks[0].target.offering.provider):
                if together:
                    await asyncio.gather(*(one(task) for task in tasks))
                    return
                for task in tasks:
                    if ctx.cancel.is_set() or await one(task) == "fail":
                        return  # ruled out: its other probes cannot bring it back

        async def one(task: ProbeTask) -> Verdict:
            if ctx.cancel.is_set():
                return "open"
            sent, verdict = await _run_task(ctx, task)
            count = sum(s.timed is not None for batch in sent.values() for s in batch)
            outcome.sent += count
            figures = task.kind.analyse(task.spec, task.target, sent)
            key = (task.spec.name, task.target.key, task.kind.name)
            outcome.figures[key] = figures
            await store.save_results(
                run_id,
                [f.row(task.target.key, task.kind.name, task.spec.name) for f in figures],
            )
            if on_task is not None:
                on_task(task, verdict, count)
            return verdict

        await asyncio.gather(*(target_tasks(tasks) for tasks in by_target.values()))
    outcome.cancelled = ctx.cancel.is_set()
    return outcome
