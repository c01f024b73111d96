"""`advisor tui`: the terminal UI, with the simulator as the probe target when no key is set."""

from __future__ import annotations

import os
from pathlib import Path

import click

from advisor import home
from advisor.cli.base import cli, extra_layers


@cli.command()
@click.argument(
    "workloads_file",
    metavar="[WORKLOADS.yaml]",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option(
    "--screen",
    type=click.Choice(["catalog", "workloads", "candidates", "probes", "plan", "traffic"]),
    help="The screen to open on (default: candidates with a file, else catalog).",
)
@click.pass_context
def tui(ctx: click.Context, workloads_file: Path | None, screen: str | None) -> None:
    """Open the terminal UI (the default command), on WORKLOADS.yaml if given.

    A file that does not exist yet is started empty on the Workloads screen and written on save.

    When no provider key is set, probes run on the simulator: the Probes screen starts it for
    each run and stops it after.
    """
    catalog_ = home.load_catalog(extra_layers(ctx))
    keys = [p.key_env for p in catalog_.providers.values() if p.key_env]
    simulated = not any(os.environ.get(name) for name in keys)
    from advisor.tui.app import AdvisorApp  # Textual loads only when the UI opens

    AdvisorApp(
        catalog=catalog_,
        workloads_path=workloads_file,
        probe_target="simulator (no provider key set)" if simulated else None,
        screen=screen,
        layers=home.catalog_layers(extra_layers(ctx)),
    ).run()
