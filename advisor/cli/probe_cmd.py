"""`advisor probe`: measure the best candidates on the simulator or live."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress

from advisor import catalogs
from advisor.cli import checks, options
from advisor.cli.base import cli, extra_layers, print_json
from advisor.cli.checks import Finite
from advisor.cli.stdout import stdout_console
from advisor.matching import match
from advisor.outcomes import outcome_counts, outcomes_table
from advisor.probe_report import (
    correctness_table,
    outcome_json,
    results_table,
    retention_table,
    samples_table,
)
from advisor.probing import (
    ALL_KINDS,
    DEFAULT_BUDGET_USD,
    Prepared,
    open_store,
    prepare,
    start,
)
from advisor.workloads import load_workloads
from probes import aio
from probes.harness import Sent
from probes.kinds.base import Settings
from probes.load import Load
from probes.run import Outcome, Plan, execute
from probes.simulator import start_simulator
from probes.store import RunStore
from probes.targets import Target


@cli.command()
@options.WORKLOADS_ARG
@click.option(
    "--target",
    type=click.Choice(["sim", "live"]),
    default="sim",
    show_default=True,
    help="The simulator, or every provider whose key is set.",
)
@click.option(
    "--budget-usd",
    type=Finite(min=0),
    default=DEFAULT_BUDGET_USD,
    show_default=True,
    help="Hard spending cap for the run.",
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
    type=Finite(min=0, min_open=True),
    help="Latency probe: open-loop requests per second instead of a closed loop.",
)
@click.option("--poisson", is_flag=True, help="With --rate: exponential gaps between arrivals.")
@options.KINDS
@options.TOP
@options.REQUESTS
@options.TIME_SCALE
@checks.timeout_options
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
    timeout_s: float | None = None,
    first_byte_timeout_s: float | None = None,
    stall_timeout_s: float | None = None,
) -> None:
    """Measure the best candidates of each workload: latency, determinism, long context,
    structured output, the workload's own samples, instruction retention over a conversation
    and correctness at its peak rate. Every attempt is kept in the run store."""
    names = checks.names_list(kinds, ALL_KINDS, "--probes")
    if poisson and rate is None:
        raise click.BadParameter("--poisson needs --rate", param_hint="--poisson")
    workloads = load_workloads(workloads_file)
    catalog_ = catalogs.load(extra_layers(ctx))
    results = [match(w, catalog_) for w in workloads]
    load = Load(mode="open", rate=rate, poisson=poisson) if rate else Load(concurrency=concurrency)
    settings = Settings(
        requests=requests,
        load=load,
        timeouts=checks.timeouts(timeout_s, first_byte_timeout_s, stall_timeout_s),
    )
    err = Console(stderr=True)
    sim = (
        start_simulator(catalogs.catalog_layers(extra_layers(ctx)), time_scale=time_scale)
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
    counts = outcome_counts(store.attempts(run_id))
    if as_json:
        print_json(
            {
                "run": run_id,
                **outcome_json(outcome, prepared.simulated),
                "attempt_outcomes": counts,
            }
        )
        return
    console = stdout_console()
    for w in workloads:
        console.print(results_table(outcome, w.name, prepared.simulated))
        for table in (
            samples_table(outcome, w.name),
            retention_table(outcome, w.name, prepared.simulated),
            correctness_table(outcome, w.name, prepared.simulated),
            outcomes_table(counts.get(w.name, {}), w.name),
        ):
            if table is not None:
                console.print(table)
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
