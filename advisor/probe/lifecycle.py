"""From matched workloads to a finished probing run: the one lifecycle both front ends call.

`prepare` picks each workload's offerings and targets and plans every probe (what it would
send and may cost); `refusal` says whether such a run may start; `run_probes` does the rest
in order: start the simulator when the target is `sim`, open the run store, record the run,
send it, mark how it ended (complete, cancelled, failed), close the store and stop the
simulator, whatever happens. The measuring itself lives in `probes`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from advisor import __version__, home
from advisor.match.matching import MatchResult
from advisor.plan import resolve_endpoints
from advisor.plan.figures import figures_for, measured_problem
from advisor.plan.planner import unreachable_providers
from advisor.probe.measured import read_run
from advisor.workload.model import Workload
from catalog import Catalog, Offering
from catalog.errors import AdvisorError, BadInput
from probes.decide import Verdict
from probes.estimate import wall_seconds
from probes.harness import Sent, SpendCap
from probes.kinds.base import Figure, Settings
from probes.run import (
    KINDS,
    PER_PROVIDER,
    Gates,
    ProbeTask,
    RunOutcome,
    RunPlan,
    execute,
    plan_run,
)
from probes.simulator import start_simulator
from probes.spec import SampleSpec, WorkloadSpec
from probes.store import Redactor, RunStatus, RunStore
from probes.targets import (
    ProviderOverride,
    Skipped,
    Target,
    key_variables,
    live_targets,
    load_overrides,
    simulated_targets,
)

DEFAULT_BUDGET_USD = 1.00
"""The spending cap when none is given: enough for a look, too little to hurt."""

OPT_IN_KINDS = ("ratelimit",)
"""Kinds that load a provider on purpose: only when asked for by name."""

DEFAULT_KINDS = tuple(k for k in KINDS if k not in OPT_IN_KINDS)
ALL_KINDS = tuple(KINDS)


def spec_of(workload: Workload, time_scale: float = 1.0) -> WorkloadSpec:
    """What the probes need to know about a workload; on a simulator at `time_scale`, its
    latency budgets at that scale, so a probe compares like with like."""
    samples = [
        SampleSpec(
            [{"role": m.role, "content": m.content} for m in s.messages]
            if s.messages
            else [{"role": "user", "content": s.prompt or ""}],
            s.expected,
        )
        for s in workload.sample_list
    ]
    return WorkloadSpec(
        name=workload.name,
        context_tokens=workload.context_tokens,
        max_context_tokens=workload.largest_input,
        output_tokens=workload.output_tokens,
        system_prompt=workload.system_prompt,
        response_schema=workload.output_schema,
        samples=samples,
        ttft_p95_ms=_scaled(workload.latency.ttft_p95_ms, time_scale),
        e2e_p95_ms=_scaled(workload.latency.e2e_p95_ms, time_scale),
        peak_rps=workload.volume.peak_rps,
        modalities=list(workload.modalities),
        strict_determinism=workload.determinism == "strict",
        time_scale=time_scale,
    )


def _scaled(ms: float | None, scale: float) -> float | None:
    return None if ms is None else ms * scale


def chosen_offerings(
    result: MatchResult,
    top: int,
    pinned: Sequence[str] = (),
    unreachable: frozenset[str] = frozenset(),
) -> list[Offering]:
    """The pinned candidates, else the `top` best the plan could use (offerings of
    `unreachable` providers are left out, as the planner leaves them out)."""
    if pinned:
        return [c.offering for c in result.candidates if c.offering.key in pinned]
    usable = [c.offering for c in result.candidates if c.offering.provider not in unreachable]
    return usable[:top]


def unreachable(catalog: Catalog, overrides: Mapping[str, ProviderOverride]) -> frozenset[str]:
    """Self-hosted providers nobody gave an address: no plan can use them."""
    return unreachable_providers(catalog, resolve_endpoints(catalog, overrides))


@dataclass(frozen=True)
class Prepared:
    """A run ready to start: its plan, its targets' skips, and its cap."""

    plan: RunPlan
    skipped: list[Skipped]
    budget: SpendCap
    simulated: bool
    skipped_by_workload: list[tuple[str, Skipped]] = dataclasses.field(default_factory=list)
    """Each skip with the workload whose candidate it was."""
    decisive: bool = False
    """Probes stop once decided: the plan's requests and cost are the most it may send."""
    time_scale: float = 1.0
    """The simulator's time scale (1 for a live run)."""

    @property
    def expected_s(self) -> float:
        """The expected wall time of the planned requests (`probes.estimate`), in seconds:
        every request sent, as an exhaustive run sends them; rounds down the list add."""
        tasks = [(t.spec.name, t.target.key, t.target.offering, t.batches) for t in self.plan.tasks]
        return wall_seconds(
            tasks, together=self.decisive, per_provider=PER_PROVIDER, time_scale=self.time_scale
        )


def prepare(
    catalog: Catalog,
    results: Sequence[MatchResult],
    *,
    target: str,
    kinds: Sequence[str],
    settings: Settings,
    top: int,
    budget_usd: float,
    sim_url: str | None = None,
    overrides: Mapping[str, ProviderOverride] | None = None,
    pinned: Sequence[str] = (),
    chosen: Mapping[str, Sequence[Offering]] | None = None,
    time_scale: float = 1.0,
) -> Prepared:
    """Pick targets for each workload's best candidates (its `pinned` offerings, or the
    `chosen` offerings of each workload, by name) and plan every probe on them. A pinned
    offering the workload excludes is skipped, with why.

    `overrides` is the user's providers file, read here when not given (a screen that
    estimates on every keystroke reads it once)."""
    work: list[tuple[WorkloadSpec, list[Target]]] = []
    skipped: list[Skipped] = []
    by_workload: list[tuple[str, Skipped]] = []
    if overrides is None:
        overrides = load_overrides(home.providers_file(), catalog.providers)
    for result in results:
        if chosen is not None:
            offerings = list(chosen.get(result.workload.name, ()))
            if not offerings:
                continue
        else:
            offerings = chosen_offerings(
                result, top, pinned, unreachable=unreachable(catalog, overrides)
            )
        skipped += [
            Skipped(e.offering, f"excluded for {result.workload.name}: {'; '.join(e.reasons)}")
            for e in result.exclusions
            if e.offering.key in pinned
        ]
        if target == "sim":
            assert sim_url is not None
            clock: Literal["client", "sim"] = "sim" if settings.sim_clock else "client"
            targets = simulated_targets(catalog, offerings, sim_url, clock)
        else:
            targets, skips = live_targets(catalog, offerings, overrides)
            skipped += skips
            by_workload += [(result.workload.name, skip) for skip in skips]
        scale = time_scale if target == "sim" else 1.0
        work.append((spec_of(result.workload, scale), targets))
    # Probes that size themselves to the cap (correctness under load) read it from settings.
    sized = dataclasses.replace(settings, budget_usd=budget_usd)
    return Prepared(
        plan_run(work, kinds, sized),
        skipped,
        SpendCap(budget_usd),
        target == "sim",
        by_workload,
        settings.decisive,
        time_scale if target == "sim" else 1.0,
    )


def open_store(
    catalog: Catalog, overrides: Mapping[str, ProviderOverride] | None = None
) -> RunStore:
    """The user's run store, with every key variable's value hidden from it."""
    if overrides is None:
        overrides = load_overrides(home.providers_file(), catalog.providers)
    return RunStore(home.runs_db(), Redactor.from_environment(key_variables(catalog, overrides)))


def start(
    store: RunStore,
    prepared: Prepared,
    workloads_file: str | None,
    settings: Settings,
    kinds: Sequence[str],
    time_scale: float = 1.0,
) -> int:
    """Record a new run and return its id, with the workloads it measures and, for a
    simulated run, the time scale its latencies were measured at."""
    return store.start_run(
        target="sim" if prepared.simulated else "live",
        simulated=prepared.simulated,
        workloads_file=workloads_file,
        settings={
            "kinds": list(kinds),
            "requests": settings.requests,
            "load": settings.load.describe(),
            "replayed_logs": {name: t.load.describe() for name, t in settings.traces.items()},
            "timeouts_s": dataclasses.asdict(settings.timeouts),
            "date": dt.date.today().isoformat(),
            "decisive": settings.decisive,
            "clock": "sim" if prepared.simulated and settings.sim_clock else "client",
            "time_scale": time_scale if prepared.simulated else 1.0,
            "workloads": sorted({t.spec.name for t in prepared.plan.tasks}),
        },
        version=__version__,
        budget_usd=prepared.budget.cap_usd,
        workloads=[t.spec.name for t in prepared.plan.tasks],
    )


def stored_outcome(store: RunStore, run_id: int) -> RunOutcome:
    """A run's figures from the store, as `execute` returned them when it finished."""
    outcome = RunOutcome()
    for row in store.results(run_id):
        key = (row["workload"] or "", row["offering"], row["probe"])
        outcome.figures.setdefault(key, []).append(
            Figure(
                row["metric"],
                row["value"],
                row["n"] or 0,
                row["unit"] or "",
                json.loads(row["detail"] or "{}"),
            )
        )
    return outcome


class OverCap(BadInput):
    """A run whose worst case exceeds its spending cap: refused before anything is sent."""

    title = "refused"


class NothingToProbe(AdvisorError):
    """No workload has a candidate that can be reached on the chosen target."""

    title = "nothing to probe"


def refusal(prepared: Prepared) -> AdvisorError | None:
    """Why a prepared run must not start, if it must not."""
    plan = prepared.plan
    cap = prepared.budget.cap_usd
    if plan.worst_case_usd > cap:
        return OverCap(
            f"the worst case ${plan.worst_case_usd:.4f} exceeds the cap ${cap:g}: "
            "raise the cap or send fewer requests"
        )
    if not plan.tasks:
        return NothingToProbe("no candidate can be reached with these choices")
    return None


@dataclass(frozen=True)
class ProbeRequest:
    """What a front end asks for: which workloads' candidates, where, which probes, how hard."""

    catalog: Catalog
    results: Sequence[MatchResult]
    target: str
    """`sim` (a simulator started for the run) or `live`."""
    kinds: Sequence[str]
    settings: Settings
    top: int
    budget_usd: float
    workloads_file: Path | None
    layers: Sequence[Path]
    """The catalog layers the simulator serves."""
    time_scale: float = 1.0
    overrides: Mapping[str, ProviderOverride] | None = None
    pinned: Sequence[str] = ()
    """Probe these offerings (where a workload admits them) instead of the `top` best."""
    confirm: int = 0
    """Down the list: while a workload has fewer than this many probed candidates that no
    probe ruled out, probe its next candidates in the same run and budget (0: only `top`)."""
    seed: int | None = None
    """The simulator's seed (repeatable simulated runs); None picks one."""
    sim_faults: Mapping[str, str] | None = None
    """Simulator only: offerings that misbehave, by key, with a fault profile (`advisor sim
    --help`), e.g. {"openai/gpt-6-luna": "5xx-burst:10"}: an outage to plan around."""


def prepare_request(
    request: ProbeRequest,
    sim_url: str | None,
    chosen: Mapping[str, Sequence[Offering]] | None = None,
) -> Prepared:
    """`prepare` with what `request` asks for, the simulator (if any) at `sim_url`; `chosen`
    names each workload's offerings instead of its best (a round down the list)."""
    settings = request.settings
    if request.target == "sim" and request.seed is not None:
        settings = dataclasses.replace(settings, prompt_seed=request.seed)
    return prepare(
        request.catalog,
        request.results,
        target=request.target,
        kinds=request.kinds,
        settings=settings,
        top=request.top,
        budget_usd=request.budget_usd,
        sim_url=sim_url,
        overrides=request.overrides,
        pinned=request.pinned,
        chosen=chosen,
        time_scale=request.time_scale,
    )


DEPTH = 2
"""Down the list, a workload's candidates probed in one run are at most DEPTH × `top`
(at least `confirm` + 1): past that, the run says plainly that none was confirmed."""


class Rounds:
    """A run's probing, one pipeline per workload, all at once: each sends its first
    candidates' probes and, whenever a probe rules one out while it has fewer candidates
    standing than asked for, its next candidate's, without waiting for its other candidates
    or the other workloads. A workload whose first candidate fails in a second does not wait
    a minute for the others' long prompts before going down the list."""

    def __init__(
        self,
        request: ProbeRequest,
        store: RunStore,
        run_id: int,
        first: Prepared,
        sim_url: str | None,
    ) -> None:
        self.request, self.store, self.run_id, self.sim_url = request, store, run_id, sim_url
        self.prepared = first
        self.overrides = request.overrides or load_overrides(
            home.providers_file(), request.catalog.providers
        )
        self.closed = unreachable(request.catalog, self.overrides)

    async def run(
        self,
        *,
        cancel: asyncio.Event | None,
        on_sent: Callable[[Target, str, Sent], None] | None,
        on_phase: Callable[[str], None],
        on_task: Callable[[ProbeTask, Verdict, int], None] | None = None,
    ) -> RunOutcome:
        """Every workload's pipeline; the figures and requests of all of them."""
        cancel = cancel or asyncio.Event()
        gates = Gates()  # one provider's limit holds across every workload's pipeline
        outcome = RunOutcome()
        first = self.prepared
        by_workload: dict[str, list[ProbeTask]] = {}
        for task in first.plan.tasks:
            by_workload.setdefault(task.spec.name, []).append(task)

        async def pipeline(result: MatchResult, tasks: list[ProbeTask]) -> None:
            name = result.workload.name
            probed = {t.target.key for t in tasks}
            tried = probed | {s.offering.key for w, s in first.skipped_by_workload if w == name}
            changed = asyncio.Event()
            running: set[asyncio.Task[RunOutcome]] = set()

            def heard(task: ProbeTask, verdict: Verdict, count: int) -> None:
                if on_task is not None:
                    on_task(task, verdict, count)
                changed.set()  # a finished probe may have ruled its candidate out

            def launch(plan: RunPlan) -> None:
                job = asyncio.ensure_future(
                    execute(
                        plan,
                        self.store,
                        self.run_id,
                        first.budget,
                        cancel=cancel,
                        on_sent=on_sent,
                        gates=gates,
                        together=self.request.settings.decisive,
                        on_task=heard,
                    )
                )
                running.add(job)
                job.add_done_callback(lambda _: changed.set())

            launch(RunPlan(tasks))
            try:
                while running:
                    await changed.wait()
                    changed.clear()
                    for job in [j for j in running if j.done()]:
                        running.discard(job)
                        done = job.result()
                        outcome.figures.update(done.figures)
                        outcome.sent += done.sent
                    if not self.request.confirm or cancel.is_set():
                        continue
                    nxt = await self._next(result, tried, probed)
                    if nxt is None:
                        continue
                    keys = {t.target.key for t in nxt.plan.tasks}
                    probed |= keys
                    tried |= keys | {s.offering.key for s in nxt.skipped}
                    on_phase(
                        f"{name}: down the list, {len(keys)} more "
                        f"candidate{'s' if len(keys) > 1 else ''}, "
                        f"at most {nxt.plan.requests} requests"
                    )
                    self.prepared = _merged(self.prepared, nxt)
                    launch(nxt.plan)
            finally:
                for job in running:  # an error in one job: the others stop with it
                    job.cancel()
                await asyncio.gather(*running, return_exceptions=True)

        await asyncio.gather(
            *(
                pipeline(r, by_workload[r.workload.name])
                for r in self.request.results
                if r.workload.name in by_workload
            )
        )
        outcome.cancelled = cancel.is_set()
        return outcome

    async def _next(
        self, result: MatchResult, tried: set[str], probed: set[str]
    ) -> Prepared | None:
        """The workload's next candidates while fewer of those `probed` stand (not ruled out
        by a probe, finished or not) than asked for, planned within what is left of the cap;
        None when none are wanted, there are none, or they would not fit."""
        request, name = self.request, result.workload.name
        usable = [c for c in result.candidates if c.offering.provider not in self.closed]
        depth = max(DEPTH * request.top, request.confirm + 1)
        rest = [c.offering for c in usable if c.offering.key not in tried]
        if depth - len(tried) <= 0 or not rest:
            return None  # before reading the run: this runs on the loop after every probe
        measures = read_run(self.store, self.run_id)
        standing = sum(
            measures.of(name, c.offering.key) is None
            or measured_problem(figures_for(c, measures)) is None
            for c in usable
            if c.offering.key in probed
        )
        wanted = min(request.confirm - standing, depth - len(tried))
        if wanted <= 0:
            return None
        budget = self.prepared.budget
        left = budget.cap_usd - budget.spent_usd
        this_round = dataclasses.replace(
            request, results=[result], budget_usd=left, overrides=self.overrides, pinned=()
        )
        # In a thread: planning builds every prompt of the round (megabytes for long-context
        # workloads), and on the loop that would hold other workloads' answers unstamped.
        nxt = await asyncio.to_thread(
            prepare_request, this_round, self.sim_url, {name: rest[:wanted]}
        )
        if not nxt.plan.tasks or nxt.plan.worst_case_usd > left:
            return None
        return nxt


def _merged(first: Prepared, then: Prepared) -> Prepared:
    """One run's preparation over two rounds: every task, every skip, the first's cap."""
    return Prepared(
        RunPlan(first.plan.tasks + then.plan.tasks),
        first.skipped + then.skipped,
        first.budget,
        first.simulated,
        first.skipped_by_workload + then.skipped_by_workload,
        first.decisive,
        first.time_scale,
    )


@dataclass(frozen=True)
class Finished:
    """How a run ended, with what it measured."""

    run_id: int
    status: RunStatus
    prepared: Prepared
    outcome: RunOutcome


async def run_probes(
    request: ProbeRequest,
    *,
    cancel: asyncio.Event | None = None,
    on_sent: Callable[[Target, str, Sent], None] | None = None,
    on_phase: Callable[[str], None] = lambda text: None,
    on_prepared: Callable[[Prepared], None] = lambda prepared: None,
    on_start: Callable[[Prepared, int], None] = lambda prepared, run_id: None,
    on_task: Callable[[ProbeTask, Verdict, int], None] | None = None,
) -> Finished:
    """Run the probes `request` asks for, from the simulator's start to the store's close.

    Raises `OverCap` or `NothingToProbe` before anything is recorded. A cancelled run (the
    `cancel` event, a cancelled task, Ctrl+C) is stored as cancelled with every attempt that
    finished; an exception as failed. `on_prepared` hears the planned run before it is
    checked against its cap, `on_start` the run and its id once recorded, `on_task` each
    finished probe with its verdict (pass, fail, or open when it ran to its end) and the
    requests it sent.
    """
    sim = None
    try:
        if request.target == "sim":
            on_phase("Starting the simulator…")
            sim = await asyncio.to_thread(
                start_simulator,
                request.layers,
                time_scale=request.time_scale,
                seed=request.seed,
                offering_faults=request.sim_faults,
            )
        prepared = prepare_request(request, sim.url if sim else None)
        on_prepared(prepared)
        refused = refusal(prepared)
        if refused is not None:
            raise refused
        store = await asyncio.to_thread(open_store, request.catalog, request.overrides)
        with store:
            workloads_file = str(request.workloads_file) if request.workloads_file else None
            run_id = start(
                store, prepared, workloads_file, request.settings, request.kinds, request.time_scale
            )
            on_start(prepared, run_id)
            try:
                rounds = Rounds(request, store, run_id, prepared, sim.url if sim else None)
                outcome = await rounds.run(
                    cancel=cancel, on_sent=on_sent, on_phase=on_phase, on_task=on_task
                )
                prepared = rounds.prepared
            except (asyncio.CancelledError, KeyboardInterrupt):
                store.finish_run(run_id, "cancelled")
                raise
            except BaseException:
                store.finish_run(run_id, "failed")
                raise
            status: RunStatus = "cancelled" if outcome.cancelled else "complete"
            store.finish_run(run_id, status)
    finally:
        if sim is not None:
            await asyncio.to_thread(sim.stop)
    return Finished(run_id, status, prepared, outcome)
