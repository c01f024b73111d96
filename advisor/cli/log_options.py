"""The request-log argument and format option that `workload from-logs` and `replay` share."""

from __future__ import annotations

from pathlib import Path

import click

from advisor.traffic.read import FORMATS

LOGS_ARG = click.argument(
    "logs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)

LOG_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="The logs' format: OpenAI request/response JSONL, LiteLLM spend logs or OTLP JSON "
    "spans (auto: told apart by their first record).",
)
