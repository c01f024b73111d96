"""The `advisor` command line: a thin front end over the same functions the TUI uses.

Each command lives in its own module; importing them registers them on the root group.
"""

from advisor.cli import (  # noqa: F401  (imported to register the commands)
    catalog_cmd,
    history_cmd,
    match_cmd,
    plan_cmd,
    probe_cmd,
    sim_cmd,
    tui_cmd,
)
from advisor.cli.base import cli, main

__all__ = ["cli", "main"]
