"""The behaviour knobs a drift test turns: longer answers and another backend build, scoped
to one offering while its neighbours answer as before."""

from __future__ import annotations

import statistics

import httpx

from probes.simulator import running_simulator
from probes.simulator.faults import BUNDLES
from tests.probes.conftest import SIM_DATA, TIME_SCALE, chat

OPENAI = "/p/simlab/v1/chat/completions"


def lengths_and_fingerprints(http: httpx.Client, model: str, n: int) -> tuple[list[int], set[str]]:
    lengths, prints = [], set()
    for i in range(n):
        body = http.post(OPENAI, json=chat(model, f"Tell me about item {i}.")).json()
        lengths.append(body["usage"]["completion_tokens"])
        prints.add(body["system_fingerprint"])
    return lengths, prints


def test_longer_and_rebuild_change_only_the_named_offering() -> None:
    with running_simulator([SIM_DATA], time_scale=TIME_SCALE, seed=5) as plain:
        with httpx.Client(base_url=plain.url, timeout=10) as http:
            usual, usual_prints = lengths_and_fingerprints(http, "exact-1", 40)
            other, other_prints = lengths_and_fingerprints(http, "besteffort-1", 40)
    faults = {"simlab/exact-1": "longer:3,rebuild:2"}
    with running_simulator(
        [SIM_DATA], time_scale=TIME_SCALE, seed=5, offering_faults=faults
    ) as changed:
        with httpx.Client(base_url=changed.url, timeout=10) as http:
            longer, new_prints = lengths_and_fingerprints(http, "exact-1", 40)
            same, same_prints = lengths_and_fingerprints(http, "besteffort-1", 40)

    assert statistics.median(longer) > 2 * statistics.median(usual)
    assert len(usual_prints) == 1 and len(new_prints) == 1 and new_prints != usual_prints
    # The neighbour is untouched: the same draws give the same lengths and build.
    assert same_prints == other_prints
    assert 0.5 < statistics.median(same) / statistics.median(other) < 2


def test_behaviour_knobs_stay_out_of_the_chaos_bundle() -> None:
    assert "longer" not in BUNDLES["chaos"] and "rebuild" not in BUNDLES["chaos"]
