"""Hand edits to a plan: reorder or drop a workload's fallbacks, change its canary, verifier
or degraded last resort, and undo.

Nothing is changed in place: every edit makes new frozen values with `dataclasses.replace`,
so what an export reads is exactly the plan that was shown. A `PlanDraft` keeps each
workload's edits as a history, so undo is a step back and re-planning starts from the
planner's own choices again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from advisor.match.matching import MatchResult
from advisor.plan.figures import figures_for
from advisor.plan.model import Endpoint, Plan, Timeouts, Unplanned, WorkloadPlan
from advisor.plan.planner import PlanOptions, make_plan
from advisor.plan.timeouts import plan_timeouts
from advisor.probe.measured import RunMeasures
from catalog import Catalog

EDITED_NOTE = "fallbacks edited by hand; planned order: "
"""How an edited plan says so, in the report and in the exports' comments."""


def keep_fallbacks(wp: WorkloadPlan, keys: Sequence[str]) -> WorkloadPlan:
    """`wp` with only the fallbacks named in `keys`, in that order (unknown keys are ignored).

    The first edit adds a note with the planner's order, so a reviewer of the export can tell
    the chain was not the planner's.
    """
    by_key = {c.key: c for c in wp.fallbacks}
    kept = tuple(by_key[k] for k in dict.fromkeys(keys) if k in by_key)
    if kept == wp.fallbacks:
        return wp
    notes = wp.notes
    if not any(n.startswith(EDITED_NOTE) for n in notes):
        planned = ", ".join(by_key) or "none"
        notes = (*notes, EDITED_NOTE + planned)
    return replace(wp, fallbacks=kept, notes=notes)


def move_fallback(wp: WorkloadPlan, index: int, step: int) -> WorkloadPlan:
    """`wp` with fallback `index` moved `step` places (negative: earlier in the chain); a move
    past either end stops there. IndexError when there is no fallback `index`."""
    keys = [c.key for c in wp.fallbacks]
    key = keys.pop(index)  # IndexError for a fallback that is not there
    keys.insert(max(0, min(len(keys), index + step)), key)
    return keep_fallbacks(wp, keys)


def drop_fallback(wp: WorkloadPlan, index: int) -> WorkloadPlan:
    """`wp` without fallback `index`; IndexError when there is none."""
    keys = [c.key for c in wp.fallbacks]
    del keys[index]
    return keep_fallbacks(wp, keys)


def with_workloads(
    plan: Plan, workloads: Iterable[WorkloadPlan], endpoints: Mapping[str, Endpoint]
) -> Plan:
    """`plan` with these workload plans, its endpoints narrowed to the providers they route
    to (`endpoints` must hold every provider; an edit may bring one in or leave one out)."""
    planned = tuple(workloads)
    used = sorted({c.offering.provider for wp in planned for c in wp.choices()})
    return replace(plan, workloads=planned, endpoints={p: endpoints[p] for p in used})


@dataclass(frozen=True)
class Edits:
    """One workload's choices on top of the planner's."""

    options: PlanOptions
    order: tuple[str, ...] | None = None
    """The fallbacks kept, in their order; None: as the planner ordered them."""


class PlanDraft:
    """The plan of every workload of a file, edited one workload at a time, with undo.

    Each workload has a history of `Edits`; its plan is the planner's for the latest edits'
    options, with the fallbacks kept in the user's order. `plan` is always the whole,
    consistent plan an export should write.
    """

    def __init__(
        self,
        results: Sequence[MatchResult],
        catalog: Catalog,
        endpoints: Mapping[str, Endpoint],
        *,
        measures: RunMeasures | None = None,
        options: PlanOptions | None = None,
        today: dt.date | None = None,
        by_workload: Mapping[str, RunMeasures] | None = None,
    ) -> None:
        """Figures from `measures` (one run) or `by_workload` (each workload's own run)."""
        self.catalog = catalog
        self.endpoints = dict(endpoints)
        """Every provider's endpoint, so an edit that brings in a provider can name it."""
        self.measures = measures
        self.by_workload = by_workload
        self.today = today
        self._results = {r.workload.name: r for r in results}
        self._names = [r.workload.name for r in results]
        options = options or PlanOptions()
        self._base = make_plan(
            results,
            catalog,
            self.endpoints,
            measures=measures,
            options=options,
            today=today,
            by_workload=by_workload,
        )
        self._outcomes: dict[str, WorkloadPlan | Unplanned] = {
            o.workload.name: o for o in _outcomes(self._base)
        }
        self._history: dict[str, list[Edits]] = {n: [Edits(options)] for n in self._names}
        self.plan = self._base
        """The whole plan with every edit applied."""

    # Reading

    def names(self) -> list[str]:
        """Workload names in file order."""
        return list(self._names)

    def outcome(self, name: str) -> WorkloadPlan | Unplanned:
        """Workload `name`'s plan, or why it has none; KeyError for an unknown name."""
        return self._outcomes[name]

    def edits(self, name: str) -> Edits:
        """The edits in force for workload `name`."""
        return self._history[name][-1]

    def can_undo(self, name: str) -> bool:
        return len(self._history[name]) > 1

    def edited(self, name: str) -> bool:
        """True when workload `name`'s fallbacks are not the planner's."""
        return self.edits(name).order is not None

    # Editing: each pushes new edits and re-plans that workload only.

    def move(self, name: str, index: int, step: int) -> None:
        """Move fallback `index` of workload `name` by `step` places."""
        self._set_order(name, move_fallback(self._planned(name), index, step))

    def drop(self, name: str, index: int) -> None:
        """Leave fallback `index` of workload `name` out of its chain."""
        self._set_order(name, drop_fallback(self._planned(name), index))

    def set_canary(self, name: str, weight: float) -> None:
        """Give workload `name` a canary on `weight` of its traffic; 0 removes it.
        ValueError unless 0 <= weight < 1."""
        if not 0 <= weight < 1:
            raise ValueError(f"a canary weight must be at least 0 and below 1, not {weight:g}")
        self._set_options(name, replace(self.edits(name).options, canary_weight=weight or None))

    def set_verifier(self, name: str, on: bool) -> None:
        """Give workload `name` a cheap verifier, or take it away."""
        self._set_options(name, replace(self.edits(name).options, verifier=on))

    def set_degraded(self, name: str, on: bool) -> None:
        """Give workload `name` a fast, cheap last resort, or take it away."""
        self._set_options(name, replace(self.edits(name).options, degraded=on))

    def replan(self, name: str) -> None:
        """Plan workload `name` afresh with its current options: dropped fallbacks return,
        in the planner's order (undo brings the edits back)."""
        self._push(name, replace(self.edits(name), order=None))

    def undo(self, name: str) -> bool:
        """Take back workload `name`'s latest edit; False when there is none."""
        history = self._history[name]
        if len(history) < 2:
            return False
        history.pop()
        self._rebuild(name)
        return True

    def adopt(self, old: PlanDraft) -> None:
        """Keep the edits of `old` for every workload that is unchanged (same workload and
        the same probe run), e.g. after the workload file was reopened or another edited."""
        for name in self._names:
            if _run_of(old, name) != _run_of(self, name):
                continue
            if name in old._results and old._results[name].workload == self._results[name].workload:
                self._history[name] = list(old._history[name])
                self._rebuild(name)

    # Inside

    def _planned(self, name: str) -> WorkloadPlan:
        outcome = self._outcomes[name]
        if isinstance(outcome, Unplanned):
            raise ValueError(f"{name} has no plan to edit: {outcome.reason}")
        return outcome

    def _set_order(self, name: str, edited: WorkloadPlan) -> None:
        edits = self.edits(name)
        order: tuple[str, ...] | None = tuple(c.key for c in edited.fallbacks)
        planned = self._replan(name, edits.options)
        if isinstance(planned, WorkloadPlan) and order == tuple(c.key for c in planned.fallbacks):
            order = None  # back to the planner's own order: no longer edited
        self._push(name, replace(edits, order=order))

    def _set_options(self, name: str, options: PlanOptions) -> None:
        self._planned(name)  # an unplanned workload has nothing to add a canary to
        self._push(name, replace(self.edits(name), options=options))

    def _push(self, name: str, edits: Edits) -> None:
        if edits != self.edits(name):
            self._history[name].append(edits)
            self._rebuild(name)

    def _rebuild(self, name: str) -> None:
        self._outcomes[name] = self._plan_one(name, self.edits(name))
        planned = (self._outcomes[n] for n in self._names)
        self.plan = with_workloads(
            self._base, (o for o in planned if isinstance(o, WorkloadPlan)), self.endpoints
        )

    def _plan_one(self, name: str, edits: Edits) -> WorkloadPlan | Unplanned:
        wp = self._replan(name, edits.options)
        if isinstance(wp, Unplanned) or edits.order is None:
            return wp
        edited = keep_fallbacks(wp, edits.order)
        if wp.chain and not edited.chain:
            # Retries follow the planner's rule for a workload with nothing to fall back on.
            alone = self._replan(name, replace(edits.options, max_fallbacks=0, degraded=False))
            if isinstance(alone, WorkloadPlan):
                edited = replace(edited, timeouts=alone.timeouts)
        elif edited.chain[:1] != wp.chain[:1]:
            # The budget's split rests on what the first fallback needs to answer.
            edited = replace(edited, timeouts=self._timeouts(name, edited))
        return edited

    def _timeouts(self, name: str, wp: WorkloadPlan) -> Timeouts:
        by_key = {c.offering.key: c for c in self._results[name].candidates}
        primary = figures_for(by_key[wp.primary.key], self.measures)
        return plan_timeouts(primary, figures_for(by_key[wp.chain[0].key], self.measures))

    def _replan(self, name: str, options: PlanOptions) -> WorkloadPlan | Unplanned:
        plan = make_plan(
            [self._results[name]],
            self.catalog,
            self.endpoints,
            measures=self.measures,
            options=options,
            today=self.today,
            by_workload=self.by_workload,
        )
        return _outcomes(plan)[0]


def _run_of(draft: PlanDraft, name: str) -> int | None:
    """The probe run workload `name` is planned on in `draft`."""
    measures = draft.by_workload.get(name) if draft.by_workload is not None else draft.measures
    return measures.run_id if measures else None


def _outcomes(plan: Plan) -> list[WorkloadPlan | Unplanned]:
    """Every workload's plan or reason for having none."""
    return [*plan.workloads, *plan.unplanned]
