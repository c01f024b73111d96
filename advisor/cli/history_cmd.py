"""`advisor history`: list probing runs and compare two."""

from __future__ import annotations

from dataclasses import asdict

import click
from rich.console import Console

from advisor import home
from advisor.cli.base import cli, print_json
from advisor.present.runs import runs_table, shifts_table
from probes.compare import compare_runs
from probes.store import RunStore


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print runs (or the comparison) as JSON.")
@click.option(
    "--compare",
    nargs=2,
    type=int,
    metavar="RUN RUN",
    help="Compare two runs: every figure's shift, and which sample outputs changed.",
)
@click.option(
    "--any-scale",
    is_flag=True,
    help="With --compare: compare runs made at different simulator time scales anyway.",
)
def history(as_json: bool, compare: tuple[int, int] | None, any_scale: bool = False) -> None:
    """List probing runs, newest first; a run whose process died shows as interrupted."""
    path = home.runs_db()
    store = RunStore(path) if path.exists() else None
    runs = store.runs() if store else []
    if compare:
        known = {run.id for run in runs}
        missing = [str(r) for r in compare if r not in known]
        if missing or store is None:
            raise click.BadParameter(f"no run {', '.join(missing)}", param_hint="--compare")
        scales = {r.id: r.time_scale for r in runs if r.id in compare}
        if len(set(scales.values())) > 1 and not any_scale:
            a, b = compare
            raise click.BadParameter(
                f"run {a} was simulated at time scale {scales[a]:g} and run {b} at "
                f"{scales[b]:g}: their latencies differ by the scale, not by any drift "
                "(--any-scale compares them anyway)",
                param_hint="--compare",
            )
        shifts, changes = compare_runs(store, *compare)
        if as_json:
            print_json(
                {
                    "shifts": [{**asdict(s), "change": s.change} for s in shifts],
                    "outputs": [asdict(c) for c in changes],
                }
            )
            return
        Console().print(shifts_table(shifts, *compare))
        for c in changes:
            click.echo(
                f"{c.workload} {c.offering}: {c.changed} of {c.compared} sample outputs changed"
            )
        return
    if as_json:
        print_json([asdict(run) for run in runs])
        return
    if not runs:
        click.echo("No runs yet.")
        return
    Console().print(runs_table(runs))
