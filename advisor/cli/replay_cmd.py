"""`advisor replay`: a request log through one plan or two, as their gateway would route it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from advisor import home
from advisor.cli.base import cli, extra_layers, print_json
from advisor.cli.checks import Finite
from advisor.cli.log_options import LOG_FORMAT, LOGS_ARG
from advisor.cli.plan_cmd import NEWEST, RUN_OPTION, make, plan_options, resolve_run
from advisor.cli.stdout import stdout_console
from advisor.export.litellm import MASTER_KEY_ENV
from advisor.plan.inputs import newest_measures, run_measures
from advisor.plan.model import Plan
from advisor.present.replay import replay_tables
from advisor.probe.measured import RunMeasures
from advisor.replay.assign import Assigned, assign_logs
from advisor.replay.live import replay_gateway
from advisor.replay.run import (
    ReplayReport,
    check_failures,
    replay_model,
    replay_sim,
    report_json,
    routed,
)
from advisor.traffic.read import Format
from advisor.workload.model import load_workloads
from catalog import Catalog
from probes.simulator import running_simulator

TARGETS = ("model", "sim", "gateway")


def _failures(values: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for value in values:
        key, sep, rate = value.partition("=")
        try:
            share = float(rate)
        except ValueError:
            share = -1.0
        if not sep or not key or not 0 <= share <= 1:
            raise click.BadParameter(
                f"{value!r}: expected OFFERING=RATE with RATE within 0..1, e.g. "
                "openai/gpt-4o-mini=0.5",
                param_hint="--fail",
            )
        out[key] = share
    return out


@cli.command(name="replay")
@LOGS_ARG
@click.option(
    "--plan",
    "plans",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="WORKLOADS.yaml",
    help="The workload file whose plan to replay through (give two to compare side by side).",
)
@LOG_FORMAT
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default="model",
    show_default=True,
    help="model: the gateway and providers modelled in process from catalog or probe figures; "
    "sim: the gateway modelled, every attempt answered by the simulator; gateway: a real "
    "gateway running the plan's export (--gateway URL).",
)
@click.option(
    "--gateway", "gateway_url", metavar="URL", help="The gateway's root URL (--target gateway)."
)
@click.option(
    "--fail",
    "fail",
    multiple=True,
    metavar="OFFERING=RATE",
    help="Make an offering fail this share of attempts (model: a failure rate; sim: a 5xx "
    "fault at that probability), e.g. to see the plan's fallbacks at work.",
)
@click.option(
    "--time-scale",
    type=Finite(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Compress the log's arrivals (0.1 = ten times faster); with --target sim the "
    "simulator's timings too. Cooldowns, rate limits and timeouts keep their real length.",
)
@click.option(
    "--upstream-time-scale",
    type=Finite(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="--target gateway: the time scale of the servers behind the gateway, by which waits "
    "are scaled back to real seconds.",
)
@RUN_OPTION
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Fix the replay's random draws (the model's answers, the gateway's weighted picks, "
    "the simulator's faults): the same seed, the same replay.",
)
@plan_options
@click.option("--json", "as_json", is_flag=True, help="Print the replays as JSON.")
@click.pass_context
def replay_command(
    ctx: click.Context,
    /,
    logs: tuple[Path, ...],
    plans: tuple[Path, ...],
    fmt: Format,
    target: str,
    gateway_url: str | None,
    fail: tuple[str, ...],
    time_scale: float,
    upstream_time_scale: float,
    run: str | None,
    seed: int,
    as_json: bool,
    **kw: Any,
) -> None:
    """Replay request logs through a plan as its gateway would route them (fallback order,
    cooldowns, rate limits, timeouts and retries, context fallback, canary weight): requests
    served by each offering, fallback share, errors users would have seen, latency and the
    monthly cost with its interval; two --plan side by side."""
    if len(plans) > 2:
        raise click.BadParameter("at most two plans side by side", param_hint="--plan")
    if target == "gateway" and not gateway_url:
        raise click.UsageError(
            "--target gateway needs --gateway URL (the gateway running the export)"
        )
    failures = _failures(fail)
    if failures and target == "gateway":
        raise click.UsageError(
            "--fail applies to --target model or sim; a real gateway's upstream fails on its own"
        )
    made = []
    for plan_file in plans:
        run_id = resolve_run(run, plan_file)
        plan, catalog = make(ctx, plan_file, run_id, kw)
        made.append((plan_file, run_id, plan, catalog))
    check_failures([plan for _, _, plan, _ in made], failures)
    reports = []
    for plan_file, run_id, plan, catalog in made:
        traffic = assign_logs(logs, load_workloads(plan_file), str(plan_file), fmt)
        label = f"{plan_file} ({plan.figures_label})"
        reports.append(
            _replay(
                ctx,
                target,
                traffic,
                plan,
                catalog,
                label,
                newest_measures(plan_file) if run_id == NEWEST else run_id,
                failures,
                time_scale,
                upstream_time_scale,
                gateway_url,
                seed,
            )
        )
    if as_json:
        print_json({"replays": [report_json(r) for r in reports]})
        return
    console = stdout_console()
    for renderable in replay_tables(reports):
        console.print(renderable)


def _replay(
    ctx: click.Context,
    target: str,
    traffic: Assigned,
    plan: Plan,
    catalog: Catalog,
    label: str,
    run: int | Mapping[str, RunMeasures] | None,
    failures: dict[str, float],
    scale: float,
    upstream_scale: float,
    gateway_url: str | None,
    seed: int,
) -> ReplayReport:
    if target == "model":
        measures = run_measures(run) if isinstance(run, int) else run
        return replay_model(
            traffic, plan, label, measures=measures, failures=failures, scale=scale, seed=seed
        )
    if target == "sim":
        mine = routed(plan)
        faults = {key: f"5xx-burst@{rate:g}" for key, rate in failures.items() if key in mine}
        with running_simulator(
            home.catalog_layers(extra_layers(ctx)),
            time_scale=scale,
            seed=seed,
            offering_faults=faults,
        ) as sim:
            return asyncio.run(
                replay_sim(
                    traffic,
                    plan,
                    label,
                    catalog,
                    sim.url,
                    sim_scale=scale,
                    scale=scale,
                    seed=seed,
                    faults=",".join(f"{k}={v}" for k, v in faults.items()),
                )
            )
    assert gateway_url is not None
    return asyncio.run(
        replay_gateway(
            traffic,
            plan,
            label,
            gateway_url,
            os.environ.get(MASTER_KEY_ENV),
            scale=scale,
            upstream_scale=upstream_scale,
            seed=seed,
        )
    )
