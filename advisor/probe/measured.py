"""What a probing run measured, per workload and offering, in the shape the planner reads.

A run's results table holds one row per figure; the attempts table says how many requests
failed. A simulated run at another time scale has its latencies converted back to real time
here, so no plan or export ever reads a scaled figure. Both are read once into plain values, so planning never touches the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from probes.store import RunStore


@dataclass(frozen=True)
class Measure:
    """One measured figure and the number of samples behind it."""

    value: float
    n: int
    unit: str = ""


@dataclass(frozen=True)
class OfferingMeasures:
    """Every figure a run measured for one offering on one workload."""

    figures: Mapping[str, Measure] = field(default_factory=dict)
    attempts: int = 0
    failed: int = 0

    def get(self, name: str) -> Measure | None:
        """A figure by `probe.metric`, e.g. `latency.ttft_ms_p95`."""
        return self.figures.get(name)

    @property
    def error_rate(self) -> float | None:
        """Share of HTTP attempts that did not end well (timeouts, resets, 429, 5xx, ...)."""
        return self.failed / self.attempts if self.attempts else None


@dataclass(frozen=True)
class RunMeasures:
    """A run's figures, with what the planner must say about them: the run id and whether
    they were measured on the simulator."""

    run_id: int
    simulated: bool
    by_key: Mapping[tuple[str, str], OfferingMeasures]
    time_scale: float = 1.0
    """The simulator's time scale the run was measured at; its latencies are already
    converted back to real time."""

    def measured(self, workload: str) -> bool:
        """Whether the run probed any candidate of `workload`."""
        return any(w == workload for w, _ in self.by_key)

    def of(self, workload: str, offering: str) -> OfferingMeasures | None:
        """Figures for `offering` (a catalog key) on `workload`, if the run probed it."""
        return self.by_key.get((workload, offering))

    @property
    def origin(self) -> str:
        return "simulated" if self.simulated else "measured"


def read_run(store: RunStore, run_id: int) -> RunMeasures:
    """Load run `run_id`'s figures and failure counts; `UnknownRun` when there is no such run."""
    run = store.run(run_id)
    scale = run.time_scale
    figures: dict[tuple[str, str], dict[str, Measure]] = {}
    for row in store.results(run_id):
        if row["value"] is None:
            continue
        name = f"{row['probe']}.{row['metric']}"  # two probes may share a metric name
        key = (row["workload"] or "", row["offering"])
        value = float(row["value"])
        if row["unit"] == "ms" and "send_lag" not in name:
            # The simulator stretched its timings by the scale; the harness's own lag is real.
            value /= scale
        figures.setdefault(key, {})[name] = Measure(value, int(row["n"] or 0), row["unit"] or "")
    attempts: Counter[tuple[str, str]] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    # The rate-limit probe looks for 429s on purpose; they are not failures of the offering.
    for workload, offering, outcome, n in store.outcome_counts(run_id, except_probe="ratelimit"):
        key = (workload, offering)
        attempts[key] += n
        if outcome != "ok":
            failed[key] += n
    keys = set(figures) | set(attempts)
    return RunMeasures(
        run_id,
        run.simulated,
        {k: OfferingMeasures(figures.get(k, {}), attempts[k], failed[k]) for k in keys},
        scale,
    )
