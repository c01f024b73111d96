"""A replay on the simulator, its primary failing half the time, checked against the
simulator's own ground truth and against the model's prediction.

The simulator decides every failure itself (`5xx-burst@0.5` on the primary) and reports the
usage it billed; the model draws from the same failure rate. The ground truth of a plan with
a canary (cooldowns off) has a closed form (CANARY_TRUTH).

The replay is seeded but not repeatable: the canary takes its share only while the
primary's last answer was a success, so which requests it takes depends on the order the
simulator's answers come back. Every check is therefore at 99.9 % (Z999), for the ground
truth, and for the model against the simulator (their intervals overlap): a test that must
not fail by chance."""

from __future__ import annotations

import asyncio

from advisor.replay.assign import assign
from advisor.replay.run import ReplayReport, replay_model, replay_sim
from catalog import Catalog
from probes.simulator import SimulatorHandle
from probes.stats import wilson
from tests.replay.conftest import (
    CANARY_TRUTH,
    FAILS,
    FALLBACK,
    PRIMARY,
    Z999,
    logged,
    make,
    overlap,
    wide,
    widened,
    within,
    workload,
)
from tests.replay.test_replay_model import expected_monthly

REQUESTS = 400
SCALE = 0.1
"""The simulator's time scale and the replay's: a 100 s log in 10 s."""


def served(report: ReplayReport) -> dict[str, float]:
    return {k.split(" ", 1)[1]: s.value for k, s in report.total.served_by.items()}


def test_the_simulator_replay_holds_the_ground_truth_and_the_models_prediction(
    catalog: Catalog, failing_sim: SimulatorHandle
) -> None:
    plan = make(catalog, canary=True)
    traffic = assign(logged(REQUESTS), [workload()])
    sim = asyncio.run(
        replay_sim(
            traffic, plan, "canary plan", catalog, failing_sim.url, sim_scale=SCALE, scale=SCALE
        )
    )
    model = replay_model(traffic, plan, "canary plan", failures={PRIMARY: FAILS}, scale=SCALE)
    truth = CANARY_TRUTH

    # The simulator's own failures: about half of the attempts on the primary.
    attempts = [a for s in sim.answers for a in s.attempts if a.key == PRIMARY]
    assert attempts
    failed = sum(a.status >= 500 for a in attempts)
    assert within(FAILS, wilson(failed, len(attempts), z=Z999)), (failed, len(attempts))

    # The replay's intervals hold the ground truth, shares and cost alike.
    total = sim.total
    assert total.requests == REQUESTS and total.errors.count == 0, total.error_statuses
    assert within(truth[FALLBACK], wide(total.fallback, Z999)), total.fallback
    assert total.monthly is not None
    tokens = traffic.requests[0].input_tokens
    expected = expected_monthly(catalog, truth, tokens)
    assert within(expected, widened(total.monthly, Z999)), total.monthly

    # The model's prediction and the simulator's outcome agree.
    assert overlap(wide(model.total.fallback, Z999), wide(total.fallback, Z999))
    assert model.total.monthly is not None
    assert overlap(widened(model.total.monthly, Z999), widened(total.monthly, Z999))
    assert set(served(sim)) == set(served(model)) == set(truth)
    assert "simulator at time scale 0.1" in sim.basis[0]
