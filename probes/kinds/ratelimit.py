"""Rate limits: an open-loop ramp (doubling the rate each step) until the first 429, what the
server said (`retry-after`, `x-ratelimit-*` / `anthropic-ratelimit-*`), and whether requests
succeed again once the wait has passed.

No request is retried by the harness: the ramp stops at the first step that saw a 429, and a
recovery batch is sent, one request at a time, only after the longest `retry-after`.
"""

from __future__ import annotations

from probes.clients import ChatRequest
from probes.clients.base import retry_after_seconds
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings
from probes.load import Load
from probes.spec import WorkloadSpec
from probes.targets import Target

START_RPS = 1.0
MIN_TOP_RPS = 16.0
RECOVERY_REQUESTS = 3
PROMPT = [{"role": "user", "content": "Reply with the word ok."}]
LIMIT_HEADERS = ("x-ratelimit-", "anthropic-ratelimit-", "retry-after")


def ramp(peak_rps: float | None) -> list[float]:
    """Rates from START_RPS doubling to at least twice the workload's peak (16/s at least)."""
    top = max(MIN_TOP_RPS, 2 * (peak_rps or 0))
    rates, rate = [], START_RPS
    while rate <= top:
        rates.append(rate)
        rate *= 2
    return rates


class RateLimit:
    name = "ratelimit"
    needs = "the request rate at which the provider starts answering 429, and recovery"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        request = ChatRequest(messages=PROMPT, max_tokens=4)
        batches = [
            Batch(
                f"{rate:g}/s",
                [request] * max(1, int(rate * settings.ramp_step_s)),
                Load(mode="open", rate=rate),
                stop_on="http_429",
            )
            for rate in ramp(spec.peak_rps)
        ]
        batches.append(Batch("recovery", [request] * RECOVERY_REQUESTS, Load(), after_stop=True))
        return batches

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        steps = [(label, rows) for label, rows in sent.items() if label != "recovery"]
        first = next(
            ((label, rows) for label, rows in steps if any(_limited(s) for s in rows)), None
        )
        total = sum(len(rows) for _, rows in steps)
        per_step = {
            label: {
                "sent": len(rows),
                "429": sum(_limited(s) for s in rows),
                "ok": sum(s.ok for s in rows),
            }
            for label, rows in steps
        }
        figures = [
            Figure(
                "first_429_rps",
                float(first[0].removesuffix("/s")) if first else None,
                total,
                "requests/s",
                {"steps": per_step, "highest_rate_tried": steps[-1][0] if steps else None},
            )
        ]
        if first is not None:
            limited = next(s for s in first[1] if _limited(s))
            headers = limited.timed.headers if limited.timed else {}
            figures.append(
                Figure(
                    "retry_after_s",
                    _seconds(headers),
                    1,
                    "s",
                    {"headers": {k: v for k, v in headers.items() if k.startswith(LIMIT_HEADERS)}},
                )
            )
            recovery = sorted(sent.get("recovery", []), key=lambda s: s.index)
            figures.append(
                Figure(
                    "first_after_wait_ok",
                    float(recovery[0].ok) if recovery else None,
                    len(recovery[:1]),
                    "bool",
                    {"outcomes": [s.reply.outcome for s in recovery]},
                )
            )
        return figures


def _limited(s: Sent) -> bool:
    return s.reply.outcome == "http_429"


def _seconds(headers: dict[str, str]) -> float | None:
    return retry_after_seconds(headers)
