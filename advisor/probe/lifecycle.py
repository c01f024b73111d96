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

from advisor import __version__, home
from advisor.match.matching import MatchResult
from advisor.workload.model import Workload
from catalog import Catalog, Offering
from catalog.errors import AdvisorError, BadInput
from probes.harness import Budget, Sent
from probes.kinds.base import Figure, Settings
from probes.run import KINDS, Outcome, Plan, execute, plan_run
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


def spec_of(workload: Workload) -> WorkloadSpec:
    """What the probes need to know about a workload."""
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
        ttft_p95_ms=workload.latency.ttft_p95_ms,
        e2e_p95_ms=workload.latency.e2e_p95_ms,
        peak_rps=workload.volume.peak_rps,
        modalities=list(workload.modalities),
        strict_determinism=workload.determinism == "strict",
    )


def chosen_offerings(result: MatchResult, top: int, pinned: Sequence[str] = ()) -> list[Offering]:
    """The pinned candidates, else the `top` best."""
    if pinned:
        return [c.offering for c in result.candidates if c.offering.key in pinned]
    return [c.offering for c in result.candidates[:top]]


@dataclass(frozen=True)
class Prepared:
    """A run ready to start: its plan, its targets' skips, and its cap."""

    plan: Plan
    skipped: list[Skipped]
    budget: Budget
    simulated: bool


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
) -> Prepared:
    """Pick targets for each workload's best candidates (or its `pinned` offerings) and plan
    every probe on them. A pinned offering the workload excludes is skipped, with why.

    `overrides` is the user's providers file, read here when not given (a screen that
    estimates on every keystroke reads it once)."""
    work: list[tuple[WorkloadSpec, list[Target]]] = []
    skipped: list[Skipped] = []
    if overrides is None:
        overrides = load_overrides(home.providers_file(), catalog.providers)
    for result in results:
        offerings = chosen_offerings(result, top, pinned)
        skipped += [
            Skipped(e.offering, f"excluded for {result.workload.name}: {'; '.join(e.reasons)}")
            for e in result.exclusions
            if e.offering.key in pinned
        ]
        if target == "sim":
            assert sim_url is not None
            targets = simulated_targets(catalog, offerings, sim_url)
        else:
            targets, skips = live_targets(catalog, offerings, overrides)
            skipped += skips
        work.append((spec_of(result.workload), targets))
    # Probes that size themselves to the cap (correctness under load) read it from settings.
    sized = dataclasses.replace(settings, budget_usd=budget_usd)
    return Prepared(plan_run(work, kinds, sized), skipped, Budget(budget_usd), target == "sim")


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
) -> int:
    """Record a new run and return its id."""
    return store.start_run(
        target="sim" if prepared.simulated else "live",
        simulated=prepared.simulated,
        workloads_file=workloads_file,
        settings={
            "kinds": list(kinds),
            "requests": settings.requests,
            "load": settings.load.describe(),
            "timeouts_s": dataclasses.asdict(settings.timeouts),
            "date": dt.date.today().isoformat(),
        },
        version=__version__,
        budget_usd=prepared.budget.cap_usd,
    )


def stored_outcome(store: RunStore, run_id: int) -> Outcome:
    """A run's figures from the store, as `execute` returned them when it finished."""
    outcome = Outcome()
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


def prepare_request(request: ProbeRequest, sim_url: str | None) -> Prepared:
    """`prepare` with what `request` asks for, the simulator (if any) at `sim_url`."""
    return prepare(
        request.catalog,
        request.results,
        target=request.target,
        kinds=request.kinds,
        settings=request.settings,
        top=request.top,
        budget_usd=request.budget_usd,
        sim_url=sim_url,
        overrides=request.overrides,
        pinned=request.pinned,
    )


@dataclass(frozen=True)
class Finished:
    """How a run ended, with what it measured."""

    run_id: int
    status: RunStatus
    prepared: Prepared
    outcome: Outcome


async def run_probes(
    request: ProbeRequest,
    *,
    cancel: asyncio.Event | None = None,
    on_sent: Callable[[Target, str, Sent], None] | None = None,
    on_phase: Callable[[str], None] = lambda text: None,
    on_prepared: Callable[[Prepared], None] = lambda prepared: None,
    on_start: Callable[[Prepared, int], None] = lambda prepared, run_id: None,
) -> Finished:
    """Run the probes `request` asks for, from the simulator's start to the store's close.

    Raises `OverCap` or `NothingToProbe` before anything is recorded. A cancelled run (the
    `cancel` event, a cancelled task, Ctrl+C) is stored as cancelled with every attempt that
    finished; an exception as failed. `on_prepared` hears the planned run before it is
    checked against its cap, `on_start` the run and its id once recorded.
    """
    sim = None
    try:
        if request.target == "sim":
            on_phase("Starting the simulator…")
            sim = await asyncio.to_thread(
                start_simulator, request.layers, time_scale=request.time_scale
            )
        prepared = prepare_request(request, sim.url if sim else None)
        on_prepared(prepared)
        refused = refusal(prepared)
        if refused is not None:
            raise refused
        store = await asyncio.to_thread(open_store, request.catalog, request.overrides)
        with store:
            workloads_file = str(request.workloads_file) if request.workloads_file else None
            run_id = start(store, prepared, workloads_file, request.settings, request.kinds)
            on_start(prepared, run_id)
            try:
                outcome = await execute(
                    prepared.plan, store, run_id, prepared.budget, cancel=cancel, on_sent=on_sent
                )
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
