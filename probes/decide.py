"""The bars a probed offering must clear for a workload, and when a probe has seen enough.

One copy of each bar: the planner rules a candidate out with `share_fails` and
`bound_fails` on a finished run; a decisive run stops sending a probe's requests as soon
as `share_verdict` or `percentile_verdict` says the answer can no longer change.

Every bar rules a candidate out only on clear evidence, so that two runs drawing different
samples of the same offering reach the same verdict: shares (failed attempts, schema-valid
answers, needle recall, repeats that agree) when their whole 95 % Wilson interval lies past
the bar; percentiles (p95 TTFT and end to end) when their 95 % order-statistic lower bound is
over the budget, from MIN_PERCENTILE_N samples on. What the data cannot decide at a probe's
largest size (a p95 near the budget, a rare differing repeat) is not a failure: the catalog's
rank stands. A decisive run stops early only where its answer at full size is already known
(curtailment), so it decides as an exhaustive run would on the same answers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Literal

from probes.spec import WorkloadSpec
from probes.stats import quantile_bounds, wilson

MAX_ERROR_RATE = 0.05
"""More failed attempts than this, clearly, rule an offering out."""
MIN_SCHEMA_VALID = 0.95
"""Fewer schema-valid answers than this, clearly, rule an offering out of a JSON workload."""
MIN_RECALL = 0.9
"""Less long-context recall than this, clearly, rules an offering out."""
MIN_AGREEMENT = 0.6
"""Fewer repeats at temperature 0 than this giving the modal answer, clearly, rule an
offering out of a strict workload: it samples instead of repeating. A rarer difference (the
best-effort kind hosted APIs document) shows up in a probe's 16 repeats or not by chance, so
it is noted, never decisive."""
MIN_PERCENTILE_N = 5
"""A percentile rules an offering out only from this many samples on."""
CONFIDENCE = 0.95
"""Of every interval a bar is judged by."""
CONTEXT_SHARE = 0.5
"""The context probe decides only when the largest request reaches this share of the
window: below it, every offering in the catalog recalls well enough to make it moot."""

Verdict = Literal["pass", "fail", "open"]


def share_fails(good: float, n: int, bar: float) -> bool:
    """A share of `good` outcomes in `n` clearly under `bar`: its whole interval below."""
    return n > 0 and wilson(good, n)[1] < bar


def share_verdict(good: int, n: int, bar: float, most: int) -> Verdict:
    """Whether `good` of `n` already decides the bar: clearly under it (fail), clearly over
    it (pass), or so that the `most - n` answers still to come cannot change the verdict at
    `most` either way (curtailment: the exhaustive run's answer, known early)."""
    if share_fails(good, n, bar):
        return "fail"
    if wilson(good, n)[0] >= bar:
        return "pass"
    remaining = max(0, most - n)
    if not share_fails(good, most, bar):  # even if every remaining answer is bad
        return "pass"
    if share_fails(good + remaining, most, bar):  # even if every remaining one is good
        return "fail"
    return "open"


def bound_fails(lower: float | None, n: int, bar: float) -> bool:
    """A percentile clearly over `bar`: its lower bound `lower` (from `n` samples) above it."""
    return n >= MIN_PERCENTILE_N and lower is not None and lower > bar


def lower_bound(values: Sequence[float], q: float) -> float | None:
    """The one-sided lower bound on the q-th percentile of `values` that bars are judged by."""
    return quantile_bounds(values, q, CONFIDENCE)[0] if values else None


def percentile_fails(values: Sequence[float], q: float, bar: float) -> bool:
    """The q-th percentile of `values` is clearly over `bar`."""
    return bound_fails(lower_bound(values, q), len(values), bar)


def percentile_verdict(values: Sequence[float], q: float, bar: float, most: int) -> Verdict:
    """Whether `values` already decide the bar as `most` samples would: the lower bound is an
    order statistic, so it is over the bar once enough samples are; `fail` when that many
    already are, `pass` when the samples still to come (`most` less those sent) cannot make
    it so, else open. Requests that failed give no sample, so every final size between
    the samples now and `most` is considered."""
    over = sum(v > bar for v in values)
    remaining = max(0, most - len(values))
    if over >= _over_needed(max(most, len(values)), q) and len(values) >= MIN_PERCENTILE_N:
        return "fail"
    if all(over + extra < _over_needed(len(values) + extra, q) for extra in range(remaining + 1)):
        return "pass"
    return "open"


@functools.cache
def _over_needed(n: int, q: float) -> int:
    """How many of `n` samples must be over a bar for the percentile's lower bound to be
    (n + 1 when no count would do, or `n` is under MIN_PERCENTILE_N)."""
    if n < MIN_PERCENTILE_N:
        return n + 1
    lower = lower_bound(list(range(n)), q)  # the rank of the bound, as a value
    return n + 1 if lower is None else n - int(lower)


def needs_context(spec: WorkloadSpec, window: int | None) -> bool:
    """Whether long-context recall can decide this workload on an offering of `window`."""
    largest = spec.max_context_tokens + spec.output_tokens
    return window is None or largest >= CONTEXT_SHARE * window


def needed(kind: str, spec: WorkloadSpec, window: int | None) -> bool:
    """Whether probe `kind` can change this workload's plan, so a decisive run sends it.

    Latency decides the budgets and every timeout; determinism only a `strict` workload;
    structured output only a workload with a response schema; long context only a workload
    whose largest request comes near the window; modality only non-text inputs (a refusal is
    proof). Samples, retention, correctness and the rate-limit ramp inform a person, not the
    plan: a decisive run leaves them to `advisor probe`."""
    if kind == "latency":
        return True
    if kind == "determinism":
        return spec.strict_determinism
    if kind == "structured":
        return spec.response_schema is not None
    if kind == "context":
        return needs_context(spec, window)
    if kind == "modality":
        return any(m != "text" for m in spec.modalities)
    return False
