"""A replay's fixtures: four made-up providers (tests/replay/catalog, with latency figures the
simulator and the replay model both read), one workload planned over them, and a log of its
traffic.

The plan: north is the primary, south the fallback, vast the context fallback, and in the
canary plan newco takes CANARY_WEIGHT of requests while the primary's last attempt
succeeded. A plan with a canary runs its LiteLLM export with cooldowns off, so with a primary
failing each attempt on its own at rate f, every share has a closed form (CANARY_TRUTH).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import pytest

from advisor.match.matching import match
from advisor.plan import Plan, PlanOptions, make_plan, resolve_endpoints
from advisor.replay.outcome import Interval, Share
from advisor.traffic.records import LoggedRequest
from advisor.workload.model import Workload
from catalog import Catalog, load_catalog
from probes.simulator import SimulatorHandle, running_simulator, sim_base_url
from probes.stats import wilson
from probes.targets import ProviderOverride

REPLAY_CATALOG: Final = Path(__file__).with_name("catalog")
TODAY: Final = dt.date(2026, 11, 1)
WORKLOAD: Final = "support-chat"
PRIMARY: Final = "north/north-chat"
FALLBACK: Final = "south/south-chat"
CANARY: Final = "newco/newco-chat"
CONTEXT: Final = "vast/vast-chat"
CANARY_WEIGHT: Final = 0.2
FAILS: Final = 0.5
"""The primary fails this share of attempts: "fails half the time"."""
CANARY_SHARE: Final = (
    CANARY_WEIGHT * (1 - FAILS) / (1 - CANARY_WEIGHT + CANARY_WEIGHT * (1 - FAILS))
)
"""The canary's share: its weight, drawn only while the primary's last attempt succeeded
(each does on its own, with p = 1 - FAILS). Each primary attempt is followed, if it
succeeded, by w / (1 - w) canary requests on average before the next reaches the primary,
so per primary attempt there are p w / (1 - w) canary requests: a share of
p w / (1 - w + p w) (1/9 for w = 0.2, p = 0.5)."""
CANARY_TRUTH: Final = {
    PRIMARY: (1 - CANARY_SHARE) * (1 - FAILS),
    FALLBACK: (1 - CANARY_SHARE) * FAILS,
    CANARY: CANARY_SHARE,
}
"""Who serves which share of the canary plan's requests with the primary failing FAILS."""
START: Final = 1_764_000_000.0
GAP_S: Final = 0.25
"""Seconds between the log's requests."""
OUTPUT_TOKENS: Final = 40


def workload(**changes: object) -> Workload:
    data: dict[str, object] = {
        "name": WORKLOAD,
        "context_tokens": 300,
        "max_context_tokens": 7000,
        "output_tokens": OUTPUT_TOKENS,
        "latency": {"e2e_p95_ms": 8000},
        "providers": {"allow": ["north", "south", "newco", "vast"]},
        "volume": {"requests_per_day": 20_000},
    }
    data.update(changes)
    return Workload.model_validate(data)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog([REPLAY_CATALOG])


def make(
    catalog: Catalog,
    *,
    canary: bool,
    overrides: Mapping[str, ProviderOverride] | None = None,
    w: Workload | None = None,
) -> Plan:
    """The plan of the replay workload; the canary plan gives newco its weight."""
    options = PlanOptions(max_fallbacks=1)
    if canary:
        options = dataclasses.replace(options, canary_weight=CANARY_WEIGHT, canary=CANARY)
    plan = make_plan(
        [match(w or workload(), catalog, today=TODAY)],
        catalog,
        resolve_endpoints(catalog, dict(overrides or {})),
        options=options,
        today=TODAY,
    )
    wp = plan.workloads[0]
    assert wp.primary.key == PRIMARY and [c.key for c in wp.fallbacks] == [FALLBACK]
    assert wp.context.choice is not None and wp.context.choice.key == CONTEXT
    assert wp.timeouts.retries == 0, wp.timeouts
    return plan


def logged(
    count: int, *, route: str = WORKLOAD, gap_s: float = GAP_S, words: int = 200
) -> list[LoggedRequest]:
    """`count` requests a gateway logged, `gap_s` apart, each with its own prompt."""
    out = []
    for i in range(count):
        text = f"req-{i} " + " ".join(f"word{(i * 7 + k) % 97}" for k in range(words))
        out.append(
            LoggedRequest(
                source=f"fixture.jsonl:{i + 1}",
                at=START + i * gap_s,
                route=route,
                model=None,
                system_prompt=None,
                messages=({"role": "user", "content": text},),
                input_tokens=None,
                output_tokens=OUTPUT_TOKENS,
                latency_s=None,
                ttft_s=None,
                status=200,
                structured=False,
                tools=False,
                images=False,
                cost_usd=None,
            )
        )
    return out


@pytest.fixture(scope="module")
def failing_sim(catalog: Catalog) -> Iterator[SimulatorHandle]:
    """The simulator serving the suite's providers, the primary failing half the time,
    ten times faster than real time."""
    with running_simulator(
        [REPLAY_CATALOG],
        time_scale=0.1,
        seed=7,
        offering_faults={PRIMARY: f"5xx-burst@{FAILS}"},
    ) as sim:
        yield sim


def sim_overrides(catalog: Catalog, sim: SimulatorHandle) -> dict[str, ProviderOverride]:
    """Every provider moved to its stand-in on the simulator."""
    return {
        p.id: ProviderOverride(base_url=sim_base_url(sim.url, p))
        for p in catalog.providers.values()
    }


Z99: Final = 2.576
Z999: Final = 3.291
"""Two-sided 99 % and 99.9 % normal quantiles: a test that must not fail by chance judges
intervals this wide (at 95 %, one figure in twenty misses)."""


def wide(share: Share, z: float = Z99) -> tuple[float, float]:
    """A share's Wilson interval at `z`."""
    return wilson(share.count, share.n, z=z)


def widened(cost: Interval, z: float = Z99) -> tuple[float, float]:
    """A cost's 95 % interval widened to `z`, as a normal one would be (the bootstrap of a
    mean is close to normal)."""
    factor = z / 1.96
    return (
        cost.value - (cost.value - cost.low) * factor,
        cost.value + (cost.high - cost.value) * factor,
    )


def overlap(one: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether two intervals share a point."""
    return one[0] <= other[1] and other[0] <= one[1]


def within(value: float, interval: tuple[float, float]) -> bool:
    """Whether `value` lies in `interval`."""
    return interval[0] <= value <= interval[1]
