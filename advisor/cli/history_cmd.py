"""`advisor history`: list probing runs and compare two."""

from __future__ import annotations

from dataclasses import asdict

import click
from rich.console import Console

from advisor import home
from advisor.cli.base import cli, print_json
from advisor.present.runs import drift_table, runs_table, shifts_table
from advisor.watch.drift import Drift, compare_drift
from probes.compare import compare_runs
from probes.store import RunStore, UnknownRun


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print runs (or the comparison) as JSON.")
@click.option(
    "--compare",
    nargs=2,
    type=int,
    metavar="RUN RUN",
    help="Compare two runs: every figure's shift, which sample outputs changed, and per "
    "offering and metric whether it drifted.",
)
@click.option(
    "--any-scale",
    is_flag=True,
    help="With --compare: compare runs made at different simulator time scales anyway.",
)
@click.option(
    "--fail-on-drift",
    is_flag=True,
    help="With --compare: exit with status 1 when any offering drifted (for CI).",
)
def history(
    as_json: bool,
    compare: tuple[int, int] | None,
    any_scale: bool = False,
    fail_on_drift: bool = False,
) -> None:
    """List probing runs, newest first; a run whose process died shows as interrupted."""
    if fail_on_drift and not compare:
        raise click.BadParameter(
            "--fail-on-drift needs --compare RUN RUN", param_hint="--fail-on-drift"
        )
    path = home.runs_db()
    if not path.exists():
        runs = []
        if compare:
            raise UnknownRun(f"no run {compare[0]}: no probe run has been made yet ({path})")
    else:
        with RunStore(path) as store:
            runs = store.runs()
            if compare:
                drift = _compare(store, compare, as_json, any_scale)
                if fail_on_drift and drift.drifted:
                    raise SystemExit(1)
                return
    if as_json:
        print_json([asdict(run) for run in runs])
        return
    if not runs:
        click.echo("No runs yet.")
        return
    Console().print(runs_table(runs))


def _compare(store: RunStore, compare: tuple[int, int], as_json: bool, any_scale: bool) -> Drift:
    """Every figure's shift between two runs, which sample outputs changed, and the drift."""
    a, b = (store.run(run_id) for run_id in compare)  # UnknownRun, exit 2, for a missing id
    if a.time_scale != b.time_scale and not any_scale:
        raise click.BadParameter(
            f"run {a.id} was simulated at time scale {a.time_scale:g} and run {b.id} at "
            f"{b.time_scale:g}: their latencies differ by the scale, not by any drift "
            "(--any-scale compares them anyway)",
            param_hint="--compare",
        )
    shifts, changes = compare_runs(store, *compare)
    drift = compare_drift(store, *compare)
    if as_json:
        print_json(
            {
                "shifts": [{**asdict(s), "change": s.change} for s in shifts],
                "outputs": [asdict(c) for c in changes],
                "drift": {
                    "before": drift.before,
                    "after": drift.after,
                    "alpha": drift.alpha,
                    "drifted": len(drift.drifted),
                    "findings": [asdict(f) for f in drift.findings],
                },
            }
        )
        return drift
    console = Console()
    console.print(shifts_table(shifts, *compare, width=console.width))
    for c in changes:
        click.echo(f"{c.workload} {c.offering}: {c.changed} of {c.compared} sample outputs changed")
    console.print(drift_table(drift, width=console.width))
    return drift
