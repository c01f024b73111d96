"""`advisor probe`: measure the best candidates on the simulator or live."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from advisor import home, units
from advisor.cli import checks, options
from advisor.cli.base import cli, extra_layers, print_json
from advisor.cli.checks import Finite
from advisor.cli.stdout import stdout_console
from advisor.match.matching import MatchResult, match, unknown_keys
from advisor.plan import Plan
from advisor.plan.inputs import latest_run, plan_for
from advisor.present.outcomes import outcome_counts, outcomes_table
from advisor.present.probe import (
    correctness_table,
    outcome_json,
    results_table,
    retention_table,
    samples_table,
)
from advisor.present.successors import successor_tables
from advisor.probe.lifecycle import (
    ALL_KINDS,
    DEFAULT_BUDGET_USD,
    Finished,
    NothingToProbe,
    Prepared,
    ProbeRequest,
    run_probes,
)
from advisor.watch.successors import SUNSET_DAYS, side_by_side, successor_json, sunsets
from advisor.workload.model import load_workloads
from catalog import Catalog
from probes import aio
from probes.decide import Verdict
from probes.harness import Sent
from probes.kinds.base import Settings
from probes.load import Load
from probes.run import ProbeTask
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
@click.option(
    "--replay-log",
    "replay_logs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="LOG",
    help="Latency probe: replay this request log's prompts at its arrival times (open loop), "
    "each request going to the workload its route names (repeatable).",
)
@click.option(
    "--replay-scale",
    type=Finite(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="With --replay-log: multiply the log's arrival times (0.1 = ten times faster).",
)
@options.KINDS
@options.TOP
@options.OFFERINGS
@options.REQUESTS
@options.TIME_SCALE
@checks.timeout_options
@options.DECISIVE
@options.SEED
@click.option(
    "--successors",
    is_flag=True,
    help="Probe each offering of the plan that is deprecated or near its shutdown beside "
    "its successor, and propose the successor as a canary.",
)
@click.option(
    "--sunset-days",
    type=click.IntRange(min=0, max=checks.MAX_HORIZON_DAYS),
    default=SUNSET_DAYS,
    show_default=True,
    help="With --successors: offerings that shut down within this many days count as near.",
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
    replay_logs: tuple[Path, ...] = (),
    replay_scale: float = 1.0,
    timeout_s: float | None = None,
    first_byte_timeout_s: float | None = None,
    stall_timeout_s: float | None = None,
    offerings: tuple[str, ...] = (),
    decisive: bool = False,
    seed: int | None = None,
    confirm: int = 0,
    successors: bool = False,
    sunset_days: int = SUNSET_DAYS,
) -> None:
    """Measure the best candidates of each workload: latency, determinism, long context,
    structured output, the workload's own samples, instruction retention over a conversation
    and correctness at its peak rate. Every attempt is kept in the run store."""
    names = checks.names_list(kinds, ALL_KINDS, "--probes")
    if poisson and rate is None:
        raise click.BadParameter("--poisson needs --rate", param_hint="--poisson")
    workloads = load_workloads(workloads_file)
    catalog_ = home.load_catalog(extra_layers(ctx))
    unknown_keys(catalog_, offerings)
    plan = None
    if successors:
        # Everything still served: the offering near its sunset is measured, not excluded.
        results = [match(w, catalog_, horizon_days=0) for w in workloads]
        plan, offerings = _sunset_pins(catalog_, results, workloads_file, sunset_days)
    else:
        results = [match(w, catalog_) for w in workloads]
    load = Load(mode="open", rate=rate, poisson=poisson) if rate else Load(concurrency=concurrency)
    traces = {}
    if replay_logs:
        if rate or concurrency != 1:
            raise click.UsageError(
                "--replay-log sets the load itself: drop --rate and --concurrency"
            )
        from advisor.replay.assign import log_traces  # only a replay reads logs

        traces = log_traces(replay_logs, workloads, replay_scale)
    settings = Settings(
        requests=requests,
        load=load,
        traces=traces,
        timeouts=checks.timeouts(timeout_s, first_byte_timeout_s, stall_timeout_s),
        decisive=decisive,
    )
    err = Console(stderr=True)
    for name, trace in settings.traces.items():
        err.print(
            f"latency of {name}: {len(trace.offsets)} logged requests, {trace.load.describe()}"
        )
    request = ProbeRequest(
        catalog_,
        results,
        target=target,
        kinds=names,
        settings=settings,
        top=top,
        budget_usd=budget_usd,
        workloads_file=workloads_file,
        layers=home.catalog_layers(extra_layers(ctx)),
        time_scale=time_scale,
        pinned=offerings,
        confirm=confirm,
        seed=seed,
    )
    finished = _run_with_progress(request, err, quiet=as_json)
    run_id, prepared, outcome = finished.run_id, finished.prepared, finished.outcome
    with RunStore(home.runs_db()) as store:
        counts = outcome_counts(store.outcome_counts(run_id))
    pairs = side_by_side(plan, catalog_, sunset_days, run_id=run_id) if plan else []
    if as_json:
        print_json(
            {
                "run": run_id,
                **outcome_json(outcome, prepared.simulated),
                "attempt_outcomes": counts,
                **({"successors": [successor_json(p) for p in pairs]} if successors else {}),
            }
        )
        return
    console = stdout_console()
    for w in workloads:
        console.print(results_table(outcome, w.name, prepared.simulated, width=console.width))
        for table in (
            samples_table(outcome, w.name, width=console.width),
            retention_table(outcome, w.name, prepared.simulated, width=console.width),
            correctness_table(outcome, w.name, prepared.simulated, width=console.width),
            outcomes_table(counts.get(w.name, {}), w.name),
        ):
            if table is not None:
                console.print(table)
    for pair in pairs:
        for part in successor_tables(pair, prepared.simulated, width=console.width):
            console.print(part, soft_wrap=isinstance(part, Text))
    console.print(
        f"run {run_id}: {outcome.sent} requests, spent ${prepared.budget.spent_usd:.4f}"
        + (" (simulated)" if prepared.simulated else "")
    )


def _sunset_pins(
    catalog_: Catalog, results: list[MatchResult], workloads_file: Path, sunset_days: int
) -> tuple[Plan, tuple[str, ...]]:
    """The plan as it stands (on the file's newest run, if any) and the offerings to pin:
    each one near its sunset and its successor."""
    plan = plan_for(catalog_, results, run_id=latest_run(workloads_file))
    found = [s for s in sunsets(plan, sunset_days) if s.successor]
    if not found:
        raise NothingToProbe(
            f"no offering of the plan is deprecated or shuts down within {sunset_days} days "
            "with a successor named in the catalog"
        )
    pins = dict.fromkeys(key for s in found for key in (s.offering.key, s.successor) if key)
    return plan, tuple(pins)


def _announce(prepared: Prepared, err: Console) -> None:
    """Skipped offerings, then what the run will send and may cost."""
    plan = prepared.plan
    for skip in prepared.skipped:
        err.print(f"[yellow]skipped[/] {skip.offering.key}: {skip.reason}")
    err.print(
        f"plan: {'at most ' if prepared.decisive else ''}{plan.requests} requests on "
        f"{units.count(len({t.target.key for t in plan.tasks}), 'offering')}"
        f" ({'simulated' if prepared.simulated else 'live'}); worst case ${plan.worst_case_usd:.4f},"
        f" cap ${prepared.budget.cap_usd:g}; "
        f"{'at most ' if prepared.decisive else 'expected '}{_duration(prepared.expected_s)}"
        + (f"; no price for {', '.join(plan.unpriced)}" if plan.unpriced else "")
    )


def _duration(seconds: float) -> str:
    """An expected wall time as people say it: `about 40 s`, `about 3 min`."""
    if seconds < 90:
        return f"about {max(1, round(seconds)):d} s"
    return f"about {round(seconds / 60):d} min"


def _run_with_progress(request: ProbeRequest, err: Console, quiet: bool) -> Finished:
    """Run with a progress bar on stderr when it is a terminal, else one line per finished
    probe; Ctrl+C cancels and keeps what finished."""
    piped = not err.is_terminal
    with Progress(console=err, disable=quiet or piped, transient=True) as progress:
        bar = progress.add_task("probing", total=None)

        def on_start(prepared: Prepared, run_id: int) -> None:
            progress.update(bar, total=prepared.plan.requests)

        def on_sent(target: Target, kind: str, sent: Sent) -> None:
            progress.update(bar, advance=1, description=f"{kind} {target.key}")

        def on_task(task: ProbeTask, verdict: Verdict, sent: int) -> None:
            if piped and not quiet:
                decided = {"pass": "clears the bar", "fail": "fails the bar"}.get(verdict, "done")
                err.print(
                    f"{task.spec.name}: {task.kind.name} on {task.target.key}, "
                    f"{sent} requests: {decided}",
                    highlight=False,
                    soft_wrap=True,
                )

        def on_phase(text: str) -> None:
            if not quiet:
                err.print(text, highlight=False, soft_wrap=True)

        return aio.run(
            run_probes(
                request,
                on_sent=on_sent,
                on_prepared=lambda prepared: _announce(prepared, err),
                on_start=on_start,
                on_task=on_task,
                on_phase=on_phase,
            )
        )
