"""Successors before the sunset: the offerings of a plan that are deprecated or shut down
soon, what replaces each (the catalog's `successor`), the two side by side on a probe run's
figures, and the change that proposes: the successor as a canary beside today's primary.

Status comes from `catalog.lifecycle.status_on` for the plan's day, so a warning names the
days left as of when the plan was made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from advisor.match.matching import Candidate, MatchResult, match
from advisor.plan import PlanOptions
from advisor.plan.figures import Figures, figures_for, measured_problem
from advisor.plan.inputs import plan_for, run_measures
from advisor.plan.model import Basis, Canary, Plan
from advisor.plan.planner import PlanError
from advisor.probe.measured import RunMeasures
from catalog import Catalog, Offering
from catalog.lifecycle import status_on

SUNSET_DAYS = 90
"""Warn about offerings that shut down within this many days."""
CANARY_WEIGHT = 0.05
"""The successor's share of traffic while it proves itself."""


@dataclass(frozen=True)
class Sunset:
    """One offering of a workload's plan that is deprecated or shuts down soon."""

    workload: str
    role: str
    offering: Offering
    status: str
    shutdown: dt.date | None
    days_left: int | None
    successor: str | None

    def message(self) -> str:
        """One line: which offering, its state, and what replaces it."""
        state = "is deprecated" if self.status == "deprecated" else "is still served"
        if self.shutdown is not None:
            state += f", shuts down {self.shutdown} (in {self.days_left} days)"
        successor = (
            f"successor {self.successor}" if self.successor else "the catalog names no successor"
        )
        return f"{self.workload}: {self.role} {self.offering.key} {state}; {successor}"


def sunsets(plan: Plan, within_days: int = SUNSET_DAYS) -> list[Sunset]:
    """Every offering of the plan, per workload and role, that is deprecated on the plan's
    day or shuts down within `within_days` of it."""
    day = plan.made_on
    out = []
    for wp in plan.workloads:
        for choice in wp.choices():
            life = choice.offering.lifecycle
            now = status_on(life, day)
            days = (life.shutdown_date - day).days if life.shutdown_date else None
            if now.status == "deprecated" or (days is not None and days <= within_days):
                out.append(
                    Sunset(
                        wp.name,
                        choice.role,
                        choice.offering,
                        now.status,
                        life.shutdown_date,
                        days,
                        life.successor,
                    )
                )
    return out


@dataclass(frozen=True)
class Row:
    """One figure of the current offering and of its successor."""

    figure: str
    current: Basis | None
    successor: Basis | None


@dataclass(frozen=True)
class SideBySide:
    """An offering near its sunset beside its successor, and the change proposed."""

    sunset: Sunset
    rows: tuple[Row, ...]
    problems: tuple[str | None, str | None]
    """Why probes rule each out for the workload (the bars of `measured_problem`), or None."""
    probed: tuple[bool, bool]
    canary: Canary | None
    """The successor as canary, with the gates of a plan that keeps today's primary."""
    note: str
    """What to do next, in a sentence."""


def side_by_side(
    plan: Plan, catalog: Catalog, within_days: int = SUNSET_DAYS, run_id: int | None = None
) -> list[SideBySide]:
    """Each sunset of `plan` with a successor, beside it on run `run_id`'s figures (the
    plan's own run by default; catalog figures where a run did not probe one)."""
    near = [s for s in sunsets(plan, within_days) if s.successor is not None]
    run = run_id if run_id is not None else plan.run_id
    measures = run_measures(run) if run is not None and near else None
    out = []
    for sunset in near:
        wp = next(w for w in plan.workloads if w.name == sunset.workload)
        # Every offering still served, so the one near its sunset is compared, not excluded.
        result = match(wp.workload, catalog, today=plan.made_on, horizon_days=0)
        out.append(_pair(sunset, result, catalog, measures, run, plan.made_on))
    return out


def _pair(
    sunset: Sunset,
    result: MatchResult,
    catalog: Catalog,
    measures: RunMeasures | None,
    run_id: int | None,
    day: dt.date,
) -> SideBySide:
    by_key: dict[str, Candidate] = {c.offering.key: c for c in result.candidates}
    current, successor = by_key.get(sunset.offering.key), by_key.get(sunset.successor or "")
    if current is None or successor is None:
        missing = sunset.successor if successor is None else sunset.offering.key
        reason = next(
            ("; ".join(e.reasons) for e in result.exclusions if e.offering.key == missing),
            "not in the catalog",
        )
        return SideBySide(
            sunset, (), (None, None), (False, False), None, f"{missing} cannot serve: {reason}"
        )
    a, b = figures_for(current, measures), figures_for(successor, measures)
    rows = tuple(Row(name, get(a), get(b)) for name, get in FIGURES)
    problems = (measured_problem(a), measured_problem(b))
    canary, note = _proposal(sunset, result, catalog, run_id, day, b, problems[1])
    return SideBySide(sunset, rows, problems, (a.probed, b.probed), canary, note)


def _proposal(
    sunset: Sunset,
    result: MatchResult,
    catalog: Catalog,
    run_id: int | None,
    day: dt.date,
    successor: Figures,
    problem: str | None,
) -> tuple[Canary | None, str]:
    key = successor.offering.key
    if problem is not None:
        return None, f"do not move to {key} yet: {problem}"
    if sunset.role != "primary":
        # Only the primary's traffic needs a canary: a fallback serves when the primary fails.
        return None, f"replace {sunset.offering.key} with {key} as {sunset.role}"
    options = PlanOptions(canary=key, canary_weight=CANARY_WEIGHT, allow_unprobed=True)
    try:
        proposed = plan_for(catalog, [result], run_id=run_id, options=options, today=day)
    except PlanError as error:
        return None, f"no canary: {error}"
    wp = proposed.workloads[0] if proposed.workloads else None
    if wp is None or wp.canary is None or wp.primary.key == key:
        return None, f"make {key} the primary: it already ranks first"
    probed = "" if successor.probed else "; probe it first (`advisor probe --successors`)"
    return wp.canary, (
        f"keep {wp.primary.key} as primary and send {wp.canary.weight:.0%} to {key} as a "
        f"canary; promote when every gate holds{probed}"
    )


def _schema_valid(f: Figures) -> Basis | None:
    return f.measured("structured.schema_valid_rate", "schema-valid", "share") or f.measured(
        "samples.schema_valid_rate", "schema-valid", "share"
    )


FIGURES: Sequence[tuple[str, Callable[[Figures], Basis | None]]] = (
    ("p95 TTFT", lambda f: f.ttft("p95")),
    ("p95 end-to-end", lambda f: f.e2e("p95")),
    ("error rate", Figures.error_rate),
    ("schema-valid", _schema_valid),
    ("determinism agreement", Figures.agreement),
    ("cost per 1k requests", Figures.cost),
)
"""The figures compared, in order: the workload's bars and what a canary's gates watch."""


def sunset_json(s: Sunset) -> dict[str, object]:
    """A sunset as JSON-ready values."""
    return {
        "workload": s.workload,
        "role": s.role,
        "offering": s.offering.key,
        "status": s.status,
        "shutdown": s.shutdown.isoformat() if s.shutdown else None,
        "days_left": s.days_left,
        "successor": s.successor,
    }


def successor_json(pair: SideBySide) -> dict[str, object]:
    """A side-by-side as JSON-ready values."""
    s = pair.sunset

    def basis(b: Basis | None) -> dict[str, object] | None:
        return (
            None if b is None else {"value": b.value, "unit": b.unit, "origin": b.origin, "n": b.n}
        )

    return {
        **sunset_json(s),
        "figures": [
            {"figure": r.figure, "current": basis(r.current), "successor": basis(r.successor)}
            for r in pair.rows
        ],
        "problems": {"current": pair.problems[0], "successor": pair.problems[1]},
        "probed": {"current": pair.probed[0], "successor": pair.probed[1]},
        "proposal": pair.note,
        "canary": None
        if pair.canary is None
        else {
            "offering": pair.canary.choice.key,
            "weight": pair.canary.weight,
            "gates": [str(g) for g in pair.canary.gates],
            "rollback": pair.canary.rollback,
        },
    }
