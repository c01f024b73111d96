"""The scenarios every gateway runs, and what holding one means.

A scenario sets the upstream deployments' modes, sends requests through the gateway, and
reads the upstream's log for who saw each request and who answered. Whatever the scenario,
a request must also keep the plan's rules:

- no deployment sees one request more often than the plan's attempts (no retry on a 4xx);
- the canary never sees a request another deployment failed (it is a share, not a fallback);
- in an outage the canary takes no request at all, once the gateway has seen the primary
  fail: a gateway that learns the primary's health from its answers (the LiteLLM export's
  plugin) can only know of an outage after one of its requests failed, so the scenarios
  of an outage first send requests until one has reached the primary (SETTLE_MAX), and
  count only those after it;
- the answer (or the error, with every deployment down) comes within the workload's latency
  budget: the plan splits it so that a hung primary's timeout, the fallback's answer and the
  gateway's own work fit (advisor.plan.timeouts), and the suite allows nothing beyond it.
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

SPLIT_ALPHA: Final = 1e-6
"""A fair weighted draw lands outside the accepted range once in a million runs."""
FAILED: Final = frozenset({"500", "429", "reset", "down", "hang", "context"})
SETTLE_MAX: Final = 20
"""Requests an outage scenario may send before one reaches the primary: each is the
canary's with the canary's weight at most, so 20 all missing it is a broken gateway."""
LONG_INPUT_WORDS: Final = 10_000
"""About 15,000 tokens: over the 8k windows, well within the context fallback's."""

CANARY_WEIGHT: Final = 0.2
"""The canary's planned share of `canary-chat` traffic."""
CANARY_GATE: Final = ("primary", "canary")
"""A request both answered, the client getting the canary's answer: the Portkey export's
canary gate, which sends a canary request to the primary first (advisor.export.portkey)."""

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
    settle: bool = False
    """An outage of the primary: send requests until one reached the primary before the
    counted ones (the gateway must have seen it fail)."""


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
    # While the primary is down, every request must go down the fallback chain: none to the
    # canary. With 500s the upstream also sees every hop, so a canary tried after the primary
    # failed would show.
    Scenario(
        "canary-primary-down",
        "canary, primary down",
        CANARY,
        frozenset({"fallback-1"}),
        {"primary": "down"},
        requests=100,
        settle=True,
    ),
    Scenario(
        "canary-primary-500",
        "canary, primary 500",
        CANARY,
        frozenset({"fallback-1"}),
        {"primary": "500"},
        requests=100,
        settle=True,
    ),
    # A hung primary answers nothing: its timeout must count as a failure too.
    Scenario(
        "canary-primary-hang",
        "canary, primary hangs",
        CANARY,
        frozenset({"fallback-1"}),
        {"primary": "hang"},
        requests=5,
        settle=True,
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


@dataclass(frozen=True)
class KnownLimit:
    """A feature a gateway lacks, which keeps a scenario from holding; the test checks that
    nothing else broke (so a gateway that gains the feature fails the test until docs and
    export headers are updated)."""

    problem: str
    """Every problem of the scenario starts with this."""
    note: str
    warning: str
    """What the export's header says about it."""


CANARY_UNSAMPLED: Final = "the canary served 0/"
CANARY_WARNING: Final = "WARNING: this gateway does not send the canary its share"
KNOWN_LIMITS: Final = {
    ("tensorzero", "canary-split"): KnownLimit(
        CANARY_UNSAMPLED,
        "missing feature in TensorZero 2026.6.0: candidate variants are drawn by static "
        "weight (or, with `track_and_stop`, from feedback), never by another variant's "
        "health, and a model's `routing` moves on only after a failure, so a sampled canary "
        "would keep its share while the primary is down. The export therefore declares the "
        "canary as a variant outside `candidate_variants` and `fallback_variants`: the "
        "gateway never picks it, and it serves only the requests the application pins to it "
        "(`variant_name`); the export's header says to send the canary's share that way, "
        "and only while the primary answers",
        CANARY_WARNING,
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
    served: Counter[str | None] = field(default_factory=Counter)
    """Who answered how many of the requests (None: no one)."""

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


OUTAGES: Final = ("canary-primary-down", "canary-primary-500", "canary-primary-hang")
"""The scenarios of a primary outage in a plan with a canary."""
NOTES: Final = {
    ("portkey", "oversized"): "sent with the export's long_input_configs: Portkey cannot route "
    "by input size, and the export's `advisor.missing` tells the application to do this",
    ("tensorzero", "oversized"): "TensorZero cannot route by input size: each deployment of "
    "the chain refuses the input with a 400 (once) before the context fallback takes it",
    **{
        ("portkey", scenario): "held by the export's canary gate: the canary's share is a "
        "`fallback` branch on status 200 that sends each canary request to the primary first "
        "and on to the canary only if the primary answered, so with the primary down the "
        "branch fails and its requests go down the fallback chain (the price: each canary "
        "request also costs a primary request, whose answer is dropped)"
        for scenario in (*OUTAGES, "canary-split")
    },
    **{
        ("litellm", scenario): "held by the export's canary plugin (advisor_canary.py beside "
        "the config): before routing, it sends the canary's share of requests to the "
        "canary's own group only while the primary's last attempt succeeded, so with the "
        "primary down or failing no request reaches the canary; a failed canary request "
        "falls back to the workload's group"
        for scenario in (*OUTAGES, "canary-split")
    },
    **{
        ("tensorzero", scenario): "held: the canary is a variant outside the candidates and "
        "fallbacks, so the gateway never picks it; only a request the application pins to it "
        "reaches it (see the canary split)"
        for scenario in OUTAGES
    },
}
"""What the table says beside a scenario that holds in a way worth knowing."""


def check(
    scenario: Scenario, gateway: Gateway, suite: Suite, results: list[dict[str, object]]
) -> None:
    """Run `scenario`, record its row for docs/gateways.md, and fail unless it held (or,
    for a known gateway bug or missing feature, unless that is still what keeps it from
    holding)."""
    timeouts = suite.workload(scenario.workload).timeouts
    assert timeouts.budget_s is not None
    outcome = run(scenario, gateway, suite.upstream, timeouts.budget_s, timeouts.attempts)
    bug = KNOWN_BUGS.get((gateway.name, scenario.id))
    limit = KNOWN_LIMITS.get((gateway.name, scenario.id))
    known = bug or limit
    outcome.note = known.note if known else NOTES.get((gateway.name, scenario.id), "")
    results.append(outcome.row() | {"workload": scenario.workload, "plan": timeouts.summary()})
    if bug is None and limit is None:
        assert outcome.held, outcome.problems
        return
    assert not outcome.held, (
        f"{gateway.name} {scenario.id} holds now: the known bug or missing feature is gone; "
        "update KNOWN_BUGS or KNOWN_LIMITS, docs/gateways.md and the export's header"
    )
    if bug is not None:
        assert bug.signature in gateway.output(), gateway.output()[-2000:]
    if limit is not None:
        others = [p for p in outcome.problems if not p.startswith(limit.problem)]
        assert not others, others
        export = suite.exports[gateway.name].read_text(encoding="utf-8")
        assert limit.warning in export, f"the {gateway.name} export does not warn"


def run(
    scenario: Scenario, gateway: Gateway, upstream: Upstream, budget_s: float, attempts: int
) -> Outcome:
    """Run `scenario` through `gateway` and check every request against the plan."""
    upstream.reset()
    upstream.set(**scenario.modes)
    answers: list[tuple[str, Answer]] = []
    settled = 0
    try:
        while scenario.settle and settled < SETTLE_MAX:
            # Answered by someone else than the canary: the primary was tried and failed
            # (a refused connection leaves no trace upstream, a fallback's answer does).
            settled += 1
            tag, _ = _send(scenario, gateway)
            if upstream.served(tag) not in ("canary", None):
                break
        else:
            settled = 0
        for _ in range(scenario.requests):
            answers.append(_send(scenario, gateway))
    finally:
        ok: dict[str, Mode] = {name: "ok" for name in scenario.modes}
        upstream.set(**ok)  # releases hung requests
    problems: list[str] = []
    served: Counter[str | None] = Counter()
    for tag, answer in answers:
        path = upstream.path(tag)
        who = upstream.served(tag)
        served[who] += 1
        problems += _check_request(scenario, tag, answer, path, who, budget_s, attempts)
    if scenario.canary_share:
        problems += _check_share(scenario, served)
    seen = ", ".join(f"{who or 'no answer'} {n}/{len(answers)}" for who, n in served.most_common())
    if scenario.settle:
        if not settled:
            problems.append(f"no request reached the primary in {SETTLE_MAX}")
        seen = f"after {settled} request(s) to reach the primary: {seen}"
    paths = Counter(" → ".join(f"{d} {o}" for d, o in upstream.path(tag)) for tag, _ in answers)
    seen += "; paths: " + "; ".join(f"{p or 'none reached'} ×{n}" for p, n in paths.most_common(3))
    slowest = max(a.seconds for _, a in answers)
    return Outcome(
        gateway.name, gateway.version, scenario, slowest, seen, _dedupe(problems), served=served
    )


def _send(scenario: Scenario, gateway: Gateway) -> tuple[str, Answer]:
    """One request of the scenario, tagged so the upstream's log can tell who saw it."""
    tag = f"req-{next(_tags)}"
    content = f"{tag} ping"
    if scenario.long_input:
        content += " lorem" * LONG_INPUT_WORDS
    if isinstance(gateway, PortkeyGateway):
        answer = gateway.chat(
            scenario.workload, content, stream=scenario.stream, long_input=scenario.long_input
        )
    else:
        answer = gateway.chat(scenario.workload, content, stream=scenario.stream)
    return tag, answer


def _check_request(
    scenario: Scenario,
    tag: str,
    answer: Answer,
    path: list[tuple[str, str]],
    who: str | None,
    budget_s: float,
    attempts: int,
) -> list[str]:
    problems = []
    answered = [d for d, o in path if o in ("ok", "stream")]
    if len(answered) > 1 and answered != list(CANARY_GATE):
        problems.append(f"answered more than once: {answered}")
    if scenario.expect:
        if not answer.ok:
            problems.append(f"HTTP {answer.status}: {answer.text[:200]}")
        elif who not in scenario.expect:
            problems.append(f"answered by {who}, expected {sorted(scenario.expect)}")
        elif tag not in answer.text:
            problems.append(f"the answer does not carry the request's tag: {answer.text[:80]!r}")
        elif not answer.text.startswith(f"{who} answers"):
            problems.append(f"the answer is not {who}'s: {answer.text[:80]!r}")
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
    if answer.seconds > budget_s:
        problems.append(
            f"{answer.seconds:.2f} s to answer, over the workload's {budget_s:g} s latency budget"
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
