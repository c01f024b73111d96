"""The scenarios every gateway runs, and what holding one means.

A scenario sets the upstream deployments' modes, sends requests through the gateway, and
reads the upstream's log for who saw each request and who answered. Whatever the scenario,
a request must also keep the plan's rules:

- no deployment sees one request more often than the plan's attempts (no retry on a 4xx);
- the canary never sees a request another deployment failed (it is a share, not a fallback);
- the answer comes within the plan's failover budget: one hop (timeout × attempts) per
  deployment that failed it, plus ANSWER_ALLOWANCE_S for the gateway's own work.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from tests.export.conftest import binomial_range
from tests.gateways.drivers import Answer, Gateway, PortkeyGateway
from tests.gateways.upstream import Mode, Upstream

if TYPE_CHECKING:
    from tests.gateways.conftest import Suite

ANSWER_ALLOWANCE_S: Final = 3.0
"""The gateway's own time on a busy 2-core machine, beyond the planned hops."""
SPLIT_ALPHA: Final = 1e-6
"""A fair weighted draw lands outside the accepted range once in a million runs."""
FAILED: Final = frozenset({"500", "429", "reset", "down", "hang", "context"})
LONG_INPUT_WORDS: Final = 10_000
"""About 15,000 tokens: over the 8k windows, well within the context fallback's."""

CANARY_WEIGHT: Final = 0.2
"""The canary's planned share of `canary-chat` traffic."""

_tags = itertools.count(1)


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    workload: str
    expect: frozenset[str]
    """Deployments allowed to answer; empty: no answer is expected."""
    modes: dict[str, Mode] = field(default_factory=dict)
    requests: int = 3
    stream: bool = False
    long_input: bool = False
    canary_share: bool = False
    """Check the canary's count against its weight over the requests."""


PLAIN, CANARY = "support-chat", "canary-chat"
SCENARIOS: Final = (
    Scenario("healthy", "healthy", PLAIN, frozenset({"primary"})),
    Scenario("primary-500", "primary 500", PLAIN, frozenset({"fallback-1"}), {"primary": "500"}),
    Scenario("primary-429", "primary 429", PLAIN, frozenset({"fallback-1"}), {"primary": "429"}),
    Scenario("primary-down", "primary down", PLAIN, frozenset({"fallback-1"}), {"primary": "down"}),
    Scenario(
        "primary-reset", "primary reset", PLAIN, frozenset({"fallback-1"}), {"primary": "reset"}
    ),
    Scenario(
        "primary-hang",
        "primary hangs",
        PLAIN,
        frozenset({"fallback-1"}),
        {"primary": "hang"},
        requests=2,
    ),
    Scenario(
        "oversized", "oversized input", PLAIN, frozenset({"context"}), requests=1, long_input=True
    ),
    Scenario("streaming", "streaming", PLAIN, frozenset({"primary"}), requests=2, stream=True),
    Scenario(
        "canary-split",
        "canary split, 200 requests",
        CANARY,
        frozenset({"primary", "canary"}),
        requests=200,
        canary_share=True,
    ),
    # A refused connection leaves no trace upstream, so "down" is checked by the canary's
    # count; with 500s the upstream sees every hop, and a canary tried after the primary.
    Scenario(
        "canary-primary-down",
        "canary, primary down",
        CANARY,
        frozenset({"fallback-1", "canary"}),
        {"primary": "down"},
        requests=100,
        canary_share=True,
    ),
    Scenario(
        "canary-primary-500",
        "canary, primary 500",
        CANARY,
        frozenset({"fallback-1", "canary"}),
        {"primary": "500"},
        requests=100,
        canary_share=True,
    ),
    Scenario(
        "all-down",
        "all down",
        PLAIN,
        frozenset(),
        {"primary": "500", "fallback-1": "500", "context": "500", "canary": "500"},
        requests=2,
    ),
)


@dataclass(frozen=True)
class KnownBug:
    """A gateway bug that keeps a scenario from holding; the test checks it is still there
    (so a fixed gateway fails the test until docs and export headers are updated)."""

    signature: str
    note: str


KNOWN_BUGS: Final = {
    ("portkey", "streaming"): KnownBug(
        "TypeError: immutable",
        "gateway bug: every streamed request gets HTTP 500, `TypeError: immutable` in its log, "
        "with any config; workaround: `stream: false` through Portkey, or stream through "
        "another gateway (the export's `advisor.missing` says so)",
    ),
}


@dataclass
class Outcome:
    """How a scenario went: held or not, its slowest answer, what was seen, what broke."""

    gateway: str
    version: str
    scenario: Scenario
    seconds: float
    seen: str
    problems: list[str]
    note: str = ""

    @property
    def held(self) -> bool:
        return not self.problems

    def row(self) -> dict[str, object]:
        return {
            "gateway": self.gateway,
            "version": self.version,
            "scenario": self.scenario.id,
            "title": self.scenario.title,
            "held": self.held,
            "seconds": round(self.seconds, 2),
            "seen": self.seen,
            "problems": self.problems,
            "note": self.note,
        }


NOTES: Final = {
    ("portkey", "oversized"): "sent with the export's long_input_configs: Portkey cannot route "
    "by input size, and the export's `advisor.missing` tells the application to do this",
    ("tensorzero", "oversized"): "TensorZero cannot route by input size: each deployment of "
    "the chain refuses the input with a 400 (once) before the context fallback takes it",
    ("litellm", "canary-primary-500"): "the canary keeps its weighted share only: the export "
    "turns cooldowns off, so a dead primary never leaves the canary alone in its group",
    ("tensorzero", "canary-primary-500"): "the canary keeps its weighted share only: the "
    "canary variant's model holds the canary alone, the primary's routes over the fallbacks",
    ("litellm", "all-down"): "LiteLLM also tries the context fallback's group once the "
    "fallbacks are exhausted, though no context error occurred",
    **{
        (g, "canary-primary-down"): "a refused connection leaves no trace upstream, so this "
        "one is checked by the canary's count, which must stay within its share"
        for g in ("litellm", "portkey", "tensorzero")
    },
}
"""What the table says beside a scenario that holds in a way worth knowing."""


def check(
    scenario: Scenario, gateway: Gateway, suite: Suite, results: list[dict[str, object]]
) -> None:
    """Run `scenario`, record its row for docs/gateways.md, and fail unless it held (or,
    for a known gateway bug, unless the bug is still there)."""
    timeouts = suite.workload(scenario.workload).timeouts
    outcome = run(scenario, gateway, suite.upstream, timeouts.hop_s, timeouts.attempts)
    bug = KNOWN_BUGS.get((gateway.name, scenario.id))
    outcome.note = bug.note if bug else NOTES.get((gateway.name, scenario.id), "")
    results.append(outcome.row())
    if bug is None:
        assert outcome.held, outcome.problems
        return
    assert not outcome.held, (
        f"{gateway.name} {scenario.id} holds now: the known bug is gone; update KNOWN_BUGS, "
        "docs/gateways.md and the export's header"
    )
    assert bug.signature in gateway.output(), gateway.output()[-2000:]


def run(
    scenario: Scenario, gateway: Gateway, upstream: Upstream, hop_s: float, attempts: int
) -> Outcome:
    """Run `scenario` through `gateway` and check every request against the plan."""
    upstream.reset()
    upstream.set(**scenario.modes)
    answers: list[tuple[str, Answer]] = []
    try:
        for _ in range(scenario.requests):
            tag = f"req-{next(_tags)}"
            content = f"{tag} ping"
            if scenario.long_input:
                content += " lorem" * LONG_INPUT_WORDS
            if isinstance(gateway, PortkeyGateway):
                answer = gateway.chat(
                    scenario.workload,
                    content,
                    stream=scenario.stream,
                    long_input=scenario.long_input,
                )
            else:
                answer = gateway.chat(scenario.workload, content, stream=scenario.stream)
            answers.append((tag, answer))
    finally:
        ok: dict[str, Mode] = {name: "ok" for name in scenario.modes}
        upstream.set(**ok)  # releases hung requests
    problems: list[str] = []
    served: Counter[str | None] = Counter()
    for tag, answer in answers:
        path = upstream.path(tag)
        who = upstream.served(tag)
        served[who] += 1
        problems += _check_request(scenario, tag, answer, path, who, hop_s, attempts)
    if scenario.canary_share:
        problems += _check_share(scenario, served)
    seen = ", ".join(f"{who or 'no answer'} {n}/{len(answers)}" for who, n in served.most_common())
    paths = Counter(" → ".join(f"{d} {o}" for d, o in upstream.path(tag)) for tag, _ in answers)
    seen += "; paths: " + "; ".join(f"{p or 'none reached'} ×{n}" for p, n in paths.most_common(3))
    slowest = max(a.seconds for _, a in answers)
    return Outcome(gateway.name, gateway.version, scenario, slowest, seen, _dedupe(problems))


def _check_request(
    scenario: Scenario,
    tag: str,
    answer: Answer,
    path: list[tuple[str, str]],
    who: str | None,
    hop_s: float,
    attempts: int,
) -> list[str]:
    problems = []
    if scenario.expect:
        if not answer.ok:
            problems.append(f"HTTP {answer.status}: {answer.text[:200]}")
        elif who not in scenario.expect:
            problems.append(f"answered by {who}, expected {sorted(scenario.expect)}")
        elif tag not in answer.text:
            problems.append(f"the answer does not carry the request's tag: {answer.text[:80]!r}")
    elif answer.ok or who is not None:
        problems.append(f"answered by {who} with every deployment down")
    for deployment, count in Counter(d for d, _ in path).items():
        if count > attempts:
            outcomes = [o for d, o in path if d == deployment]
            problems.append(f"{deployment} saw one request {count}× ({outcomes}); plan: {attempts}")
    failed_before = False
    for deployment, outcome in path:
        if deployment == "canary" and failed_before:
            problems.append("the canary was tried after another deployment failed")
        failed_before = failed_before or outcome in FAILED
    failed_hops = len({d for d, o in path if o in FAILED})
    bound = failed_hops * hop_s + ANSWER_ALLOWANCE_S
    if answer.seconds > bound:
        problems.append(
            f"{answer.seconds:.2f} s to answer, over the failover budget of {bound:.2f} s "
            f"({failed_hops} failed hop(s) × {hop_s:g} s + {ANSWER_ALLOWANCE_S:g} s)"
        )
    return problems


def _check_share(scenario: Scenario, served: Counter[str | None]) -> list[str]:
    n = scenario.requests
    low, high = binomial_range(n, CANARY_WEIGHT, SPLIT_ALPHA)
    got = served["canary"]
    if not low <= got <= high:  # in an outage too: its share, no more, no less
        return [f"the canary served {got}/{n}, outside {low}..{high} for {CANARY_WEIGHT:.0%}"]
    return []


def _dedupe(problems: list[str]) -> list[str]:
    counts = Counter(problems)
    return [p if n == 1 else f"{p} (×{n})" for p, n in counts.items()]
