"""Correctness under load: the workload's checkable requests answered one at a time, then
again open loop at its peak rate. Are the answers as right under load as at rest?

Checkable requests are the workload's samples that have an `expected` answer or fall under
its response schema. A workload with none gets synthetic number-word conversions, whose
right answer is known (after llmperf's correctness test): `Convert the following sequence
of words into a number: seven one four two. Output just your final answer.`

- At rest: each checkable request in turn, one at a time (at least MIN_REST, cycling).
- Under load: the same requests cycled open loop at the workload's `peak_rps` (DEFAULT_RATE
  when it declares none, at most MAX_RATE) for `settings.load_seconds`: at most MAX_LOAD
  requests, and no more than fit in BUDGET_SHARE of the run's cap at the offering's worst
  case (at least one of each request).

The positive requirement is the right answer: `expected`, or the number. Its chance level
(what a model that picks any schema-valid answer scores) is reported beside each share: 0
for number words and free text, 1/k for a label among k enum values, and 100 % for a sample
with a schema but no `expected` under the engine's constrained decoding, where validity is
all that is checked and any model meets it: give such samples an `expected`.

An answer is correct when the request succeeded, agrees with `expected` (or holds the
number), and satisfies the schema where there is one; errors count as not correct, requests
never sent (over the cap, cancelled) are left out. The
figures compare the correct (and schema-valid) shares at rest and under load, how many
answers under load differ from the same request's answer at rest, and latency at the rate.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema

from probes.clients import ChatRequest
from probes.harness import Sent, worst_case_cost
from probes.kinds.base import Batch, Figure, Settings, outcome_counts
from probes.kinds.samples import agrees, guess_chance, sample_requests
from probes.kinds.structured import check_json
from probes.load import Load
from probes.spec import WorkloadSpec
from probes.stats import summarise
from probes.targets import Target

MIN_REST = 6
DEFAULT_RATE = 5.0
"""Requests per second when the workload declares no peak."""
MAX_RATE = 50.0
"""A peak above this is probed at this: enough to load a provider, not to stress-test it."""
MAX_LOAD = 300
BUDGET_SHARE = 0.1
"""The load may take at most this share of the run's cap, per offering."""
SYNTHETIC = 8
DIGIT_WORDS = tuple("zero one two three four five six seven eight nine".split())
NUMBER_PROMPT = (
    "Convert the following sequence of words into a number: {words}. Output just your final answer."
)
_NUMBER_ASKED = re.compile(r"into a number: ([a-z ]+)\.")


@dataclass(frozen=True)
class Verdict:
    correct: bool
    valid: bool | None
    """Schema validity, where the workload has a schema."""


Judge = Callable[[Sent], Verdict]


def checkable_samples(spec: WorkloadSpec) -> list[int]:
    """Indexes of the samples whose answers can be checked."""
    return [
        i
        for i, sample in enumerate(spec.samples)
        if sample.expected is not None or spec.response_schema is not None
    ]


def number_requests(seed: int, temperature: float | None = 0.0) -> list[ChatRequest]:
    """Number-word conversions of four to eight digits, the same for a given seed."""
    rng = random.Random(seed)
    requests = []
    for _ in range(SYNTHETIC):
        digits = [rng.randrange(10) for _ in range(rng.randint(4, 8))]
        words = " ".join(DIGIT_WORDS[d] for d in digits)
        requests.append(
            ChatRequest(
                messages=[{"role": "user", "content": NUMBER_PROMPT.format(words=words)}],
                max_tokens=16,
                temperature=temperature,
            )
        )
    return requests


def load_rate(spec: WorkloadSpec) -> float:
    """The rate of the load phase, in requests per second."""
    return min(spec.peak_rps or DEFAULT_RATE, MAX_RATE)


class Correctness:
    name = "correctness"
    needs = "answers as right at the workload's peak rate as one at a time"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        indexes = checkable_samples(spec)
        if indexes:
            everyone = sample_requests(spec, target)
            requests = [everyone[i] for i in indexes]
        else:
            fixed = target.offering.determinism.temperature is False
            requests = number_requests(settings.seed, None if fixed else 0.0)
        rest = [requests[i % len(requests)] for i in range(max(MIN_REST, len(requests)))]
        rate = load_rate(spec)
        count = min(MAX_LOAD, round(rate * settings.load_seconds))
        worst = max(worst_case_cost(target.offering, r) for r in requests)
        if settings.budget_usd is not None and worst > 0:
            count = min(count, int(BUDGET_SHARE * settings.budget_usd / worst))
        count = max(count, len(requests))
        load = [requests[i % len(requests)] for i in range(count)]
        return [
            Batch("rest", rest, Load(concurrency=1)),
            Batch("load", load, Load(mode="open", rate=rate)),
        ]

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        judge = _judge_for(spec)
        rest = sorted(sent.get("rest", []), key=lambda s: s.index)
        load = sorted(sent.get("load", []), key=lambda s: s.index)
        figures: list[Figure] = []
        for phase, rows in (("rest", rest), ("load", load)):
            # Requests never sent (over the cap, cancelled) are neither right nor wrong.
            sent_rows = [s for s in rows if s.timed is not None]
            verdicts = [judge(s) for s in sent_rows]
            n = len(verdicts)
            chances = [_chance(spec, s) for s in sent_rows]
            figures.append(
                Figure(
                    f"{phase}_correct_share",
                    sum(v.correct for v in verdicts) / n if n else None,
                    n,
                    "share",
                    {
                        "outcomes": outcome_counts(rows),
                        "chance": sum(chances) / n if n else None,
                    },
                )
            )
            if spec.response_schema is not None:
                native = any(s.request.response_schema is not None for s in sent_rows)
                figures.append(
                    Figure(
                        f"{phase}_valid_share",
                        sum(bool(v.valid) for v in verdicts) / n if n else None,
                        n,
                        "share",
                        {"chance": 1.0 if native else 0.0},
                    )
                )
        figures.append(_same_as_rest(rest, load, len(checkable_samples(spec)) or SYNTHETIC))
        figures += _latency(rest, load)
        figures.append(_rate(spec, load))
        return figures


def _judge_for(spec: WorkloadSpec) -> Judge:
    """How an answer is judged: against the sample it came from, or the number asked."""
    validator = (
        jsonschema.validators.validator_for(spec.response_schema)(spec.response_schema)
        if spec.response_schema is not None
        else None
    )
    indexes = checkable_samples(spec)

    def sample(s: Sent) -> Verdict:
        if not s.ok:
            return Verdict(False, None if validator is None else False)
        expected = spec.samples[indexes[s.index % len(indexes)]].expected
        valid = None if validator is None else check_json(s.reply.text, validator) == "valid"
        right = (expected is None or agrees(s.reply.text, expected)) and valid is not False
        return Verdict(right, valid)

    def number(s: Sent) -> Verdict:
        asked = _NUMBER_ASKED.search(str(s.request.messages[-1]["content"]))
        digits = "".join(str(DIGIT_WORDS.index(w)) for w in asked[1].split()) if asked else ""
        found = re.search(rf"(?<!\d){digits}(?!\d)", s.reply.text.replace(",", ""))
        return Verdict(s.ok and bool(digits) and found is not None, None)

    return sample if indexes else number


def _chance(spec: WorkloadSpec, s: Sent) -> float:
    """What a model picking any valid answer scores on this request (see the module notes)."""
    indexes = checkable_samples(spec)
    if not indexes:
        return 0.0
    expected = spec.samples[indexes[s.index % len(indexes)]].expected
    if expected is None:
        return 1.0 if s.request.response_schema is not None else 0.0
    return guess_chance(expected, spec.response_schema)


def _same_as_rest(rest: list[Sent], load: list[Sent], distinct: int) -> Figure:
    """Answers under load identical to the same request's first answer at rest. Both phases
    cycle through the same `distinct` requests, so a request is its index modulo that."""
    at_rest: dict[int, str] = {}
    for s in rest:
        if s.ok:
            at_rest.setdefault(s.index % distinct, s.reply.text)
    pairs = [
        (s.reply.text, at_rest[s.index % distinct])
        for s in load
        if s.ok and s.index % distinct in at_rest
    ]
    same = sum(a == b for a, b in pairs)
    return Figure("same_as_rest_share", same / len(pairs) if pairs else None, len(pairs), "share")


def _latency(rest: list[Sent], load: list[Sent]) -> list[Figure]:
    figures = []
    for metric, rows, pick, percentiles in (
        ("rest_ttft_ms", rest, "ttft", (50, 95)),
        ("rest_e2e_ms", rest, "e2e", (50, 95)),
        ("load_ttft_ms", load, "ttft", (50, 95)),
        ("load_e2e_ms", load, "e2e", (50, 95)),
        ("load_send_lag_ms", load, "lag", (99,)),
    ):
        values = [v for s in rows if (v := _value(s, pick)) is not None]
        summary = summarise(values)
        if summary is None:
            continue
        for q in percentiles:
            value = {50: summary.p50, 95: summary.p95, 99: summary.p99}[q]
            figures.append(Figure(f"{metric}_p{q}", value, summary.n, "ms"))
    return figures


def _value(s: Sent, pick: str) -> float | None:
    if pick == "lag":
        return s.send_lag_ms
    if not s.ok:
        return None
    return s.ttft_ms if pick == "ttft" else s.e2e_ms


def _rate(spec: WorkloadSpec, load: list[Sent]) -> Figure:
    sent_at = sorted(s.timed.sent_ns for s in load if s.timed is not None)
    achieved = (
        (len(sent_at) - 1) / ((sent_at[-1] - sent_at[0]) / 1e9)
        if len(sent_at) > 1 and sent_at[-1] > sent_at[0]
        else None
    )
    detail: dict[str, Any] = {
        "achieved_rps": achieved,
        "declared_peak_rps": spec.peak_rps,
        "capped": spec.peak_rps is not None and spec.peak_rps > MAX_RATE,
    }
    return Figure("load_rate_rps", load_rate(spec), len(load), "requests/s", detail)
