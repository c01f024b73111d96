"""`advisor sim`: serve the catalog's offerings on loopback, as their providers would."""

from __future__ import annotations

import click

from advisor import home
from advisor.cli.base import cli, extra_layers
from advisor.cli.checks import Finite
from catalog.errors import AdvisorError
from probes.simulator import serve


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
    type=Finite(min=0, min_open=True),
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
    catalog_ = home.load_catalog(extra_layers(ctx))
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
    except OSError as error:
        raise AdvisorError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
