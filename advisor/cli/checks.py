"""Flag types and checks that refuse what would otherwise pass silently: NaN and infinity in
any number, values past a ceiling that has a reason, empty lists, and the per-phase request
timeouts. Each refusal is click's BadParameter, so it is one line and exit status 2."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from probes.deadlines import MAX_TIMEOUT_S, Timeouts

F = TypeVar("F", bound=Callable[..., Any])

MAX_HORIZON_DAYS = 36_500
"""A hundred years: a shutdown further out than that is not a planning question, and a
larger number overflows date arithmetic."""


class Finite(click.FloatRange):
    """A FloatRange that refuses NaN and infinity (which compare false with every bound, so
    a plain FloatRange lets `nan` through: `--budget-usd nan` would turn the cap off)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if isinstance(number, float) and not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def names_list(value: str, choices: Sequence[str], param_hint: str) -> list[str]:
    """A comma-separated list of names, each one of `choices`, at least one."""
    names = [k.strip() for k in value.split(",") if k.strip()]
    if not names:
        raise click.BadParameter(
            f"give at least one of {', '.join(choices)}", param_hint=param_hint
        )
    unknown = [k for k in names if k not in choices]
    if unknown:
        raise click.BadParameter(
            f"unknown probe {', '.join(unknown)}; choose from {', '.join(choices)}",
            param_hint=param_hint,
        )
    return names


_SECONDS = Finite(min=0, min_open=True, max=MAX_TIMEOUT_S)


def timeout_options(f: F) -> F:
    """`--timeout`, `--first-byte-timeout` and `--stall-timeout`: the limits each request is
    held to. Unset, each is a multiple of the workload's latency budget with a floor
    (docs/probes.md)."""
    for option in reversed(
        [
            click.option(
                "--timeout",
                "timeout_s",
                type=_SECONDS,
                help="Seconds a whole answer may take (default: from the workload's E2E budget).",
            ),
            click.option(
                "--first-byte-timeout",
                "first_byte_timeout_s",
                type=_SECONDS,
                help="Seconds to the first byte (default: from the workload's TTFT budget).",
            ),
            click.option(
                "--stall-timeout",
                "stall_timeout_s",
                type=_SECONDS,
                help="Seconds a stream may pause (default: from the workload's TTFT budget).",
            ),
        ]
    ):
        f = option(f)
    return f


def timeouts(
    timeout_s: float | None, first_byte_timeout_s: float | None, stall_timeout_s: float | None
) -> Timeouts:
    """The limits the user set, as the probes take them."""
    return Timeouts(timeout_s, first_byte_timeout_s, stall_timeout_s)
