"""Options that more than one command takes, defined once so they read and behave alike."""

from __future__ import annotations

from pathlib import Path

import click

from advisor.cli.checks import MAX_HORIZON_DAYS, Finite
from advisor.match.matching import HORIZON_DAYS
from advisor.probe.lifecycle import DEFAULT_KINDS

WORKLOADS_ARG = click.argument(
    "workloads_file",
    metavar="WORKLOADS.yaml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)

KINDS = click.option(
    "--probes",
    "kinds",
    default=",".join(DEFAULT_KINDS),
    show_default=True,
    help="Comma-separated probe kinds; ratelimit (a ramp to the first 429) only when named.",
)

TOP = click.option(
    "--top",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Probe the N best candidates of each workload.",
)

REQUESTS = click.option(
    "--requests",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Requests per target for the latency probe.",
)

TIME_SCALE = click.option(
    "--time-scale",
    type=Finite(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Simulator only: multiply its timings (0.1 = ten times faster; figures scale too).",
)

OFFERINGS = click.option(
    "--offering",
    "offerings",
    multiple=True,
    metavar="KEY",
    help="Only this offering (repeatable), e.g. a self-hosted one; see `catalog show`.",
)

DECISIVE = click.option(
    "--decisive/--exhaustive",
    default=False,
    show_default=True,
    help="Decisive: only the probes that can change the plan, each stopping as soon as its "
    "figure clears or fails the workload's bar. Exhaustive: every probe at full size.",
)

SEED = click.option(
    "--seed",
    type=int,
    help="Simulator only: fix its random draws, for repeatable simulated runs: the same "
    "request draws the same answer on one seed, whatever else the run sends.",
)

HORIZON = click.option(
    "--horizon-days",
    type=click.IntRange(min=0, max=MAX_HORIZON_DAYS),
    default=HORIZON_DAYS,
    show_default=True,
    help="Leave out offerings that shut down within this many days (0: anything still "
    "served, e.g. today's primary until its successor is proven).",
)
