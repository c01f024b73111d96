"""`advisor match`: rank the catalog's offerings for each workload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from advisor import home
from advisor.cli import options
from advisor.cli.base import cli, extra_layers, print_json
from advisor.cli.stdout import stdout_console
from advisor.match.matching import (
    Exclusion,
    MatchResult,
    match,
    named,
    result_json,
    unknown_keys,
)
from advisor.present.match import candidates_table, exclusion_summary
from advisor.workload.model import load_workloads


@cli.command(name="match")
@options.WORKLOADS_ARG
@click.option("--json", "as_json", is_flag=True, help="Print candidates and exclusions as JSON.")
@click.option("--top", type=click.IntRange(min=1), help="Show only the N best candidates.")
@options.HORIZON
@options.OFFERINGS
@click.pass_context
def match_command(
    ctx: click.Context,
    workloads_file: Path,
    as_json: bool,
    top: int | None,
    horizon_days: int,
    offerings: tuple[str, ...],
) -> None:
    """Rank catalog offerings for each workload: candidates with score, cost and flags;
    exclusions with every reason."""
    workloads = load_workloads(workloads_file)
    result = home.load_catalog(extra_layers(ctx))
    unknown_keys(result, offerings)
    results = [match(w, result, horizon_days=horizon_days) for w in workloads]
    if offerings:
        _explain(results, offerings, as_json)
        return
    if as_json:
        print_json(
            {
                "horizon_days": horizon_days,
                "workloads": [result_json(r, top) for r in results],
            }
        )
        return
    console = stdout_console()
    for r in results:
        console.print(candidates_table(r, top or 10, width=console.width))
        console.print(f"[dim]{exclusion_summary(r)}; --json lists every reason[/]\n")


def _explain(results: list[MatchResult], keys: tuple[str, ...], as_json: bool) -> None:
    """Where each named offering stands for each workload, and why."""
    rows: list[dict[str, Any]] = []
    for r in results:
        for found in named(r, keys):
            if isinstance(found, Exclusion):
                rows.append(
                    {
                        "workload": r.workload.name,
                        "offering": found.offering.key,
                        "excluded": list(found.reasons),
                    }
                )
                continue
            rank, c = found
            rows.append(
                {
                    "workload": r.workload.name,
                    "offering": c.offering.key,
                    "rank": rank,
                    "of": len(r.candidates),
                    "score": round(c.score, 4),
                    "usd_per_1k": c.cost.per_1k,
                    "components": {
                        p.name: {"value": round(p.value, 4), "why": p.why} for p in c.components
                    },
                    "flags": list(c.flags),
                    "cost_notes": list(c.cost.notes),
                }
            )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        head = f"{row['workload']}: {row['offering']}"
        if "excluded" in row:
            click.echo(f"{head}: excluded")
            for reason in row["excluded"]:
                click.echo(f"  - {reason}")
            continue
        click.echo(f"{head}: candidate {row['rank']} of {row['of']}, score {row['score']:.2f}")
        for name, part in row["components"].items():
            click.echo(f"  {name}: {part['value']:.2f} ({part['why']})")
        for note in row["cost_notes"]:
            click.echo(f"  cost note: {note}")
        if row["flags"]:
            click.echo(f"  flags: {', '.join(row['flags'])}")
