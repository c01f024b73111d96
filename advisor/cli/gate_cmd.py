"""`advisor gate`: judge a running canary against its plan's gates; promote, hold or roll back."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import click

from advisor.cli import options
from advisor.cli.base import cli, print_json
from advisor.cli.checks import Finite
from advisor.cli.plan_cmd import RUN_OPTION, make, plan_options, resolve_run
from advisor.cli.stdout import stdout_console
from advisor.export import check_no_secrets, render, write, write_companions
from advisor.export.common import comment_block
from advisor.export.litellm import MASTER_KEY_ENV
from advisor.plan.model import Plan, WorkloadPlan
from advisor.present.gate import judgement_view
from advisor.watch.gate import DEFAULT_ALPHA, Judgement, judge, judgement_json
from advisor.watch.look import Look
from advisor.watch.sources import Roles, SourceError, jsonl, probe, prometheus
from advisor.watch.step import stepped
from catalog import Catalog
from catalog.errors import BadInput

STEP_FORMATS = ("litellm", "tensorzero", "report")
"""Formats whose file can carry the step's note: a comment header, or the report's notes."""


@cli.command(name="gate")
@options.WORKLOADS_ARG
@click.option(
    "--metrics",
    "source",
    required=True,
    metavar="SOURCE",
    help="prometheus:URL (a LiteLLM proxy's /metrics), probe:URL (send requests through the "
    "gateway at URL), or jsonl:PATH (a request log; a path ending in .jsonl also works).",
)
@click.option("--workload", "workload_name", metavar="NAME", help="The workload with the canary.")
@RUN_OPTION
@plan_options
@click.option(
    "--alpha",
    type=Finite(0, 1, min_open=True, max_open=True),
    default=DEFAULT_ALPHA,
    show_default=True,
    help="The chance a healthy canary is ever rolled back, spread over the gates.",
)
@click.option(
    "--requests",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="probe: requests to send through the gateway.",
)
@click.option(
    "--key-env",
    default=MASTER_KEY_ENV,
    show_default=True,
    help="prometheus, probe: the variable holding the gateway's key (sent as a bearer token).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the judgement as JSON (for CI).")
@click.option(
    "--step",
    is_flag=True,
    help="Write the next export: the canary's next weight (5%, 25%, 50%, 100%) on promote, "
    "weight 0 on rollback; nothing on hold.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(STEP_FORMATS),
    default="litellm",
    show_default=True,
    help="--step: the format to write.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="--step: where to write the next export.",
)
@click.option("--force", is_flag=True, help="--step: replace an existing file.")
@click.pass_context
def gate_command(
    ctx: click.Context,
    /,
    workloads_file: Path,
    source: str,
    workload_name: str | None,
    run: str | None,
    alpha: float,
    requests: int,
    key_env: str,
    as_json: bool,
    step: bool,
    fmt: str,
    output: Path | None,
    force: bool,
    **kw: Any,
) -> None:
    """Judge a running canary against its plan's gates and print promote, hold or rollback.
    The plan is WORKLOADS.yaml planned with the options the export was made with (the same
    --run, --canary-weight, --canary). Exit status: 0 promote, 1 rollback, 3 hold, 2 bad input."""
    if step and output is None:
        raise click.UsageError("--step needs -o/--output: where to write the next export")
    if kw["canary_weight"] is None:
        raise click.UsageError("give --canary-weight (and --canary) as the export was made")
    where = _source(source)
    plan, catalog = make(ctx, workloads_file, resolve_run(run, workloads_file), kw)
    wp = _workload(plan, workload_name)
    roles = Roles.of(wp)
    traffic = _read(where, roles, requests, key_env)
    assert wp.canary is not None  # Roles.of
    judgement = judge(wp.canary, wp.primary.key, wp.name, traffic, alpha=alpha)
    note = None
    if step:
        assert output is not None
        note = _step(plan, catalog, judgement, fmt, output, force)
    if as_json:
        print_json({**judgement_json(judgement), "step": note})
    else:
        console = stdout_console()
        console.print(judgement_view(judgement, width=console.width))
        if step:
            click.echo(note or "hold: nothing written")
    ctx.exit(judgement.exit_status)


def _workload(plan: Plan, name: str | None) -> WorkloadPlan:
    with_canary = [wp for wp in plan.workloads if wp.canary is not None]
    if name is not None:
        found = next((wp for wp in plan.workloads if wp.name == name), None)
        if found is None:
            names = ", ".join(wp.name for wp in plan.workloads) or "none"
            raise click.BadParameter(
                f"no planned workload {name!r} (planned: {names})", param_hint="--workload"
            )
        return found
    if len(with_canary) == 1:
        return with_canary[0]
    if not with_canary:
        raise BadInput("no workload of the plan has a canary")
    names = ", ".join(wp.name for wp in with_canary)
    raise click.UsageError(f"several workloads have a canary ({names}): name one with --workload")


def _source(source: str) -> tuple[str, str]:
    """(kind, where) of `--metrics`, checked before anything is planned."""
    kind, sep, rest = source.partition(":")
    if not (sep and rest and kind in ("prometheus", "probe", "jsonl")):
        if source.endswith(".jsonl"):
            kind, rest = "jsonl", source
        elif source.startswith(("http://", "https://")) and source.rstrip("/").endswith("/metrics"):
            kind, rest = "prometheus", source
        else:
            raise SourceError(
                f"{source!r}: give prometheus:URL, probe:URL or jsonl:PATH (see advisor gate --help)"
            )
    if kind == "jsonl" and not Path(rest).is_file():
        raise SourceError(f"{rest}: no such request log")
    if kind != "jsonl" and not rest.startswith(("http://", "https://")):
        raise SourceError(f"{rest!r}: the {kind} URL must start with http:// or https://")
    return kind, rest


def _read(source: tuple[str, str], roles: Roles, requests: int, key_env: str) -> Look:
    kind, where = source
    if kind == "prometheus":
        return prometheus.read(where, roles, os.environ.get(key_env))
    if kind == "probe":
        return probe.read(where, roles, requests, os.environ.get(key_env))
    return jsonl.read(Path(where), roles)


def _step(
    plan: Plan, catalog: Catalog, judgement: Judgement, fmt: str, output: Path, force: bool
) -> str | None:
    today = dt.date.today().isoformat()
    result = stepped(plan, judgement, today)
    if result is None:
        return None
    new, note = result
    text = render(fmt, new, catalog, output)
    if fmt != "report":
        text = comment_block([note]) + text
    check_no_secrets(text, new)
    write(output, text, force=force)
    write_companions(fmt, new, output, force=force)
    return f"wrote {output}: {note}"
