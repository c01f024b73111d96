"""The `advisor` command line: a thin front end over the same functions the TUI uses.

Exit status: 0 success, 2 bad input (files, flags, queries), 1 a failure of ours.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress

from advisor import __version__, catalogs, paths
from advisor.matching import HORIZON_DAYS, match, result_json
from advisor.probe_report import outcome_json, results_table, samples_table
from advisor.probing import (
    ALL_KINDS,
    DEFAULT_BUDGET_USD,
    DEFAULT_KINDS,
    Prepared,
    open_store,
    prepare,
    start,
)
from advisor.render import (
    candidates_table,
    exclusion_summary,
    offerings_table,
    problem_lines,
    runs_table,
    shifts_table,
    successor_lines,
)
from advisor.workloads import WORKLOADS_SCHEMA_NAME, load_workloads, workloads_schema
from catalog import Catalog, InputError, load_catalog
from catalog.jsonschema import CATALOG_SCHEMA_NAME, catalog_schema, dumps
from catalog.query import QueryError, parse_query
from probes import aio
from probes.compare import compare_runs
from probes.harness import Sent
from probes.kinds.base import Settings
from probes.load import Load
from probes.run import Outcome, Plan, execute
from probes.simulator import FaultError, serve, start_simulator
from probes.store import RunStore
from probes.targets import Target


class AdvisorGroup(click.Group):
    """Turns bad input into one message per problem and exit status 2, never a traceback.

    A first argument that names a YAML file rather than a command opens it in the TUI, so
    `advisor WORKLOADS.yaml` is `advisor tui WORKLOADS.yaml`.
    """

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        first = args[0] if args else ""
        if first.endswith((".yaml", ".yml")) and self.get_command(ctx, first) is None:
            return "tui", tui, args  # the file is the tui command's argument
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            for line in problem_lines(error.problems):
                click.echo(line, err=True)
            ctx.exit(2)
        except QueryError as error:
            click.echo(f"advisor: bad query: {error}", err=True)
            ctx.exit(2)


@click.group(cls=AdvisorGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="advisor")
@click.option(
    "--catalog",
    "catalog_dirs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A catalog folder or file to overlay on the bundled catalog (repeatable).",
)
@click.pass_context
def cli(ctx: click.Context, catalog_dirs: tuple[Path, ...]) -> None:
    """Pick LLMs for production: declare workloads, match them against a sourced catalog,
    and probe the best candidates, live or on the simulator.

    With no command, opens the terminal UI.
    """
    ctx.obj = list(catalog_dirs)
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


def _extra(ctx: click.Context) -> list[Path]:
    root = ctx.find_root()
    return list(root.obj or [])


@cli.command()
@click.argument(
    "workloads_file",
    metavar="[WORKLOADS.yaml]",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--screen",
    type=click.Choice(["catalog", "workloads", "candidates"]),
    help="The screen to open on (default: candidates with a file, else catalog).",
)
@click.pass_context
def tui(ctx: click.Context, workloads_file: Path | None, screen: str | None) -> None:
    """Open the terminal UI (the default command), on WORKLOADS.yaml if given.

    When no provider key is set, the simulator starts alongside as the probe target, and
    stops when the UI closes.
    """
    catalog_ = catalogs.load(_extra(ctx))
    from advisor.tui.app import AdvisorApp  # Textual loads only when the UI opens

    keys = [p.key_env for p in catalog_.providers.values() if p.key_env]
    layers = catalogs.catalog_layers(_extra(ctx))
    sim = None
    if not any(os.environ.get(name) for name in keys):
        sim = start_simulator(layers)
    try:
        target = "simulator (no provider key set)" if sim else None
        AdvisorApp(
            catalog=catalog_,
            workloads_path=workloads_file,
            probe_target=target,
            screen=screen,
            layers=layers,
        ).run()
    finally:
        if sim is not None:
            sim.stop()


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
    layers = [*catalogs.catalog_layers(_extra(ctx)), *paths]
    try:
        result = load_catalog(layers)
    except InputError as error:
        if not as_json:
            raise
        _print_json({"valid": False, "problems": [p.as_dict() for p in error.problems]})
        ctx.exit(2)
    if as_json:
        _print_json(
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
        f"ok: {len(result.offerings)} offerings from {len(result.providers)} providers "
        f"in {len(result.files)} files"
    )


@catalog.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print offerings as JSON.")
@click.pass_context
def show(ctx: click.Context, query: Sequence[str], as_json: bool) -> None:
    """List offerings, filtered by QUERY: words and filters such as provider:openai,
    status:active, input:image, ctx:128k, free, open (prefix '-' to exclude)."""
    result = catalogs.load(_extra(ctx))
    offerings = parse_query(" ".join(query)).filter(result.offerings)
    if as_json:
        _print_json([_offering_json(result, o.key) for o in offerings])
        return
    console = Console()
    if not offerings:
        console.print("No offering matches.")
        return
    console.print(offerings_table(offerings, width=console.width))
    successors = successor_lines(offerings)
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


@cli.command(name="match")
@click.argument(
    "workloads_file",
    metavar="WORKLOADS.yaml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
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
    result = catalogs.load(_extra(ctx))
    results = [match(w, result, horizon_days=horizon_days) for w in workloads]
    if as_json:
        _print_json(
            {
                "horizon_days": horizon_days,
                "workloads": [result_json(r, top) for r in results],
            }
        )
        return
    console = Console()
    for r in results:
        console.print(candidates_table(r, top or 10))
        console.print(f"[dim]{exclusion_summary(r)}; --json lists every reason[/]\n")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8400,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--faults",
    metavar="PROFILE",
    help="Misbehave on purpose, e.g. 5xx-burst:2,stall:3@0.1 or flaky (docs/simulator.md).",
)
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiply every simulated duration (0.1 = ten times faster).",
)
@click.option("--seed", type=int, help="Fix the random choices, for repeatable runs.")
@click.option(
    "--rpm", type=click.IntRange(min=1), help="Requests per minute per offering before 429s."
)
@click.option(
    "--tpm", type=click.IntRange(min=1), help="Tokens per minute per offering before 429s."
)
@click.pass_context
def sim(
    ctx: click.Context,
    host: str,
    port: int,
    faults: str | None,
    time_scale: float,
    seed: int | None,
    rpm: int | None,
    tpm: int | None,
) -> None:
    """Serve every catalog offering on loopback the way its provider's API does (OpenAI,
    Anthropic, Gemini wires), with the catalog's limits and traits, until Ctrl+C. Every
    response says it is simulated."""
    catalog_ = catalogs.load(_extra(ctx))
    try:
        serve(
            catalog_,
            host,
            port,
            faults,
            time_scale=time_scale,
            seed=seed,
            rpm=rpm,
            tpm=tpm,
            announce=lambda line: click.echo(line, err=True),
        )
    except FaultError as error:
        raise click.BadParameter(str(error), param_hint="--faults") from None
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror or error}"
        ) from None


@cli.command()
@click.argument(
    "workloads_file",
    metavar="WORKLOADS.yaml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--target",
    type=click.Choice(["sim", "live"]),
    default="sim",
    show_default=True,
    help="The simulator, or every provider whose key is set.",
)
@click.option(
    "--probes",
    "kinds",
    default=",".join(DEFAULT_KINDS),
    show_default=True,
    help="Comma-separated probe kinds; ratelimit (a ramp to the first 429) only when named.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Probe the N best candidates of each workload.",
)
@click.option(
    "--budget-usd",
    type=click.FloatRange(min=0),
    default=DEFAULT_BUDGET_USD,
    show_default=True,
    help="Hard spending cap for the run.",
)
@click.option(
    "--requests",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Requests per target for the latency probe.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Latency probe: requests in flight at once.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help="Latency probe: open-loop requests per second instead of a closed loop.",
)
@click.option("--poisson", is_flag=True, help="With --rate: exponential gaps between arrivals.")
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Simulator only: multiply its timings (0.1 = ten times faster).",
)
@click.option("--json", "as_json", is_flag=True, help="Print figures as JSON.")
@click.pass_context
def probe(
    ctx: click.Context,
    workloads_file: Path,
    target: str,
    kinds: str,
    top: int,
    budget_usd: float,
    requests: int,
    concurrency: int,
    rate: float | None,
    poisson: bool,
    time_scale: float,
    as_json: bool,
) -> None:
    """Measure the best candidates of each workload: latency, determinism, long context,
    structured output and the workload's own samples. Every attempt is kept in the run store."""
    names = [k.strip() for k in kinds.split(",") if k.strip()]
    unknown = [k for k in names if k not in ALL_KINDS]
    if unknown:
        raise click.BadParameter(
            f"unknown probe {', '.join(unknown)}; choose from {', '.join(ALL_KINDS)}",
            param_hint="--probes",
        )
    if poisson and rate is None:
        raise click.BadParameter("--poisson needs --rate", param_hint="--poisson")
    workloads = load_workloads(workloads_file)
    catalog_ = catalogs.load(_extra(ctx))
    results = [match(w, catalog_) for w in workloads]
    load = Load(mode="open", rate=rate, poisson=poisson) if rate else Load(concurrency=concurrency)
    settings = Settings(requests=requests, load=load)
    err = Console(stderr=True)
    sim = (
        start_simulator(catalogs.catalog_layers(_extra(ctx)), time_scale=time_scale)
        if target == "sim"
        else None
    )
    try:
        prepared = prepare(
            catalog_,
            results,
            target=target,
            kinds=names,
            settings=settings,
            top=top,
            budget_usd=budget_usd,
            sim_url=sim.url if sim else None,
        )
        plan = prepared.plan
        for skip in prepared.skipped:
            err.print(f"[yellow]skipped[/] {skip.offering.key}: {skip.reason}")
        err.print(
            f"plan: {plan.requests} requests on {len({t.target.key for t in plan.tasks})} offerings"
            f" ({'simulated' if prepared.simulated else 'live'}); worst case ${plan.worst_case_usd:.4f},"
            f" cap ${budget_usd:g}"
            + (f"; no price for {', '.join(plan.unpriced)}" if plan.unpriced else "")
        )
        if plan.worst_case_usd > budget_usd:
            err.print(
                f"[red]refused[/]: the worst case ${plan.worst_case_usd:.4f} exceeds --budget-usd {budget_usd:g}"
            )
            ctx.exit(2)
        if not plan.tasks:
            err.print("nothing to probe")
            ctx.exit(1)
        store = open_store(catalog_)
        run_id = start(store, prepared, str(workloads_file), settings, names)
        outcome = _run_with_progress(plan, store, run_id, prepared, err, quiet=as_json)
    finally:
        if sim is not None:
            sim.stop()
    if as_json:
        _print_json({"run": run_id, **outcome_json(outcome, prepared.simulated)})
        return
    console = Console()
    for w in workloads:
        console.print(results_table(outcome, w.name, prepared.simulated))
        samples = samples_table(outcome, w.name)
        if samples is not None:
            console.print(samples)
    console.print(
        f"run {run_id}: {outcome.sent} requests, spent ${prepared.budget.spent_usd:.4f}"
        + (" (simulated)" if prepared.simulated else "")
    )


def _run_with_progress(
    plan: Plan, store: RunStore, run_id: int, prepared: Prepared, err: Console, quiet: bool
) -> Outcome:
    """Execute the plan with a progress bar on stderr; Ctrl+C cancels and keeps what finished."""
    cancel: asyncio.Event | None = None
    with Progress(console=err, disable=quiet, transient=True) as progress:
        bar = progress.add_task("probing", total=plan.requests)

        def on_sent(target: Target, kind: str, sent: Sent) -> None:
            progress.update(bar, advance=1, description=f"{kind} {target.key}")

        async def main() -> Outcome:
            nonlocal cancel
            cancel = asyncio.Event()
            return await execute(
                plan, store, run_id, prepared.budget, cancel=cancel, on_sent=on_sent
            )

        try:
            outcome = aio.run(main())
        except KeyboardInterrupt:
            store.finish_run(run_id, "cancelled")
            raise
        except Exception:
            store.finish_run(run_id, "failed")
            raise
    store.finish_run(run_id, "cancelled" if outcome.cancelled else "complete")
    return outcome


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
    path = paths.runs_db()
    store = RunStore(path) if path.exists() else None
    runs = store.runs() if store else []
    if compare:
        known = {run.id for run in runs}
        missing = [str(r) for r in compare if r not in known]
        if missing or store is None:
            raise click.BadParameter(f"no run {', '.join(missing)}", param_hint="--compare")
        shifts, changes = compare_runs(store, *compare)
        if as_json:
            _print_json(
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
        _print_json([asdict(run) for run in runs])
        return
    if not runs:
        click.echo("No runs yet.")
        return
    Console().print(runs_table(runs))


def _offering_json(result: Catalog, key: str) -> dict[str, Any]:
    offering = result.get(key)
    assert offering is not None
    return {"key": offering.key, **offering.model_dump(mode="json")}


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the CLI, keep tracebacks for ADVISOR_DEBUG=1."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="advisor")
    except Exception as error:  # a bug of ours: one line, exit 1, traceback on request
        if os.environ.get("ADVISOR_DEBUG"):
            raise
        click.echo(
            f"advisor: internal error: {error!r} (set ADVISOR_DEBUG=1 for details)", err=True
        )
        sys.exit(1)
