"""`advisor workload`: workloads derived from request logs, and the redaction rules."""

from __future__ import annotations

from pathlib import Path

import click

from advisor import home, units
from advisor.cli.base import cli, extra_layers
from advisor.cli.log_options import LOG_FORMAT, LOGS_ARG
from advisor.traffic.derive import CLUSTER_BY, ClusterBy
from advisor.traffic.from_logs import derive, save
from advisor.traffic.read import Format
from advisor.traffic.redact import BUILT_IN, load_rules

RULES_OPTION = click.option(
    "--redact-rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A YAML file of more redaction rules ('rules: {NAME: REGEX}'), after the built-in ones.",
)


@cli.group(name="workload")
def workload() -> None:
    """Workloads from real traffic: derive them from request logs."""


@workload.command(name="from-logs")
@LOGS_ARG
@click.option(
    "--by",
    type=click.Choice(CLUSTER_BY),
    default="route",
    show_default=True,
    help="One workload per route (alias asked for), system prompt, or model that served it.",
)
@LOG_FORMAT
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the file here.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option(
    "--samples",
    type=click.IntRange(min=0, max=1000),
    default=5,
    show_default=True,
    help="Requests sampled into each workload, redacted.",
)
@RULES_OPTION
@click.pass_context
def from_logs(
    ctx: click.Context,
    logs: tuple[Path, ...],
    by: ClusterBy,
    fmt: Format,
    out: Path | None,
    force: bool,
    samples: int,
    rules_file: Path | None,
) -> None:
    """Propose a workload per cluster of logged traffic: token distributions, modalities,
    tools, structured output, arrival peak and redacted samples, each number commented with
    where it came from. Prints the file, or writes it with --out."""
    rules = load_rules(rules_file) if rules_file else BUILT_IN
    catalog = home.load_catalog(extra_layers(ctx))
    derived = derive(list(logs), catalog, by=by, samples=samples, fmt=fmt, rules=rules)
    if out is None:
        click.echo(derived.text, nl=False)
        return
    save(out, derived.text, force=force)
    click.echo(
        f"wrote {out}: {units.count(len(derived.proposals), 'workload')} from "
        f"{units.count(derived.traffic.requests, 'request')}"
    )


@workload.command(name="redact-rules")
@RULES_OPTION
def redact_rules(rules_file: Path | None) -> None:
    """Print the redaction rules applied to samples and prompts, in the order applied."""
    rules = load_rules(rules_file) if rules_file else BUILT_IN
    width = max(len(rule.name) for rule in rules)
    for rule in rules:
        click.echo(f"{rule.name:<{width}}  {rule.origin:<8}  {rule.pattern.pattern}")
