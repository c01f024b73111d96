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
from probes.store import RunStore
from probes.targets import load_overrides


def endpoints(catalog: Catalog) -> dict[str, Endpoint]:
    """Every provider's endpoint, with the user's providers file applied."""
    return resolve_endpoints(catalog, load_overrides(home.providers_file(), catalog.providers))


def latest_run(workloads_file: Path) -> int | None:
    """The newest complete probe run made from this workload file, if any."""
    db = home.runs_db()
    if not db.exists():
        return None
    wanted = workloads_file.resolve()
    store = RunStore(db)
    rows = store.db.query(
        "select id, workloads_file from runs where status = 'complete' order by id desc"
    )
    for row in rows:
        if row["workloads_file"] and Path(row["workloads_file"]).resolve() == wanted:
            return int(row["id"])
    return None


def run_measures(run_id: int) -> RunMeasures:
    """A run's figures; KeyError when the store has no such run."""
    db = home.runs_db()
    if not db.exists():
        raise KeyError(run_id)
    return read_run(RunStore(db), run_id)


def plan_for(
    catalog: Catalog,
    results: Sequence[MatchResult],
    *,
    run_id: int | None = None,
    options: PlanOptions | None = None,
    today: dt.date | None = None,
) -> Plan:
    """The plan of every workload, on run `run_id`'s figures when given."""
    measures = run_measures(run_id) if run_id is not None else None
    return make_plan(
        results, catalog, endpoints(catalog), measures=measures, options=options, today=today
    )
