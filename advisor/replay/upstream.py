"""Who answers a replay's attempts: the behaviour model in process, or the simulator.

`ModelUpstream` draws each answer from the offering's `Behaviour`: a 429 when the
provider's per-minute bucket is empty, a 503 at the failure rate, a 400 for an input over
the window, else a latency from the offering's distribution, cut at the attempt's timeout.
Every draw comes from the attempt's seed, so a replay repeats exactly.

`SimUpstream` sends each attempt over the offering's real wire to the simulator (which the
caller starts with any fault profile, e.g. `5xx-burst@0.5` on the primary: "fails half the
time"). The simulator's clock runs at its time scale; its times are scaled back to real
seconds here, and the attempt's deadline is the plan's timeout on the simulator's clock, so
a timeout cuts the same simulated request whatever the scale.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from advisor.replay.assign import ReplayRequest
from advisor.replay.behaviour import ERROR_S, Behaviour
from advisor.replay.gateway import CONTEXT_STATUS, TIMEOUT_STATUS, Answer
from catalog import Catalog, Offering
from probes.clients import ChatRequest, Pool, chat
from probes.targets import Target, simulated_targets

RATE_LIMITED: Final = 429
FAILED: Final = 503
TRANSPORT_FAILED: Final = 502
"""A reset, a refused connection or a broken stream: a gateway reports a bad gateway."""


@dataclass
class _Bucket:
    level: float
    stamp: float


@dataclass
class ModelUpstream:
    """Answers drawn from each offering's behaviour."""

    behaviours: Mapping[str, Behaviour]
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    async def send(
        self, offering: Offering, request: ReplayRequest, at: float, timeout_s: float, seed: int
    ) -> Answer:
        b = self.behaviours[offering.key]
        rng = random.Random(seed)
        if b.window is not None and request.input_tokens > b.window:
            return Answer(CONTEXT_STATUS, ERROR_S)
        if not self._admit(b, at):
            return Answer(RATE_LIMITED, ERROR_S)
        if rng.random() < b.failure_rate:
            return Answer(FAILED, ERROR_S)
        seconds = b.latency_s(rng, request.output_tokens)
        if seconds > timeout_s:
            return Answer(TIMEOUT_STATUS, timeout_s)
        return Answer(200, seconds, request.input_tokens, request.output_tokens)

    def _admit(self, b: Behaviour, at: float) -> bool:
        """The provider's requests-per-minute bucket, refilled continuously."""
        if b.rpm is None:
            return True
        bucket = self._buckets.setdefault(b.key, _Bucket(float(b.rpm), at))
        bucket.level = min(float(b.rpm), bucket.level + (at - bucket.stamp) * b.rpm / 60.0)
        bucket.stamp = at
        if bucket.level < 1.0:
            return False
        bucket.level -= 1.0
        return True


@dataclass
class SimUpstream:
    """Attempts sent to the simulator at `url`, running at `time_scale`."""

    catalog: Catalog
    url: str
    pool: Pool
    time_scale: float = 1.0
    _targets: dict[str, Target] = field(default_factory=dict)

    async def send(
        self, offering: Offering, request: ReplayRequest, at: float, timeout_s: float, seed: int
    ) -> Answer:
        target = self._target(offering)
        ask = ChatRequest(
            messages=request.chat_messages(),
            max_tokens=request.output_tokens,
            extra_headers={
                "x-sim-seed": str(seed),
                "x-sim-output-tokens": str(request.output_tokens),
            },
        )
        deadline = timeout_s * self.time_scale
        timed, reply = await chat(
            self.pool,
            target.api,
            target.base_url,
            offering.id,
            None,
            ask,
            deadline_s=deadline,
            first_byte_timeout_s=deadline,
            stall_timeout_s=deadline,
        )
        end = reply.last_token_ns or timed.end_ns or timed.sent_ns
        seconds = max(0.0, (end - timed.sent_ns) / 1e9 / self.time_scale)
        if reply.outcome == "ok":
            return Answer(200, seconds, reply.input_tokens, reply.output_tokens)
        if reply.outcome.startswith("deadline"):
            return Answer(TIMEOUT_STATUS, timeout_s)
        if timed.status is not None and timed.status >= 400:
            return Answer(timed.status, seconds)
        return Answer(TRANSPORT_FAILED, seconds)

    def _target(self, offering: Offering) -> Target:
        if offering.key not in self._targets:
            (target,) = simulated_targets(self.catalog, [offering], self.url)
            self._targets[offering.key] = target
        return self._targets[offering.key]
