"""From matched workloads to a probing run: which offerings, which targets, what it may cost.

The front ends (CLI and TUI) call these; the measuring itself lives in `probes`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor import __version__, paths
from advisor.matching import MatchResult
from advisor.workloads import Workload
from catalog import Catalog, Offering
from probes.harness import Budget
from probes.kinds.base import Figure, Settings
from probes.run import KINDS, Outcome, Plan, plan_run
from probes.spec import SampleSpec, WorkloadSpec
from probes.store import Redactor, RunStore, RunSummary
from probes.targets import (
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
) -> Prepared:
    """Pick targets for each workload's best candidates and plan every probe on them."""
    work: list[tuple[WorkloadSpec, list[Target]]] = []
    skipped: list[Skipped] = []
    overrides = load_overrides(paths.providers_file(), catalog.providers)
    for result in results:
        offerings = chosen_offerings(result, top)
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


def open_store(catalog: Catalog) -> RunStore:
    """The user's run store, with every key variable's value hidden from it."""
    overrides = load_overrides(paths.providers_file(), catalog.providers)
    return RunStore(paths.runs_db(), Redactor.from_environment(key_variables(catalog, overrides)))


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


def latest_samples_run(
    store: RunStore, workload: str, workloads_file: Path | None
) -> RunSummary | None:
    """The newest run with sample outputs for `workload`, made from `workloads_file` when
    one is given (another file's workload of the same name has other samples)."""
    rows = store.db.execute(
        """
        select distinct r.id, r.workloads_file from runs r join results s on s.run_id = r.id
        where s.workload = ? and s.probe = 'samples' and s.metric = 'outputs'
        order by r.id desc
        """,
        [workload],
    ).fetchall()
    wanted = workloads_file.resolve() if workloads_file is not None else None
    for run_id, path in rows:
        if wanted is None or (path and Path(path).resolve() == wanted):
            return next(r for r in store.runs() if r.id == run_id)
    return None
