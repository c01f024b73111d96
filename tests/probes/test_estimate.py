"""The expected wall time of a run: request times from the catalog's latency figures, laid
out as the run sends them."""

from __future__ import annotations

import pytest

from catalog import Catalog, Offering
from probes.clients import ChatRequest
from probes.estimate import batch_seconds, request_seconds, wall_seconds
from probes.kinds.base import Batch
from probes.load import Load
from probes.simulator.timing import timing_model


@pytest.fixture
def offerings(sim_catalog: Catalog) -> list[Offering]:
    return sorted(sim_catalog.offerings, key=lambda o: o.key)


def ask(chars: int = 400, tokens: int = 100) -> ChatRequest:
    return ChatRequest(messages=[{"role": "user", "content": "x" * chars}], max_tokens=tokens)


def test_a_request_takes_its_first_token_prefill_and_output(offerings: list[Offering]) -> None:
    o = offerings[0]
    m = timing_model(o)
    expected = m.ttft_ms / 1000 + 100 / m.prefill_tps + 99 * m.itl_ms / 1000
    assert request_seconds(o, ask()) == pytest.approx(expected)
    assert request_seconds(o, ask(chars=4_000_000)) > request_seconds(o, ask()) + 10


def test_batches_take_rounds_of_what_goes_at_once(offerings: list[Offering]) -> None:
    o = offerings[0]
    one = request_seconds(o, ask())
    requests = [ask()] * 10
    assert batch_seconds(o, Batch("b", requests)) == pytest.approx(10 * one)
    assert batch_seconds(o, Batch("b", requests, Load(concurrency=5))) == pytest.approx(2 * one)
    stepped = Batch("b", requests, step=5, verdict=lambda sent: "open")
    assert batch_seconds(o, stepped) == pytest.approx(2 * one)  # at most: all steps sent
    talk = Batch("b", requests[:3], conversation=True)
    assert batch_seconds(o, talk) > 3 * one  # later turns carry the earlier ones


def test_providers_run_side_by_side_and_a_provider_within_its_lanes(
    offerings: list[Offering],
) -> None:
    a, b = offerings[0], next(o for o in offerings if o.provider != offerings[0].provider)
    batch = [Batch("b", [ask()])]
    ta, tb = request_seconds(a, ask()), request_seconds(b, ask())
    two_providers = [("w", a.key, a, batch), ("w", b.key, b, batch)]
    assert wall_seconds(two_providers, together=False, per_provider=1) == pytest.approx(max(ta, tb))
    # Two tasks on one target: one after another, or at once in a decisive run.
    same = [("w", a.key, a, batch), ("w", a.key, a, batch)]
    assert wall_seconds(same, together=False, per_provider=4) == pytest.approx(2 * ta)
    assert wall_seconds(same, together=True, per_provider=4) == pytest.approx(ta)
    # Two workloads on one provider with one lane wait for each other; at a time scale, faster.
    lanes = [("w", a.key, a, batch), ("v", a.key, a, batch)]
    assert wall_seconds(lanes, together=True, per_provider=1) == pytest.approx(2 * ta)
    assert wall_seconds(lanes, together=True, per_provider=1, time_scale=0.1) == pytest.approx(
        0.2 * ta
    )
