"""The root `advisor` group: bad input becomes one message per problem and exit status 2.

Exit status: 0 success, 2 bad input (files, flags, queries), 1 a failure of ours.

This module imports nothing heavy (no catalog, pydantic or rich): `advisor --help` must
answer at once, so command modules load only when their command runs (see `lazy`).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from advisor import __version__


@dataclass(frozen=True)
class LazyCommand:
    """A command whose modules load when it is first looked up."""

    short_help: str
    """The first sentence of its help, for the root's command list."""
    modules: tuple[str, ...]
    """The modules that define it or add subcommands to it."""


class AdvisorGroup(click.Group):
    """Turns bad input into one message per problem and exit status 2, never a traceback.

    A first argument that names a YAML file rather than a command opens it in the TUI, so
    `advisor WORKLOADS.yaml` is `advisor tui WORKLOADS.yaml`.

    Commands can be registered lazily (`lazy`): listed from a one-line help, their modules
    imported (and so their click decorators run) only when the command is looked up.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, LazyCommand] = {}

    def lazy(self, name: str, *modules: str, short_help: str) -> None:
        """Register command `name`, defined (or extended) by `modules` of advisor.cli."""
        self.lazy_commands[name] = LazyCommand(
            short_help, tuple(f"advisor.cli.{module}" for module in modules)
        )

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands.keys() | self.lazy_commands.keys())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy_commands.get(cmd_name)
        if entry is not None:
            for module in entry.modules:
                importlib.import_module(module)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's command list, with lazy commands described without importing them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            entry = self.lazy_commands.get(name)
            if entry is not None:  # shortened as click shortens a command's own help
                stand_in = click.Command(name, help=entry.short_help)
                rows.append((name, stand_in.get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
        """Run the command; an `AdvisorError` becomes its lines on stderr and its exit status.

        This is the one place the command line turns errors into output: commands raise.
        """
        from catalog.errors import AdvisorError

        try:
            return super().invoke(ctx)
        except AdvisorError as error:
            for line in error.lines():
                click.echo(line, err=True)
            ctx.exit(error.exit_status)


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
    """Print VALUE as indented JSON on stdout, key-shaped text hidden."""
    from catalog.redact import redact_keys

    click.echo(redact_keys(json.dumps(value, indent=2, ensure_ascii=False)))


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
