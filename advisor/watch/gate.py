"""The judgement of a running canary: each of the plan's gates tested on the traffic a
source saw, and one verdict, `promote`, `hold` or `rollback`, with the reason.

Every gate becomes a share or a mean the canary must keep within its bar:

- `ttft_p95_ms <= L`: at most 5 % of answered canary requests take longer than L to their
  first token (`ttft_p99_ms`: at most 1 %);
- `error_rate <= e`: at most e of canary requests fail;
- `determinism_agreement >= a`: at most 1 - a of repeated answers disagree;
- `schema_validity >= v`: at most 1 - v of answers break the schema;
- `usd_per_1k <= c`: the mean cost per request stays within c / 1000.

The false-alarm rate `alpha` is spread over the gates judged (Bonferroni), so the chance a
healthy canary is ever rolled back is at most alpha, at every look (advisor.watch.sequential).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from advisor.plan.model import Canary, Gate, format_value
from advisor.watch.look import Arm, Look
from advisor.watch.sequential import MEAN_MIN_N, Decision, MeanTest, ShareTest, share_interval

Verdict = Literal["promote", "hold", "rollback"]
EXIT_STATUS: dict[Verdict, int] = {"promote": 0, "rollback": 1, "hold": 3}
"""What CI reads: 0 promote, 1 roll back, 3 hold (2 stays bad input)."""
DEFAULT_ALPHA = 0.05

QUANTILE_SHARE = {"ttft_p95_ms": 0.05, "ttft_p99_ms": 0.01}
"""A percentile gate as the share of requests allowed past its limit."""


@dataclass(frozen=True)
class Figure:
    """One arm's figure for a gate: the value people read, the share or mean tested, n and
    the interval of what is tested."""

    value: str
    tested: float | None
    n: int
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class GateResult:
    """One gate on this look: its decision, the canary's figure, the baseline's beside it."""

    gate: Gate
    decision: Decision | Literal["not judged"]
    canary: Figure | None
    baseline: Figure | None
    reason: str
    decide_at: int | None = None
    """The canary n at which this gate can pass if no more requests break it."""


@dataclass(frozen=True)
class Judgement:
    """The verdict of one look, every gate's result, and the numbers behind the verdict."""

    verdict: Verdict
    reason: str
    gates: tuple[GateResult, ...]
    alpha: float
    alpha_per_gate: float
    traffic: Look
    workload: str
    canary_key: str
    baseline_key: str
    weight: float

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.verdict]


def judge(
    canary: Canary,
    baseline_key: str,
    workload: str,
    traffic: Look,
    *,
    alpha: float = DEFAULT_ALPHA,
) -> Judgement:
    """Test every gate of `canary` on `traffic` and give the verdict."""
    judged = [g for g in canary.gates if _judgeable(g, traffic.canary)]
    per_gate = alpha / max(1, len(judged))
    results = tuple(_result(g, traffic, per_gate) for g in canary.gates)
    verdict, reason = _verdict(results)
    return Judgement(
        verdict,
        reason,
        results,
        alpha,
        per_gate,
        traffic,
        workload,
        canary.choice.key,
        baseline_key,
        canary.weight,
    )


def _judgeable(gate: Gate, arm: Arm) -> bool:
    if gate.metric in QUANTILE_SHARE or gate.metric == "error_rate":
        return True
    if gate.metric == "determinism_agreement":
        return arm.disagreements is not None
    if gate.metric == "schema_validity":
        return arm.schema_invalid is not None
    if gate.metric == "usd_per_1k":
        return arm.costs is not None
    return False


def _verdict(results: tuple[GateResult, ...]) -> tuple[Verdict, str]:
    failed = [r for r in results if r.decision == "fail"]
    if failed:
        return "rollback", "; ".join(f"{r.gate} failed: {r.reason}" for r in failed)
    judged = [r for r in results if r.decision != "not judged"]
    if not judged:
        return "hold", "this source reports none of the plan's gates"
    open_ = [r for r in judged if r.decision == "undecided"]
    skipped = [r for r in results if r.decision == "not judged"]
    unseen = f"; not judged: {', '.join(r.gate.metric for r in skipped)}" if skipped else ""
    if open_:
        waits = [r.decide_at for r in open_ if r.decide_at is not None]
        at = f"; the earliest promotion is at {max(waits):,} canary requests" if waits else ""
        names = ", ".join(r.gate.metric for r in open_)
        return "hold", f"undecided: {names}{at}{unseen}"
    return "promote", f"every judged gate passed{unseen}"


def _result(gate: Gate, traffic: Look, alpha: float) -> GateResult:
    canary, baseline = traffic.canary, traffic.baseline
    if not _judgeable(gate, canary):
        return GateResult(gate, "not judged", None, None, f"{traffic.source} does not report it")
    if gate.metric == "usd_per_1k":
        return _mean_gate(gate, canary, baseline, alpha)
    return _share_gate(gate, canary, baseline, alpha)


def _share_counts(gate: Gate, arm: Arm) -> tuple[int, int, int]:
    """(surely breaking, unsure, n) for a share gate on one arm."""
    if gate.metric in QUANTILE_SHARE:
        sure, unsure = arm.ttft_ms.over(gate.limit)
        return sure, unsure, arm.ttft_ms.n
    if gate.metric == "error_rate":
        return arm.errors, 0, arm.requests
    tally = arm.disagreements if gate.metric == "determinism_agreement" else arm.schema_invalid
    return (tally.hits, 0, tally.n) if tally else (0, 0, 0)


def _bar(gate: Gate) -> float:
    if gate.metric in QUANTILE_SHARE:
        return QUANTILE_SHARE[gate.metric]
    if gate.op == ">=":  # a floor on a good share is a ceiling on the bad one
        return max(0.0, 1.0 - gate.limit)
    return min(1.0, gate.limit)


def _share_figure(gate: Gate, arm: Arm, alpha: float) -> Figure:
    sure, unsure, n = _share_counts(gate, arm)
    low, high = share_interval(sure, n, alpha)
    if unsure:
        high = max(high, share_interval(sure + unsure, n, alpha)[1])
    if gate.metric in QUANTILE_SHARE:
        q = 1 - QUANTILE_SHARE[gate.metric]
        value = arm.ttft_ms.quantile(q)
        shown = "no answers" if value is None else format_value(value, "ms")
        over = f"{sure}" + (f"-{sure + unsure}" if unsure else "")
        text = f"{shown} ({over}/{n} over {format_value(gate.limit, 'ms')})"
    elif gate.op == ">=":
        text = f"{1 - sure / n:.1%} ({n - sure}/{n})" if n else "no requests"
    else:
        text = f"{sure / n:.1%} ({sure}/{n})" if n else "no requests"
    return Figure(text, sure / n if n else None, n, (low, high))


def _share_gate(gate: Gate, canary: Arm, baseline: Arm, alpha: float) -> GateResult:
    bar = _bar(gate)
    test = ShareTest(bar, alpha)
    sure, unsure, n = _share_counts(gate, canary)
    decision = test.decide(sure, n, unsure)
    what = _what(gate)
    if decision == "fail":
        reason = (
            f"{sure} of {n} canary requests {what}: more than {bar:.1%} of them, "
            f"with false-alarm rate {alpha:.2%}"
        )
    elif decision == "pass":
        reason = (
            f"{sure + unsure} of {n} {what}: within the {bar:.1%} bar (a canary at "
            f"{test.bad:.1%} passes this way {test.beta:.0%} of the time at most)"
        )
    else:
        reason = (
            f"{sure}{f'-{sure + unsure}' if unsure else ''} of {n} {what}; a rollback takes "
            f"at least {test.fail_at()} such requests, a pass comes at "
            f"{test.pass_at(sure + unsure):,} requests if no more do"
        )
    return GateResult(
        gate,
        decision,
        _share_figure(gate, canary, alpha),
        _share_figure(gate, baseline, alpha),
        reason,
        None if decision != "undecided" else test.pass_at(sure + unsure),
    )


def _what(gate: Gate) -> str:
    if gate.metric in QUANTILE_SHARE:
        return f"took over {format_value(gate.limit, 'ms')} to the first token"
    if gate.metric == "error_rate":
        return "failed"
    if gate.metric == "determinism_agreement":
        return "disagreed"
    return "broke the schema"


def _mean_figure(arm: Arm, test: MeanTest) -> Figure:
    costs = arm.costs
    if costs is None or costs.n == 0:
        return Figure("no priced requests", None, 0, None)
    low, high = test.interval(costs.n, costs.mean, costs.sd)
    interval = (max(0.0, low), high) if costs.n >= 2 else None
    return Figure(format_value(1000 * costs.mean, "USD/1k"), costs.mean, costs.n, interval)


def _mean_gate(gate: Gate, canary: Arm, baseline: Arm, alpha: float) -> GateResult:
    test = MeanTest(gate.limit / 1000, alpha)
    costs = canary.costs
    assert costs is not None  # _judgeable
    decision = test.decide(costs.n, costs.mean, costs.sd)
    figure = _mean_figure(canary, test)
    limit = format_value(gate.limit, "USD/1k")
    if decision == "fail":
        reason = f"the canary's cost is above {limit} at every n, false-alarm rate {alpha:.2%}"
    elif decision == "pass":
        reason = f"the canary's cost stays within {limit}"
    else:
        reason = f"the canary's cost may be either side of {limit} over {costs.n} requests"
    at = None if decision != "undecided" else max(MEAN_MIN_N, costs.n + 1)
    return GateResult(gate, decision, figure, _mean_figure(baseline, test), reason, at)


def judgement_json(j: Judgement) -> dict[str, object]:
    """The judgement for CI: verdict, exit status, reason, and every gate's figures."""

    def figure(f: Figure | None) -> dict[str, object] | None:
        if f is None:
            return None
        interval = list(f.interval) if f.interval else None
        return {"value": f.value, "tested": f.tested, "n": f.n, "interval": interval}

    return {
        "verdict": j.verdict,
        "exit_status": j.exit_status,
        "reason": j.reason,
        "workload": j.workload,
        "canary": j.canary_key,
        "baseline": j.baseline_key,
        "weight": j.weight,
        "source": j.traffic.source,
        "notes": list(j.traffic.notes),
        "alpha": j.alpha,
        "alpha_per_gate": j.alpha_per_gate,
        "requests": {"canary": j.traffic.canary.requests, "baseline": j.traffic.baseline.requests},
        "gates": [
            {
                "gate": str(r.gate),
                "metric": r.gate.metric,
                "limit": r.gate.limit,
                "op": r.gate.op,
                "decision": r.decision,
                "canary": figure(r.canary),
                "baseline": figure(r.baseline),
                "reason": r.reason,
                "decide_at": r.decide_at,
            }
            for r in j.gates
        ],
    }
