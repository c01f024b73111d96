"""Drift between two runs of the same workloads: for each offering and metric, `drifted`,
`stable` or `cannot tell` (too few samples), never a bare percentage.

What is compared, per (workload, offering), over the attempts each run answered:

| metric | test | drifted when |
|---|---|---|
| `output_length` | Mann-Whitney on output tokens per answer | significant, median moved ≥ 10 % |
| `output_tokens` | permutation test (answers shuffled) on the Jensen-Shannon divergence of word frequencies | significant, divergence ≥ 0.02 |
| `ttft_p95`, `ttft_p99`, `e2e_p95`, `e2e_p99` | permutation test on the percentile's gap, bootstrap interval | significant, moved ≥ 25 % |
| `schema_valid_rate`, `agreement` | Fisher's exact test, Newcombe interval | significant, moved ≥ 5 points |
| `fingerprint`, `model` | the most common value after was never seen before | always (a fact, not a test) |

"Significant" is after Holm's correction over every test of the comparison (all offerings,
all metrics), at a family-wise 1 %: two runs of unchanged offerings show no drift at all in
about 99 % of comparisons. A shift that is significant but smaller than the metric's
floor is stable: the floors keep a busier hour from reading as drift.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from random import Random
from typing import Literal

from advisor.watch import twosample
from probes.compare import Observed, observed
from probes.stats import percentile
from probes.store import RunStore

State = Literal["drifted", "stable", "cannot tell"]

ALPHA = 0.01
"""The family-wise false-alarm rate of one comparison: a drift alarm that fails CI should
be wrong about once in a hundred comparisons of unchanged offerings, not once in twenty."""
MIN_ANSWERS = 8
"""Answers a side needs before output lengths and words are compared."""
MIN_TAIL = {95: 20, 99: 100}
"""Latencies a side needs before a percentile is compared: below these the percentile is
little more than the largest value."""
MIN_SHARE_N = 10
LENGTH_FLOOR = 0.10
TAIL_FLOOR = 0.25
"""A tail percentile moves this much between runs of an unchanged offering when the machine
or the provider is busier at one time than the other: less is not called drift."""
SHARE_FLOOR = 0.05
DIVERGENCE_FLOOR = 0.02
"""Word frequencies of a few dozen answers of one unchanged model differ by about 0.01 bits
between runs; two models' by far more. Below this, a significant difference is stable."""
VOCABULARY = 40
"""Word frequencies compare the most common words of both runs, the rest pooled as one."""
WORD = re.compile(r"\w+")
"""Words only: punctuation follows sentence length, which `output_length` already judges."""


@dataclass(frozen=True)
class Finding:
    """One metric of one offering in two runs, and what it says."""

    workload: str
    offering: str
    metric: str
    state: State
    before: float | str | None
    after: float | str | None
    n_before: int
    n_after: int
    unit: str = ""
    interval: tuple[float, float] | None = None
    """95 % interval of after − before, where the metric has one."""
    p_value: float | None = None
    p_adjusted: float | None = None
    """After Holm's correction over the whole comparison."""
    divergence: float | None = None
    """Jensen-Shannon divergence of the word frequencies (0 same, 1 disjoint)."""
    reason: str = ""


@dataclass(frozen=True)
class Drift:
    """A comparison of two runs."""

    before: int
    after: int
    findings: list[Finding]
    alpha: float = ALPHA

    @property
    def drifted(self) -> list[Finding]:
        return [f for f in self.findings if f.state == "drifted"]


def compare_drift(store: RunStore, before: int, after: int) -> Drift:
    """Judge run `after` against run `before`, every offering both measured."""
    return Drift(before, after, judge(observed(store, before), observed(store, after), before))


def judge(
    before: dict[tuple[str, str], Observed],
    after: dict[tuple[str, str], Observed],
    salt: object = 0,
) -> list[Finding]:
    """Every finding, Holm-corrected together; a (workload, offering) only one run measured
    is `cannot tell`.
    `salt` seeds the random draws (with each pair and metric), so a verdict repeats."""
    raw: list[tuple[Finding, float | None]] = []
    for key in sorted(before.keys() | after.keys()):
        if key not in before or key not in after:
            which = "the later" if key in after else "the earlier"
            alone = Finding(*key, "answers", "cannot tell", None, None, 0, 0)
            raw.append((replace(alone, reason=f"only {which} run measured it"), None))
            continue
        for n, metric in enumerate(METRICS):
            found = metric(key, before[key], after[key], Random(f"{salt}:{key}:{n}"))
            if found is not None:
                raw.append(found)
    tested = [i for i, (f, _) in enumerate(raw) if f.p_value is not None]
    adjusted = twosample.holm([raw[i][0].p_value or 0.0 for i in tested])
    out = [f for f, _ in raw]
    for i, p in zip(tested, adjusted, strict=True):
        finding, effect = raw[i]
        significant = p < ALPHA
        big = effect is None or effect >= 1.0
        state: State = "drifted" if significant and big else "stable"
        reason = (
            f"p = {p:.2g} after correction"
            if state == "drifted"
            else (
                "significant but within the floor"
                if significant
                else f"no significant change (p = {p:.2g} after correction)"
            )
        )
        out[i] = replace(finding, state=state, p_adjusted=p, reason=reason)
    return out


Metric = Callable[
    [tuple[str, str], Observed, Observed, Random], tuple[Finding, float | None] | None
]


def _finding(
    key: tuple[str, str], metric: str, a: Sequence[object], b: Sequence[object]
) -> Finding:
    return Finding(key[0], key[1], metric, "stable", None, None, len(a), len(b))


def _too_few(
    key: tuple[str, str], metric: str, a: Sequence[object], b: Sequence[object], need: int
) -> Finding:
    return replace(
        _finding(key, metric, a, b),
        state="cannot tell",
        reason=f"too few samples: {len(a)} and {len(b)}, {need} a side needed",
    )


def _length(
    key: tuple[str, str], a: Observed, b: Observed, rng: Random
) -> tuple[Finding, float | None]:
    x, y = a.output_tokens, b.output_tokens
    if min(len(x), len(y)) < MIN_ANSWERS:
        return _too_few(key, "output_length", x, y, MIN_ANSWERS), None
    before, after = percentile(x, 50), percentile(y, 50)
    found = replace(
        _finding(key, "output_length", x, y),
        before=before,
        after=after,
        unit="tokens (median)",
        interval=twosample.bootstrap_shift(x, y, 50, rng),
        p_value=twosample.mann_whitney(x, y),
    )
    return found, _relative(before, after) / LENGTH_FLOOR


def _words(
    key: tuple[str, str], a: Observed, b: Observed, rng: Random
) -> tuple[Finding, float | None]:
    x, y = a.outputs, b.outputs
    if min(len(x), len(y)) < MIN_ANSWERS:
        return _too_few(key, "output_tokens", x, y, MIN_ANSWERS), None
    counts = [Counter(WORD.findall(text.lower())) for text in (*x, *y)]
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    common = [w for w, _ in total.most_common(VOCABULARY)]
    vectors = [_vector(c, common) for c in counts]
    units_a, units_b = vectors[: len(x)], vectors[len(x) :]
    divergence = _divergence(units_a, units_b)
    found = replace(
        _finding(key, "output_tokens", x, y),
        unit="word frequencies",
        divergence=divergence,
        p_value=twosample.permutation_p(units_a, units_b, _divergence, rng),
    )
    return found, divergence / DIVERGENCE_FLOOR


def _vector(counts: Counter[str], common: list[str]) -> tuple[int, ...]:
    inside = [counts[w] for w in common]
    return (*inside, sum(counts.values()) - sum(inside))


def _divergence(a: Sequence[tuple[int, ...]], b: Sequence[tuple[int, ...]]) -> float:
    return twosample.jensen_shannon(
        [sum(col) for col in zip(*a, strict=True)], [sum(col) for col in zip(*b, strict=True)]
    )


def _tail(name: str, q: int) -> Metric:
    metric = f"{name}_p{q}"

    def judge_tail(
        key: tuple[str, str], a: Observed, b: Observed, rng: Random
    ) -> tuple[Finding, float | None]:
        x, y = getattr(a, f"{name}_ms"), getattr(b, f"{name}_ms")
        if min(len(x), len(y)) < MIN_TAIL[q]:
            return _too_few(key, metric, x, y, MIN_TAIL[q]), None
        before, after = percentile(x, q), percentile(y, q)
        found = replace(
            _finding(key, metric, x, y),
            before=before,
            after=after,
            unit="ms",
            interval=twosample.bootstrap_shift(x, y, q, rng),
            p_value=twosample.permutation_p(x, y, twosample.quantile_gap(q), rng),
        )
        return found, _relative(before, after) / TAIL_FLOOR

    return judge_tail


def _share(figure: str) -> Metric:
    metric = figure.split(".")[1]

    def judge_share(
        key: tuple[str, str], a: Observed, b: Observed, rng: Random
    ) -> tuple[Finding, float | None] | None:
        if figure not in a.shares or figure not in b.shares:
            return None
        (p1, n1), (p2, n2) = a.shares[figure], b.shares[figure]
        if min(n1, n2) < MIN_SHARE_N:
            found = Finding(*key, metric, "cannot tell", p1, p2, n1, n2, "share")
            return replace(
                found, reason=f"too few samples: {n1} and {n2}, {MIN_SHARE_N} a side needed"
            ), None
        k1, k2 = round(p1 * n1), round(p2 * n2)
        found = Finding(
            *key,
            metric,
            "stable",
            p1,
            p2,
            n1,
            n2,
            "share",
            interval=twosample.newcombe(k1, n1, k2, n2),
            p_value=twosample.fisher_exact(k1, n1, k2, n2),
        )
        return found, abs(p2 - p1) / SHARE_FLOOR

    return judge_share


def _identity(name: str, what: str) -> Metric:
    def judge_identity(
        key: tuple[str, str], a: Observed, b: Observed, rng: Random
    ) -> tuple[Finding, float | None] | None:
        x, y = getattr(a, name), getattr(b, name)
        if not x and not y:
            return None
        if not x or not y:
            return replace(
                _finding(key, what, x, y),
                state="cannot tell",
                reason=f"only one run reports a {what}",
            ), None
        before, after = Counter(x).most_common(1)[0][0], Counter(y).most_common(1)[0][0]
        new = after not in set(x)
        found = replace(
            _finding(key, what, x, y),
            state="drifted" if new else "stable",
            before=before,
            after=after,
            reason=f"a {what} the earlier run never reported" if new else f"the same {what}",
        )
        return found, None

    return judge_identity


def _relative(before: float, after: float) -> float:
    return abs(after - before) / abs(before) if before else float("inf") if after else 0.0


METRICS: tuple[Metric, ...] = (
    _length,
    _words,
    _tail("ttft", 95),
    _tail("ttft", 99),
    _tail("e2e", 95),
    _tail("e2e", 99),
    _share("structured.schema_valid_rate"),
    _share("determinism.agreement"),
    _identity("fingerprints", "fingerprint"),
    _identity("models", "model"),
)
