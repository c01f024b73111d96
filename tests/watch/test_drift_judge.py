"""The drift verdicts on figures given directly: shares, identities, too few samples, and
offerings only one run measured."""

from __future__ import annotations

import random

from advisor.watch.drift import Finding, judge
from probes.compare import Observed

KEY = ("triage", "acme/acme-large-2")


def steady(rng: random.Random, n: int = 30, **extra: object) -> Observed:
    return Observed(
        output_tokens=[float(int(rng.lognormvariate(4.7, 0.5))) for _ in range(n)],
        outputs=[
            " ".join(rng.choice("plan test work team node".split()) for _ in range(40))
            for _ in range(n)
        ],
        fingerprints=["fp_1"] * n,
        models=["acme-large-2"] * n,
        **extra,  # type: ignore[arg-type]
    )


def states(findings: list[Finding]) -> dict[str, str]:
    return {f.metric: f.state for f in findings}


def test_a_schema_validity_fall_drifts_and_a_new_model_id_is_named() -> None:
    rng = random.Random(1)
    before = steady(rng, shares={"structured.schema_valid_rate": (1.0, 60)})
    after = steady(rng, shares={"structured.schema_valid_rate": (0.7, 60)})
    after.models = ["acme-large-2-0125"] * 30
    found = {f.metric: f for f in judge({KEY: before}, {KEY: after})}
    valid = found["schema_valid_rate"]
    assert valid.state == "drifted" and valid.interval is not None
    assert valid.interval[1] < 0  # the whole interval of the change is a fall
    assert found["model"].state == "drifted" and found["model"].after == "acme-large-2-0125"
    assert found["fingerprint"].state == "stable"
    assert found["output_length"].state == "stable" and found["output_tokens"].state == "stable"


def test_small_samples_cannot_tell_and_an_offering_in_one_run_only_says_so() -> None:
    rng = random.Random(2)
    before = {KEY: steady(rng, n=5), ("triage", "acme/acme-small-2"): steady(rng)}
    after = {KEY: steady(rng, n=5, shares={"determinism.agreement": (1.0, 4)})}
    found = judge(before, after)
    assert states([f for f in found if f.offering == KEY[1]])["output_length"] == "cannot tell"
    only = [f for f in found if f.offering == "acme/acme-small-2"]
    assert [(f.metric, f.state, f.reason) for f in only] == [
        ("answers", "cannot tell", "only the earlier run measured it")
    ]
    # A share only one run has is not compared at all.
    assert "agreement" not in states(found)


def test_the_same_runs_always_get_the_same_verdict() -> None:
    rng = random.Random(3)
    before, after = {KEY: steady(rng)}, {KEY: steady(rng)}
    assert judge(before, after, salt=7) == judge(before, after, salt=7)
