"""`advisor match`: rank the catalog's offerings for each workload."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from advisor import home
from advisor.cli import options
from advisor.cli.base import cli, extra_layers, print_json
from advisor.match.matching import HORIZON_DAYS, match, result_json
from advisor.present.match import candidates_table, exclusion_summary
from advisor.workload.model import load_workloads


@cli.command(name="match")
@options.WORKLOADS_ARG
@click.option("--json", "as_json", is_flag=True, help="Print candidates and exclusions as JSON.")
@click.option("--top", type=click.IntRange(min=1), help="Show only the N best candidates.")
@click.option(
    "--horizon-days",
    type=click.IntRange(min=0),
    default=HORIZON_DAYS,
    show_default=True,
    help="Exclude offerings that shut down within this many days.",
)
@click.pass_context
def match_command(
    ctx: click.Context, workloads_file: Path, as_json: bool, top: int | None, horizon_days: int
) -> None:
    """Rank catalog offerings for each workload: candidates with score, cost and flags;
    exclusions with every reason."""
    workloads = load_workloads(workloads_file)
    result = home.load_catalog(extra_layers(ctx))
    results = [match(w, result, horizon_days=horizon_days) for w in workloads]
    if as_json:
        print_json(
            {
                "horizon_days": horizon_days,
                "workloads": [result_json(r, top) for r in results],
            }
        )
        return
    console = Console()
    for r in results:
        console.print(candidates_table(r, top or 10, width=console.width))
        console.print(f"[dim]{exclusion_summary(r)}; --json lists every reason[/]\n")
