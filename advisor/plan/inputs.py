"""From matched workloads (and a probe run) to a plan: what the CLI and the TUI both call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from advisor import home
from advisor.match.matching import MatchResult
from advisor.plan import Plan, PlanOptions, make_plan, resolve_endpoints
from advisor.plan.model import Endpoint
from advisor.probe.measured import RunMeasures, read_run
from catalog import Catalog
from probes.store import RunStore, UnknownRun
from probes.targets import load_overrides


def endpoints(catalog: Catalog) -> dict[str, Endpoint]:
    """Every provider's endpoint, with the user's providers file applied."""
    return resolve_endpoints(catalog, load_overrides(home.providers_file(), catalog.providers))


def latest_run(workloads_file: Path) -> int | None:
    """The newest complete probe run made from this workload file, if any."""
    db = home.runs_db()
    if not db.exists():
        return None
    with RunStore(db) as store:
        return store.latest_run(workloads_file)


def latest_runs(workloads_file: Path) -> dict[str, int]:
    """Each workload's newest complete probe run made from this file that measured it."""
    db = home.runs_db()
    if not db.exists():
        return {}
    with RunStore(db) as store:
        return store.latest_runs(workloads_file)


def newest_measures(workloads_file: Path) -> dict[str, RunMeasures]:
    """Each workload's figures from its newest run that measured it (a run read once)."""
    newest = latest_runs(workloads_file)
    if not newest:
        return {}
    with RunStore(home.runs_db()) as store:
        read = {run_id: read_run(store, run_id) for run_id in set(newest.values())}
    return {workload: read[run_id] for workload, run_id in newest.items()}


def run_measures(run_id: int) -> RunMeasures:
    """A run's figures; `UnknownRun` when the store has no such run."""
    db = home.runs_db()
    if not db.exists():
        raise UnknownRun(f"no run {run_id}: no probe run has been made yet ({db})")
    with RunStore(db) as store:
        return read_run(store, run_id)


def plan_for(
    catalog: Catalog,
    results: Sequence[MatchResult],
    *,
    run_id: int | None = None,
    options: PlanOptions | None = None,
    today: dt.date | None = None,
    newest_of: Path | None = None,
) -> Plan:
    """The plan of every workload, on run `run_id`'s figures when given, else (with
    `newest_of`, a workload file) on each workload's newest run of that file."""
    measures = run_measures(run_id) if run_id is not None else None
    by_workload = newest_measures(newest_of) if newest_of is not None and run_id is None else None
    return make_plan(
        results,
        catalog,
        endpoints(catalog),
        measures=measures,
        options=options,
        today=today,
        by_workload=by_workload,
    )
