"""Latency: TTFT, ITL, E2E and chunk gaps on prompts of the workload's size, and goodput
against its latency budget."""

from __future__ import annotations

from probes.clients import ChatRequest
from probes.decide import (
    MAX_ERROR_RATE,
    Verdict,
    lower_bound,
    percentile_verdict,
    share_verdict,
)
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings, messages, outcome_counts
from probes.kinds.replayed import REPLAY, replayed
from probes.prompts import sized_prompt
from probes.spec import WorkloadSpec
from probes.stats import summarise
from probes.targets import Target

DECISIVE_STEP = 5
"""A decisive run sends the latency probe this many at a time: the least that can show a
p95 clearly over its budget (the 4th of 5 bounds it from below with 97.7 % confidence)."""


BARRED = ("ttft_ms", "e2e_ms")
"""Metrics a workload's latency budget bars: their p95 comes with its 95 % lower bound."""


class Latency:
    name = "latency"
    needs = "time to first token, inter-token latency and end-to-end time under the chosen load"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        trace = settings.traces.get(spec.name)
        if trace is not None:
            return [Batch(REPLAY, replayed(spec, trace), trace.load, timed=True)]
        requests = [
            ChatRequest(
                messages=messages(
                    spec,
                    sized_prompt(
                        spec.context_tokens, seed=i, nonce_key=settings.nonce_key(spec.name, i)
                    ),
                ),
                max_tokens=max(1, spec.output_tokens),
            )
            for i in range(settings.requests)
        ]
        if not settings.decisive:
            return [Batch("load", requests, settings.load, timed=True)]
        most = len(requests)
        step = min(most, DECISIVE_STEP)

        def verdict(sent: list[Sent]) -> Verdict:
            return _verdict(spec, sent, most)

        return [Batch("load", requests, settings.load, step=step, verdict=verdict, timed=True)]

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        from_log = REPLAY in sent
        batch = sent[REPLAY] if from_log else sent["load"]
        ok = [s for s in batch if s.ok]
        figures = []
        for metric, values in (
            ("ttft_ms", [v for s in ok if (v := s.ttft_ms) is not None]),
            ("e2e_ms", [v for s in ok if (v := s.e2e_ms) is not None]),
            ("itl_ms", [v for s in ok if (v := _itl(s)) is not None]),
            ("chunk_gap_ms", [g / 1e6 for s in ok for g in s.reply.gaps_ns]),
            ("send_lag_ms", [v for s in batch if (v := s.send_lag_ms) is not None]),
        ):
            summary = summarise(values)
            if summary is not None:
                figures.append(
                    Figure(f"{metric}_p50", summary.p50, summary.n, "ms", summary.as_dict())
                )
                figures.append(Figure(f"{metric}_p95", summary.p95, summary.n, "ms"))
                figures.append(Figure(f"{metric}_p99", summary.p99, summary.n, "ms"))
                if metric in BARRED:
                    # The planner's bar is judged by this bound, not by the estimate above.
                    low = lower_bound(values, 95)
                    figures.append(Figure(f"{metric}_p95_lower", low, summary.n, "ms"))
        meeting = [s for s in ok if _meets(spec, s)]
        figures.append(
            Figure(
                "goodput_share",
                len(meeting) / len(batch) if batch else None,
                len(batch),
                "share",
                {
                    "outcomes": outcome_counts(batch),
                    "budget_ttft_ms": spec.ttft_p95_ms,
                    "budget_e2e_ms": spec.e2e_p95_ms,
                    "arrivals": "a request log's, replayed" if from_log else "the probe's load",
                },
            )
        )
        return figures


def _verdict(spec: WorkloadSpec, sent: list[Sent], most: int) -> Verdict:
    """Whether these answers already decide the workload's latency bars and error bar; a
    workload without a latency budget is decided by the first step (its timeouts need
    figures, not a verdict)."""
    ok = [s for s in sent if s.ok]
    verdicts = [share_verdict(len(ok), len(sent), 1 - MAX_ERROR_RATE, most)]
    for budget, values in (
        (spec.ttft_p95_ms, [v for s in ok if (v := s.ttft_ms) is not None]),
        (spec.e2e_p95_ms, [v for s in ok if (v := s.e2e_ms) is not None]),
    ):
        if budget is not None:
            verdicts.append(percentile_verdict(values, 95, budget, most))
    if "fail" in verdicts:
        return "fail"
    if len(verdicts) == 1 or all(v == "pass" for v in verdicts):
        return "pass"
    return "open"


def _itl(s: Sent) -> float | None:
    """(E2E − TTFT) / (output tokens − 1), from the server's token count."""
    tokens = s.reply.output_tokens
    ttft, e2e = s.ttft_ms, s.e2e_ms
    if tokens is None or tokens < 2 or ttft is None or e2e is None:
        return None
    return (e2e - ttft) / (tokens - 1)


def _meets(spec: WorkloadSpec, s: Sent) -> bool:
    ttft, e2e = s.ttft_ms, s.e2e_ms
    if spec.ttft_p95_ms is not None and (ttft is None or ttft > spec.ttft_p95_ms):
        return False
    return not (spec.e2e_p95_ms is not None and (e2e is None or e2e > spec.e2e_p95_ms))
