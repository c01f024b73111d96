"""The console commands print their tables to: stdout, with key-shaped text hidden."""

from __future__ import annotations

import sys

from rich.console import Console

from catalog.redact import RedactingWriter


def stdout_console() -> Console:
    """A console on stdout that never echoes a key a user pasted into a file."""
    return Console(file=RedactingWriter(sys.stdout))  # type: ignore[arg-type]
