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
def history(as_json: bool, compare: tuple[int, int] | None) -> None:
    """List probing runs, newest first; a run whose process died shows as interrupted."""
    path = home.runs_db()
    store = RunStore(path) if path.exists() else None
    runs = store.runs() if store else []
    if compare:
        known = {run.id for run in runs}
        missing = [str(r) for r in compare if r not in known]
        if missing or store is None:
            raise click.BadParameter(f"no run {', '.join(missing)}", param_hint="--compare")
        shifts, changes = compare_runs(store, *compare)
        if as_json:
            print_json(
                {
                    "shifts": [{**asdict(s), "change": s.change} for s in shifts],
                    "outputs": [asdict(c) for c in changes],
                }
            )
            return
        console = Console()
        console.print(shifts_table(shifts, *compare, width=console.width))
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
