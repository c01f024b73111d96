"""Route one request down its workload's plan as the plan's LiteLLM export does.

The routing structure is the exports' own (`advisor.export.common`): the workload's group
(primary and headroom, drawn by weight), then each fallback group in order, then the
degraded last resort, then the context fallback (the LiteLLM export lists it among the
fallbacks as well); a request too large for every deployment of the workload's group goes
to the context fallback first. A canary takes its weight's share of requests only while the
primary's last attempt succeeded (the export's plugin, advisor.export.litellm_canary), and
a request it fails goes on to the workload's group. Within a group a request gets the plan's attempts
(retries + 1), each drawn again among the deployments not cooling down, each cut at the
plan's per-attempt timeout (the degraded choice's own, shorter, where it has one). Timeouts,
429 and 5xx are retried and failed over; any other 4xx is the request's fault and ends it.

Cooldowns follow the export's router settings (`advisor.export.litellm`): more than
ALLOWED_FAILS failures of a deployment within COOLDOWN_S seconds take it out for COOLDOWN_S;
a plan with a canary turns cooldowns off. They run on the gateway's clock, which is real
seconds of the replay: a replay compressed in time keeps every cooldown, rate limit and
timeout at its real length, so only the arrivals move closer together.

An upstream answers each attempt: the behaviour model (`advisor.replay.upstream`) or a
server on loopback. The router itself holds no randomness but the weighted draw, seeded.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from advisor.export.common import (
    TRANSIENT_STATUSES,
    Deployment,
    chain,
    context_deployment,
    primary_group,
    timeouts_of,
)
from advisor.export.litellm import ALLOWED_FAILS, COOLDOWN_S
from advisor.match.cost import PriceCard, per_request_usd, price_card
from advisor.plan.model import Plan, WorkloadPlan
from advisor.replay.assign import ReplayRequest
from catalog import Offering

CONTEXT_STATUS: Final = 400
TIMEOUT_STATUS: Final = 408
NO_DEPLOYMENT_STATUS: Final = 503
"""What a user sees when every deployment of every group is cooling down (LiteLLM's
"no deployments available")."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What one attempt got back, in real seconds (a scaled server's time scaled back)."""

    status: int
    seconds: float
    input_tokens: int | None = None
    output_tokens: int | None = None


class Upstream(Protocol):
    """Who answers an attempt: `at` is the gateway's clock, `seed` fixes any draw."""

    async def send(
        self, offering: Offering, request: ReplayRequest, at: float, timeout_s: float, seed: int
    ) -> Answer: ...


@dataclass(frozen=True, slots=True)
class Attempt:
    key: str
    status: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Served:
    """One request's fate: who answered (None for an error the user saw) and at what cost."""

    request: ReplayRequest
    key: str | None
    role: str
    """The deployment's name in the export (`primary`, `canary`, `fallback-1`, `context`,
    `degraded`, ...), or `error`."""
    status: int
    seconds: float
    """What the user waited, every failed attempt included."""
    cost_usd: float | None
    """At catalog prices on the usage the answer reported; None when unpriced."""
    attempts: tuple[Attempt, ...]
    over_trim: bool
    """The input was above the plan's trim point."""

    @property
    def ok(self) -> bool:
        return self.key is not None


@dataclass(frozen=True)
class Rules:
    """The gateway settings the export writes that change routing."""

    cooldowns: bool
    allowed_fails: int = ALLOWED_FAILS
    cooldown_s: float = COOLDOWN_S


def rules_for(plan: Plan) -> Rules:
    """Cooldowns as the LiteLLM export sets them: off when any workload has a canary."""
    return Rules(cooldowns=not any(wp.canary for wp in plan.workloads))


@dataclass
class _Health:
    fails: int = 0
    window_ends: float = float("-inf")
    cooled_until: float = float("-inf")


@dataclass
class Router:
    """The gateway: one per replay, since cooldowns carry over from request to request."""

    plan: Plan
    upstream: Upstream
    rules: Rules
    seed: int = 0
    clock: Callable[[], float] | None = None
    """The gateway's clock for a replay on real servers; None: the request's arrival plus
    the time its attempts took (the model's virtual time)."""
    _health: dict[str, _Health] = field(default_factory=dict)
    _primary_ok: dict[str, bool] = field(default_factory=dict)
    """Per workload, whether its primary's last attempt succeeded (none yet: absent)."""
    _cards: dict[str, PriceCard | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._plans = {wp.name: wp for wp in self.plan.workloads}

    async def route(self, request: ReplayRequest, arrival: float) -> Served:
        """Send `request`, arriving at `arrival` on the gateway's clock, down its plan."""
        wp = self._plans[request.workload]
        groups, fits = self._groups(wp, request)
        over_trim = request.input_tokens > wp.context.trim_at_tokens
        attempts: list[Attempt] = []
        elapsed = 0.0
        if not fits:
            return self._error(request, CONTEXT_STATUS, 0.0, attempts, over_trim)
        for group in groups:
            # The export gives the canary's group no retries: on to the workload's group.
            tries = 1 if group[0].name == "canary" else wp.timeouts.attempts
            for number in range(tries):
                now = self.clock() if self.clock else arrival + elapsed
                healthy = [d for d in group if self._healthy(d.choice.key, now)]
                if not healthy:
                    break  # the whole group is cooling down: on to the next
                deployment = self._draw(healthy)
                timeout, _ = timeouts_of(wp, deployment)
                seed = hash((self.seed, request.index, len(attempts), number)) & 0x7FFFFFFF
                answer = await self.upstream.send(
                    deployment.choice.offering, request, now, timeout, seed
                )
                attempts.append(Attempt(deployment.choice.key, answer.status, answer.seconds))
                elapsed += answer.seconds
                if deployment.name == "primary":
                    self._primary_ok[wp.name] = answer.status == 200
                if answer.status == 200:
                    return self._served(request, deployment, answer, elapsed, attempts, over_trim)
                done = self.clock() if self.clock else arrival + elapsed
                self._failed(deployment.choice.key, answer.status, done)
                if answer.status not in TRANSIENT_STATUSES:
                    return self._error(request, answer.status, elapsed, attempts, over_trim)
        status = attempts[-1].status if attempts else NO_DEPLOYMENT_STATUS
        return self._error(request, status, elapsed, attempts, over_trim)

    def _groups(
        self, wp: WorkloadPlan, request: ReplayRequest
    ) -> tuple[list[list[Deployment]], bool]:
        """The groups in the order they are tried, each narrowed to the deployments whose
        window holds the input (LiteLLM's pre-call check), and whether any does."""
        group = primary_group(wp, self.plan)
        own = [d for d in group if d.name != "canary"]
        canary = [d for d in group if d.name == "canary"]
        rest = [[d] for d in chain(wp, self.plan)]
        context = context_deployment(wp, self.plan)
        if context is not None and not any(_fits(d, request) for d in own):
            ordered = [[context], *rest]
        elif canary and self._canary_drawn(wp, canary[0]):
            ordered = [canary, own, *rest]
        else:
            ordered = [own, *rest]
        narrowed = [[d for d in group if _fits(d, request)] for group in ordered]
        kept = [group for group in narrowed if group]
        return kept, bool(kept)

    def _canary_drawn(self, wp: WorkloadPlan, canary: Deployment) -> bool:
        """The canary's share, drawn only while the primary is proven healthy."""
        if not self._primary_ok.get(wp.name, False):
            return False
        return self._rng.random() < (canary.weight or 0.0)

    def _draw(self, deployments: Sequence[Deployment]) -> Deployment:
        if len(deployments) == 1:
            return deployments[0]
        weights = [d.weight if d.weight is not None else 1.0 for d in deployments]
        return self._rng.choices(list(deployments), weights=weights)[0]

    def _healthy(self, key: str, now: float) -> bool:
        health = self._health.get(key)
        return health is None or now >= health.cooled_until

    def _failed(self, key: str, status: int, now: float) -> None:
        if not self.rules.cooldowns or status not in TRANSIENT_STATUSES:
            return
        health = self._health.setdefault(key, _Health())
        if now >= health.window_ends:
            health.fails, health.window_ends = 0, now + self.rules.cooldown_s
        health.fails += 1
        if health.fails > self.rules.allowed_fails:
            health.cooled_until = now + self.rules.cooldown_s

    def _served(
        self,
        request: ReplayRequest,
        deployment: Deployment,
        answer: Answer,
        elapsed: float,
        attempts: list[Attempt],
        over_trim: bool,
    ) -> Served:
        offering = deployment.choice.offering
        cost = self.cost(
            offering,
            request,
            answer.input_tokens if answer.input_tokens is not None else request.input_tokens,
            answer.output_tokens if answer.output_tokens is not None else request.output_tokens,
        )
        return Served(
            request,
            offering.key,
            deployment.name,
            200,
            elapsed,
            cost,
            tuple(attempts),
            over_trim,
        )

    def _error(
        self,
        request: ReplayRequest,
        status: int,
        elapsed: float,
        attempts: list[Attempt],
        over_trim: bool,
    ) -> Served:
        return Served(request, None, "error", status, elapsed, 0.0, tuple(attempts), over_trim)

    def cost(
        self, offering: Offering, request: ReplayRequest, input_tokens: int, output_tokens: int
    ) -> float | None:
        """USD for one answer at catalog prices (`advisor.match.cost`'s formula)."""
        if offering.key not in self._cards:
            found = price_card(offering)
            self._cards[offering.key] = found if isinstance(found, PriceCard) else None
        card = self._cards[offering.key]
        if card is None:
            return None
        workload = self._plans[request.workload].workload.model_copy(
            update={"context_tokens": input_tokens, "output_tokens": output_tokens}
        )
        return per_request_usd(workload, card)


def _fits(deployment: Deployment, request: ReplayRequest) -> bool:
    window = deployment.choice.offering.limits.context
    return window is None or request.input_tokens <= window
