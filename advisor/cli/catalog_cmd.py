"""`advisor catalog ...`: inspect, validate and describe the trait catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from advisor import home, units
from advisor.cli.base import cli, extra_layers, print_json
from advisor.present.catalog import offerings_table, problem_lines, successor_lines
from advisor.workload.model import WORKLOADS_SCHEMA_NAME, workloads_schema
from catalog import Catalog, InputError, load_catalog
from catalog.disputes import dispute_lines
from catalog.jsonschema import CATALOG_SCHEMA_NAME, catalog_schema, dumps
from catalog.lifecycle import status_on
from catalog.query import parse_query


@cli.group()
def catalog() -> None:
    """Inspect and validate the trait catalog."""


@catalog.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Check catalog files: the bundled catalog and overlays, or PATHS on top of the bundled
    catalog. Prints PATH:LINE:COL: field: message per problem; exit status 2 on any error."""
    layers = [*home.catalog_layers(extra_layers(ctx)), *paths]
    try:
        result = load_catalog(layers)
    except InputError as error:
        if not as_json:
            raise
        print_json({"valid": False, "problems": [p.as_dict() for p in error.problems]})
        ctx.exit(2)
    if as_json:
        print_json(
            {
                "valid": True,
                "offerings": len(result.offerings),
                "providers": len(result.providers),
                "files": [str(f) for f in result.files],
                "problems": [p.as_dict() for p in result.warnings],
            }
        )
        return
    for line in problem_lines(result.warnings):
        click.echo(line, err=True)
    click.echo(
        f"ok: {units.count(len(result.offerings), 'offering')} from "
        f"{units.count(len(result.providers), 'provider')} in {units.count(len(result.files), 'file')}"
    )


@catalog.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print offerings as JSON.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Show lifecycle status as of this day (YYYY-MM-DD) instead of today.",
)
@click.pass_context
def show(
    ctx: click.Context, query: Sequence[str], as_json: bool, today: dt.datetime | None
) -> None:
    """List offerings, filtered by QUERY: words and filters such as provider:openai,
    status:active, input:image, ctx:128k, free, open (prefix '-' to exclude). Status is the
    status on the day, derived from the lifecycle dates."""
    day = today.date() if today else dt.date.today()
    result = home.load_catalog(extra_layers(ctx))
    offerings = parse_query(" ".join(query), day).filter(result.offerings)
    if as_json:
        print_json([_offering_json(result, o.key, day) for o in offerings])
        return
    console = Console()
    if not offerings:
        console.print("No offering matches.")
        return
    console.print(offerings_table(offerings, width=console.width, today=day))
    disputes = [f"{o.key}: {line}" for o in offerings for line in dispute_lines(o)]
    if disputes:
        console.print("\ndisputed:", style="bold yellow")
        for line in disputes:
            console.print(f"  {line}", highlight=False, soft_wrap=True)
    successors = successor_lines(offerings, day)
    if successors:
        console.print("\nsuccessors:", style="bold")
        for line in successors:
            console.print(f"  {line}", highlight=False, soft_wrap=True)


@catalog.command()
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write both schema files into this folder instead of printing one.",
)
@click.option(
    "--kind",
    type=click.Choice(["catalog", "workloads"]),
    default="catalog",
    show_default=True,
    help="Which schema to print.",
)
def schema(out_dir: Path | None, kind: str) -> None:
    """JSON Schemas for catalog files and workload files (what editors use to validate as you
    type): `catalog.schema.json` and `workloads.schema.json`."""
    schemas = {CATALOG_SCHEMA_NAME: catalog_schema(), WORKLOADS_SCHEMA_NAME: workloads_schema()}
    if out_dir is None:
        name = CATALOG_SCHEMA_NAME if kind == "catalog" else WORKLOADS_SCHEMA_NAME
        click.echo(dumps(schemas[name]), nl=False)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, value in schemas.items():
        target = out_dir / name
        target.write_text(dumps(value), encoding="utf-8")
        click.echo(str(target))


def _offering_json(result: Catalog, key: str, day: dt.date) -> dict[str, Any]:
    offering = result.get(key)
    assert offering is not None
    now = status_on(offering.lifecycle, day)
    return {
        "key": offering.key,
        "status": {
            "on": day.isoformat(),
            "status": now.status,
            "since": now.since.isoformat() if now.since else None,
        },
        **offering.model_dump(mode="json"),
    }
