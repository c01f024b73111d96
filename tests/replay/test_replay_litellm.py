"""The same replay through the LiteLLM proxy running the plan's export, in front of the
simulator whose primary fails half the time, agrees with the replay on the simulator.

Agreement: for each figure (the share served by each offering, the fallback share, the
monthly cost) the two replays' 99 % intervals overlap: Wilson at z = 2.576 for shares, and
for the cost its 95 % bootstrap interval widened by 2.576 / 1.96 (the bootstrap of a mean is
close to normal). Two replays of the same traffic then disagree by chance about three times
in ten thousand per figure (their values must be over five standard errors apart); at 95 % it
would be about once in two hundred, too often for a test that must not fail by chance. The
simulator replay is held to the closed-form ground truth (test_replay_sim.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.export import render, write_companions
from advisor.export.litellm import MASTER_KEY_ENV
from advisor.plan.model import Plan
from advisor.replay.assign import assign
from advisor.replay.live import replay_gateway
from advisor.replay.run import replay_sim
from catalog import Catalog
from probes.simulator import SimulatorHandle
from tests.gateways.conftest import running_litellm_proxy
from tests.replay.conftest import (
    CANARY,
    CANARY_TRUTH,
    FALLBACK,
    PRIMARY,
    logged,
    make,
    overlap,
    sim_overrides,
    wide,
    widened,
    workload,
)

pytestmark = pytest.mark.xdist_group("replay-litellm")  # one proxy process per module

REQUESTS = 400
SCALE = 0.1
MASTER_KEY = "sk-replay-not-a-secret"


@pytest.fixture(scope="module")
def plan(catalog: Catalog, failing_sim: SimulatorHandle) -> Plan:
    return make(catalog, canary=True, overrides=sim_overrides(catalog, failing_sim))


@pytest.fixture(scope="module")
def proxy(plan: Plan, catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`litellm --config <export>` on a loopback port, as users start it."""
    folder: Path = tmp_path_factory.mktemp("replay-litellm")
    config = folder / "config.yaml"
    config.write_text(render("litellm", plan, catalog, config), encoding="utf-8")
    write_companions("litellm", plan, config)  # the canary plugin
    env = {MASTER_KEY_ENV: MASTER_KEY, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env |= {p.key_env: "sim-not-a-secret" for p in catalog.providers.values() if p.key_env}
    with running_litellm_proxy(config, env, folder) as (url, _):
        yield url


def test_the_proxy_replay_agrees_with_the_simulator_replay(
    proxy: str, plan: Plan, catalog: Catalog, failing_sim: SimulatorHandle
) -> None:
    traffic = assign(logged(REQUESTS), [workload()])
    through_proxy = asyncio.run(
        replay_gateway(
            traffic, plan, "export", proxy, MASTER_KEY, scale=SCALE, upstream_scale=SCALE
        )
    )
    on_sim = asyncio.run(
        replay_sim(traffic, plan, "plan", catalog, failing_sim.url, sim_scale=SCALE, scale=SCALE)
    )
    a, b = through_proxy.total, on_sim.total
    assert a.requests == b.requests == REQUESTS
    assert a.errors.count == 0, a.error_statuses
    assert (
        set(a.served_by)
        == set(b.served_by)
        == {
            f"primary {PRIMARY}",
            f"fallback-1 {FALLBACK}",
            f"canary {CANARY}",
        }
    )
    for name in a.served_by:
        assert overlap(wide(a.served_by[name]), wide(b.served_by[name])), name
    assert overlap(wide(a.fallback), wide(b.fallback)), (a.fallback, b.fallback)
    assert a.monthly is not None and b.monthly is not None
    assert overlap(widened(a.monthly), widened(b.monthly)), (a.monthly, b.monthly)
    assert b.fallback.holds(CANARY_TRUTH[FALLBACK])
    assert through_proxy.target == "gateway" and through_proxy.scale == SCALE
    assert through_proxy.simulated  # the simulator's answers say so, through the proxy
