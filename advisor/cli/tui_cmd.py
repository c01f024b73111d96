"""`advisor tui`: the terminal UI, with the simulator alongside when no key is set."""

from __future__ import annotations

import os
from pathlib import Path

import click

from advisor import catalogs
from advisor.cli.base import cli, extra_layers
from probes.simulator import start_simulator


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
    catalog_ = catalogs.load(extra_layers(ctx))
    from advisor.tui.app import AdvisorApp  # Textual loads only when the UI opens

    keys = [p.key_env for p in catalog_.providers.values() if p.key_env]
    layers = catalogs.catalog_layers(extra_layers(ctx))
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
