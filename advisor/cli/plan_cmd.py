"""`advisor plan`, `advisor export` and `advisor run`: from workloads to gateway configs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from advisor import home
from advisor.cli import checks, options
from advisor.cli.base import cli, extra_layers, print_json
from advisor.cli.checks import Finite
from advisor.cli.stdout import stdout_console
from advisor.export import (
    DEFAULT_NAMES,
    FORMATS,
    ExportTarget,
    check_no_secrets,
    check_target,
    companions,
    render,
    write,
    write_companions,
)
from advisor.export.report import plan_json
from advisor.match.matching import match
from advisor.plan import Plan, PlanOptions
from advisor.plan.inputs import latest_run, latest_runs, plan_for
from advisor.present.plan import plan_tables
from advisor.probe.lifecycle import ALL_KINDS, DEFAULT_BUDGET_USD
from advisor.watch.successors import SUNSET_DAYS, sunset_json, sunsets
from advisor.workload.model import load_workloads
from catalog import Catalog
from catalog.redact import redact_keys

F = TypeVar("F", bound=Callable[..., Any])

SIM_BUDGET_USD = 100.0
"""`run --probe sim`'s default cap: simulated spend is not real, but stays bounded."""


def plan_options(f: F) -> F:
    """The options every command that plans takes, so that `plan`, `export`, `run`, `gate`
    and `replay` plan a file the same way."""
    shared = [
        click.option(
            "--max-fallbacks",
            type=click.IntRange(min=0),
            default=3,
            show_default=True,
            help="Fallbacks per workload (exports cap further at their gateway's limit).",
        ),
        click.option(
            "--canary-weight",
            type=Finite(0, 1, min_open=True, max_open=True),
            help="Give a canary this share of traffic, e.g. 0.05.",
        ),
        click.option("--canary", metavar="OFFERING", help="The canary (default: the runner-up)."),
        click.option("--verifier", is_flag=True, help="Add a cheap verifier model per workload."),
        click.option(
            "--degraded", is_flag=True, help="Add a fast, cheap last resort with a short timeout."
        ),
        click.option(
            "--allow-unprobed",
            is_flag=True,
            help="Let an unprobed candidate be the primary of a workload the probe run measured.",
        ),
        options.HORIZON,
    ]
    for option in reversed(shared):
        f = option(f)
    return f


def _options(kw: dict[str, Any]) -> PlanOptions:
    return PlanOptions(
        max_fallbacks=kw["max_fallbacks"],
        canary_weight=kw["canary_weight"],
        canary=kw["canary"],
        verifier=kw["verifier"],
        degraded=kw["degraded"],
        allow_unprobed=kw["allow_unprobed"],
    )


NEWEST = -1
"""`--run` left out: each workload on its newest complete run of the file that measured it."""


def resolve_run(value: str | None, workloads_file: Path) -> int | None:
    """`--run ID`, `--run none`, or by default NEWEST (each workload's newest run)."""
    if value == "none":
        return None
    if value is None:
        newest = latest_runs(workloads_file)
        if newest:
            used = ", ".join(
                f"{run_id} ({', '.join(sorted(w for w, r in newest.items() if r == run_id))})"
                for run_id in sorted(set(newest.values()))
            )
            click.echo(
                f"using probe run{'s' if len(set(newest.values())) > 1 else ''} {used} of "
                f"{workloads_file} (--run none to ignore)",
                err=True,
            )
            return NEWEST
        return None
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter("a run id, or none", param_hint="--run") from None


RUN_OPTION = click.option(
    "--run",
    "run",
    metavar="ID|none",
    help="Plan on this probe run's figures (default: each workload's newest complete run "
    "of this file that measured it).",
)


def make(
    ctx: click.Context, workloads_file: Path, run_id: int | None, kw: dict[str, Any]
) -> tuple[Plan, Catalog]:
    """Match and plan, turning a bad option into exit status 2; `run_id` NEWEST plans each
    workload on its newest run of the file."""
    workloads = load_workloads(workloads_file)
    catalog = home.load_catalog(extra_layers(ctx))
    results = [match(w, catalog, horizon_days=kw["horizon_days"]) for w in workloads]
    if run_id == NEWEST:
        plan = plan_for(catalog, results, options=_options(kw), newest_of=workloads_file)
        return plan, catalog
    return plan_for(catalog, results, run_id=run_id, options=_options(kw)), catalog


@cli.command(name="plan")
@options.WORKLOADS_ARG
@RUN_OPTION
@plan_options
@click.option(
    "--sunset-days",
    type=click.IntRange(min=0, max=checks.MAX_HORIZON_DAYS),
    default=SUNSET_DAYS,
    show_default=True,
    help="Warn about offerings in the plan that are deprecated or shut down within this "
    "many days, naming each one's successor.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def plan_command(
    ctx: click.Context,
    /,
    workloads_file: Path,
    run: str | None,
    as_json: bool,
    sunset_days: int,
    **kw: Any,
) -> None:
    """Plan each workload: primary, fallbacks (another provider first), context fallback,
    timeouts and retries, and on request a canary with gates, a verifier and a degraded last
    resort; every choice with its reason and where its numbers came from. Offerings near
    their sunset are named on stderr with their successors."""
    plan, _ = make(ctx, workloads_file, resolve_run(run, workloads_file), kw)
    setting = sunsets(plan, sunset_days)
    for sunset in setting:
        click.echo(f"warning: {sunset.message()}", err=True)
    if any(s.successor for s in setting):
        click.echo(
            f"compare each with its successor: advisor probe {workloads_file} --successors",
            err=True,
        )
    if as_json:
        print_json({**plan_json(plan), "lifecycle": [sunset_json(s) for s in setting]})
        return
    console = stdout_console()
    for table in plan_tables(plan, width=console.width):
        console.print(table)


@cli.command(name="export")
@options.WORKLOADS_ARG
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), required=True, help="The gateway format."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of printing.",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@RUN_OPTION
@plan_options
@click.pass_context
def export_command(
    ctx: click.Context,
    /,
    workloads_file: Path,
    fmt: str,
    output: Path | None,
    force: bool,
    run: str | None,
    **kw: Any,
) -> None:
    """Write the plan as a config a gateway loads (litellm, tensorzero, portkey, openrouter)
    or as a report (Markdown; JSON when the file ends in .json)."""
    plan, catalog = make(ctx, workloads_file, resolve_run(run, workloads_file), kw)
    _emit(fmt, output, plan, catalog, force)


def _emit(fmt: str, output: Path | None, plan: Plan, catalog: Catalog, force: bool) -> None:
    text = render(fmt, plan, catalog, output)
    check_no_secrets(text, plan)
    if output is None:
        click.echo(redact_keys(text), nl=False)
        for needed in companions(fmt, plan, Path(DEFAULT_NAMES[fmt])):
            click.echo(f"note: this config needs {needed.name} beside it: export with -o", err=True)
        return
    write(output, text, force=force)
    click.echo(f"wrote {output} ({fmt})", err=True)
    for companion in write_companions(fmt, plan, output, force=force):
        click.echo(f"wrote {companion} (loaded by the {fmt} config)", err=True)


def _parse_export(value: str) -> tuple[str, Path]:
    fmt, sep, path = value.partition(":")
    if fmt not in FORMATS:
        raise click.BadParameter(
            f"unknown format {fmt!r} in {value!r}; choose from {', '.join(FORMATS)}",
            param_hint="--export",
        )
    target = Path(path) if sep and path else Path(DEFAULT_NAMES[fmt])
    try:
        check_target(target)
    except ExportTarget as error:
        raise click.BadParameter(str(error), param_hint="--export") from None
    return fmt, target


@cli.command(name="run")
@options.WORKLOADS_ARG
@click.option(
    "--probe",
    "probe_target",
    type=click.Choice(["sim", "live", "none"]),
    default="none",
    show_default=True,
    help="Probe the candidates first: on the simulator, live, or not at all.",
)
@click.option(
    "--export",
    "exports",
    multiple=True,
    metavar="FORMAT:PATH",
    help=f"Write an export (repeatable); FORMAT is one of {', '.join(FORMATS)}.",
)
@click.option("--force", is_flag=True, help="Replace existing export files.")
@click.option(
    "--budget-usd",
    type=Finite(min=0),
    default=None,
    help=f"Hard spending cap for probing (live: ${DEFAULT_BUDGET_USD:g}; sim: ${SIM_BUDGET_USD:g}, simulated).",
)
@options.KINDS
@options.TOP
@options.REQUESTS
@options.TIME_SCALE
@checks.timeout_options
@click.option(
    "--decisive/--exhaustive",
    default=True,
    show_default=True,
    help="Decisive: only the probes that can change the plan, each stopping once its figure "
    "clears or fails the bar. Exhaustive: every probe at full size. Either way the run goes "
    "down each workload's candidate list until TOP are confirmed.",
)
@options.SEED
@plan_options
@click.pass_context
def run_command(
    ctx: click.Context,
    /,
    workloads_file: Path,
    probe_target: str,
    exports: tuple[str, ...],
    force: bool,
    top: int,
    budget_usd: float | None,
    kinds: str,
    requests: int,
    time_scale: float,
    timeout_s: float | None,
    first_byte_timeout_s: float | None,
    stall_timeout_s: float | None,
    decisive: bool,
    seed: int | None,
    **kw: Any,
) -> None:
    """The whole pipeline, headless: match, probe (optionally), plan, and write every export.
    Exit status 2 on bad input, or when probing would exceed the budget."""
    checks.names_list(kinds, ALL_KINDS, "--probes")
    targets = [_parse_export(e) for e in exports]
    clashes = [str(p) for _, p in targets if p.exists() and not force]
    if clashes:
        raise click.UsageError(f"{', '.join(clashes)} exists; use --force to replace it")
    run_id = None
    if probe_target != "none":
        from advisor.cli.probe_cmd import probe

        before = latest_run(workloads_file)
        if budget_usd is None:
            # A simulated run spends nothing real; its cap only bounds the simulated bill.
            budget_usd = SIM_BUDGET_USD if probe_target == "sim" else DEFAULT_BUDGET_USD
        ctx.invoke(
            probe,
            workloads_file=workloads_file,
            target=probe_target,
            top=top,
            kinds=kinds,
            requests=requests,
            time_scale=time_scale,
            budget_usd=budget_usd,
            timeout_s=timeout_s,
            first_byte_timeout_s=first_byte_timeout_s,
            stall_timeout_s=stall_timeout_s,
            decisive=decisive,
            seed=seed,
            confirm=top,
        )
        run_id = latest_run(workloads_file)
        if run_id is None or run_id == before:
            raise click.ClickException("the probe run did not complete; nothing planned")
    plan, catalog = make(ctx, workloads_file, run_id, kw)
    err = Console(stderr=True)
    err.print(*plan_tables(plan, width=err.width))
    for fmt, path in targets:
        _emit(fmt, path, plan, catalog, force)
