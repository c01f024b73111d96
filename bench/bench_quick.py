"""The quick run: `advisor run --probe sim` at real-time speed, and whether its plan agrees
with an exhaustive run's over many simulator seeds.

    python -m bench quick                      both parts, 20 seeds
    QUICK_SEEDS=5 QUICK_SCALE=0.1 FULL_SCALE=0.1 python -m bench quick

Part 1 runs the README's command as a user would, in a fresh ADVISOR_HOME, and reads the
run store for its requests. Part 2 runs, per seed, the decisive run (`advisor run`'s
default) and the exhaustive one (`--exhaustive`: every default probe at full size, going
down the list the same way), at QUICK_SCALE and FULL_SCALE (default 0.05 both), and
compares each workload's primary and fallback order.

Part 2 asks whether stopping early changes the decision, so both runs of a seed see the
same simulated world and are timed the same way: the simulator draws a request's answer from
the seed, the request and how often it came before (common random numbers), a seeded run's
prompts repeat, and answers are timed by the simulator's clock (the schedule it intended,
`Settings.sim_clock`), not on arrival. On arrival, whatever the client loses on a busy
machine is divided by the scale like everything else (at 0.05, 50 ms of event-loop lag
reads as a second), and several of billing-classifier's candidates have p95 TTFTs within
tens of milliseconds of its 800 ms budget: the machine, not the procedure, would decide.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from advisor.plan.model import Plan

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ROOT / "examples" / "workloads.yaml"
TODAY = (1_998, "about 10 minutes")
"""The exhaustive default before decisive runs, measured by hand at time scale 1."""


def _advisor(home: Path, cwd: Path, *args: str) -> float:
    """Run the advisor CLI in `cwd` with its own home; the wall time in seconds."""
    env = {**os.environ, "ADVISOR_HOME": str(home), "COLUMNS": "120"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        cwd=cwd,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _requests(home: Path) -> int:
    with sqlite3.connect(home / "runs.sqlite") as db:
        return int(db.execute("select count(*) from attempts").fetchone()[0])


def real_time() -> tuple[float, int]:
    """The README's run command at time scale 1: wall seconds and requests."""
    with tempfile.TemporaryDirectory() as tmp:
        home, cwd = Path(tmp) / "home", Path(tmp)
        wall = _advisor(
            home,
            cwd,
            "run",
            str(WORKLOADS),
            "--probe",
            "sim",
            "--export",
            "litellm:router.yaml",
            "--export",
            "report:plan.md",
        )
        return wall, _requests(home)


def _plan(seed: int, scale: float, decisive: bool) -> tuple[Plan, int]:
    """A run of the example workloads on the simulator, and its plan; with its requests."""
    from advisor import home
    from advisor.cli.plan_cmd import SIM_BUDGET_USD
    from advisor.match.matching import match
    from advisor.plan.inputs import plan_for
    from advisor.probe.lifecycle import DEFAULT_KINDS, ProbeRequest, run_probes
    from advisor.workload.model import load_workloads
    from probes import aio
    from probes.kinds.base import Settings

    catalog = home.load_catalog(())
    results = [match(w, catalog) for w in load_workloads(WORKLOADS)]
    request = ProbeRequest(
        catalog,
        results,
        target="sim",
        kinds=DEFAULT_KINDS,
        settings=Settings(decisive=decisive, sim_clock=True),
        top=3,
        budget_usd=SIM_BUDGET_USD,
        workloads_file=WORKLOADS,
        layers=home.catalog_layers(()),
        time_scale=scale,
        confirm=3,
        seed=seed,
    )
    finished = aio.run(run_probes(request))
    return plan_for(catalog, results, run_id=finished.run_id), finished.outcome.sent


def _order(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {
        wp.workload.name: (wp.primary.key, *(c.key for c in wp.fallbacks)) for wp in plan.workloads
    }


def agreement(seeds: int, scale: float, full_scale: float) -> tuple[int, list[str], int, int]:
    """Seeds whose decisive plan (at `scale`) names the same primary and fallback order as
    the exhaustive one (at `full_scale`), the workloads that differed, and the median
    requests of each."""
    agreed, differed, quick_n, full_n = 0, [], [], []
    for seed in range(1, seeds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["ADVISOR_HOME"] = str(Path(tmp) / "quick")
            quick, sent_q = _plan(seed, scale, decisive=True)
            os.environ["ADVISOR_HOME"] = str(Path(tmp) / "full")
            full, sent_f = _plan(seed, full_scale, decisive=False)
        quick_n.append(sent_q)
        full_n.append(sent_f)
        a, b = _order(quick), _order(full)
        diff = [name for name in b if a.get(name) != b[name]]
        agreed += not diff
        differed += [f"seed {seed}: {name}" for name in diff]
        print(f"seed {seed}: {'agreed' if not diff else 'differed'} {diff}", file=sys.stderr)
    return agreed, differed, sorted(quick_n)[len(quick_n) // 2], sorted(full_n)[len(full_n) // 2]


def run() -> list[str]:
    seeds = int(os.environ.get("QUICK_SEEDS", "20"))
    scale = float(os.environ.get("QUICK_SCALE", "0.05"))
    full_scale = float(os.environ.get("FULL_SCALE", "0.05"))
    wall, sent = real_time()
    agreed, differed, quick_n, full_n = agreement(seeds, scale, full_scale)
    before_n, before_wall = TODAY
    lines = [
        "## Quick run: `advisor run --probe sim`",
        "",
        "`advisor run examples/workloads.yaml --probe sim --export litellm:router.yaml "
        "--export report:plan.md` from a fresh home at time scale 1 (bench/bench_quick.py):",
        "",
        "| | requests | wall time |",
        "|---|---|---|",
        f"| before (every probe on the 3 best) | {before_n:,} | {before_wall} |",
        f"| decisive (now the default) | {sent:,} | {wall:.0f} s |",
        "",
        f"Targets: at most 400 requests ({'MET' if sent <= 400 else 'MISSED'}), "
        f"at most 60 s ({'MET' if wall <= 60 else 'MISSED'}).",
        "",
        f"Agreement with an exhaustive run (`--exhaustive`: every default probe at full "
        f"size, down the list the same way) over {seeds} simulator seeds, the decisive run at "
        f"time scale {scale:g} and the exhaustive one at {full_scale:g}, both timed by the "
        "simulator's clock: the same primary and fallback order for every "
        f"workload in {agreed} of "
        f"{seeds} (target: 19 of 20; median requests {quick_n:,} decisive, {full_n:,} "
        "exhaustive).",
    ]
    if differed:
        lines += ["", "Differences: " + "; ".join(differed) + "."]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
