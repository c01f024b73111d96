"""The bars a probed offering must clear for a workload, and when a probe has seen enough.

One copy of each bar: the planner rules a candidate out with `share_fails` and
`percentile_fails` on a finished run; a decisive run stops sending a probe's requests as soon
as `share_verdict` or `percentile_verdict` says the answer can no longer change.

Shares (failed attempts, schema-valid answers, needle recall) rule a candidate out only on
clear evidence: the whole 95 % Wilson interval past the bar. Percentiles (p95 TTFT and end to
end) rule it out when the estimate is over the budget; a decisive run stops early when the
order-statistic lower bound of the percentile is already over it (clear failure), and
otherwise sends its maximum, which is what an exhaustive run sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from probes.spec import WorkloadSpec
from probes.stats import percentile, quantile_bounds, wilson

MAX_ERROR_RATE = 0.05
"""More failed attempts than this, clearly, rule an offering out."""
MIN_SCHEMA_VALID = 0.95
"""Fewer schema-valid answers than this, clearly, rule an offering out of a JSON workload."""
MIN_RECALL = 0.9
"""Less long-context recall than this, clearly, rules an offering out."""
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


def percentile_fails(values: Sequence[float], q: float, bar: float) -> bool:
    """The q-th percentile of `values` is over `bar`."""
    return bool(values) and percentile(values, q) > bar


def percentile_verdict(values: Sequence[float], q: float, bar: float, most: int) -> Verdict:
    """Clearly over `bar` (the percentile's 95 % lower bound over it), clearly under (its
    upper bound under it: 59 samples at least for a p95), or open; at `most` samples, the
    estimate decides as it does for the planner."""
    lower, upper = quantile_bounds(values, q)
    if lower is not None and lower > bar:
        return "fail"
    if upper is not None and upper <= bar:
        return "pass"
    if len(values) >= most:
        return "fail" if percentile_fails(values, q, bar) else "pass"
    return "open"


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
