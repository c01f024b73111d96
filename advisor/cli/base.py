"""The root `advisor` group: bad input becomes one message per problem and exit status 2.

Exit status: 0 success, 2 bad input (files, flags, queries), 1 a failure of ours.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from advisor import __version__
from advisor.render import problem_lines
from catalog import InputError
from catalog.query import QueryError


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
            return (
                "tui",
                self.get_command(ctx, "tui"),
                args,
            )  # the file is the tui command's argument
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
        tui = cli.get_command(ctx, "tui")
        assert tui is not None
        ctx.invoke(tui)


def extra_layers(ctx: click.Context) -> list[Path]:
    """The catalog overlays given with the root `--catalog` option."""
    root = ctx.find_root()
    return list(root.obj or [])


def print_json(value: Any) -> None:
    """Print VALUE as indented JSON on stdout."""
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
