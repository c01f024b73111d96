"""`advisor gate` against a running LiteLLM proxy on the plan's own export: hold before the
request count it states, promote a good canary at that count, roll back a failing one; from
the proxy's Prometheus metrics and from probes sent through the proxy."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from advisor.watch.sequential import ShareTest
from tests.watch.conftest import PLAN_ARGS, SLOW_WORKLOAD, WORKLOAD, Deployed

pytestmark = pytest.mark.xdist_group("gate-litellm")  # one proxy for the module

BATCH = 40
"""Requests sent between two looks."""


def gate_of(judgement: dict[str, Any], metric: str) -> dict[str, Any]:
    return next(g for g in judgement["gates"] if g["metric"] == metric)


def test_prometheus_holds_promotes_at_the_stated_count_then_rolls_back(deployed: Deployed) -> None:
    deployed.upstream.set(canary="ok")
    source = ("--metrics", f"prometheus:{deployed.url}/metrics")
    status, first = deployed.gate(*source)
    assert (status, first["verdict"]) == (3, "hold"), first
    errors = gate_of(first, "error_rate")
    stated = errors["decide_at"]
    assert stated == ShareTest(0.01, first["alpha_per_gate"]).pass_at(0)
    assert gate_of(first, "usd_per_1k")["decision"] == "not judged"  # no cost per deployment

    before = 0
    for _ in range(30):
        deployed.send(BATCH)
        status, look = deployed.gate(*source)
        n = look["requests"]["canary"]
        if status == 0:
            break
        assert (status, look["verdict"]) == (3, "hold"), look
        assert n < stated, f"still holding at {n} canary requests, past the stated {stated}"
        before = n
    assert look["verdict"] == "promote", look
    assert before < stated <= look["requests"]["canary"]  # promoted at the first look past it
    assert gate_of(look, "error_rate")["canary"]["n"] == look["requests"]["canary"]

    # the next export: the canary at 100 % becomes the primary, noted in the header
    stepped = deployed.folder / "promoted.yaml"
    status, _ = deployed.gate(*source, "--step", "-o", str(stepped))
    assert status == 0
    text = stepped.read_text(encoding="utf-8")
    assert "promoted to primary" in text.split("model_list:")[0]
    group = [d for d in yaml.safe_load(text)["model_list"] if d["model_name"] == "canary-chat"]
    assert [d["model_info"]["offering"] for d in group] == ["newco/newco-chat"]
    refused = deployed.advisor(
        "gate", str(deployed.workloads), *PLAN_ARGS, "--workload", WORKLOAD,
        "--metrics", source[1], "--step", "-o", str(stepped),
    )  # fmt: skip
    assert refused.exit_code == 2 and "--force" in refused.output

    # the canary starts failing: the proxy's fallback hides it from callers, not from the gate
    deployed.upstream.set(canary="500")
    for _ in range(10):
        deployed.send(10)
        status, look = deployed.gate(*source)
        if status == 1:
            break
    assert look["verdict"] == "rollback", look
    assert "error_rate" in look["reason"]
    rolled = deployed.folder / "rolled-back.yaml"
    status, _ = deployed.gate(*source, "--step", "-o", str(rolled))
    text = rolled.read_text(encoding="utf-8")
    assert status == 1 and "rolled back (weight 0)" in text.split("model_list:")[0]
    group = [d for d in yaml.safe_load(text)["model_list"] if d["model_name"] == "canary-chat"]
    assert [d["model_info"]["offering"] for d in group] == ["north/north-chat"]


def test_probes_through_the_proxy_hold_promote_and_roll_back(deployed: Deployed) -> None:
    source = ("--metrics", f"probe:{deployed.url}")
    deployed.upstream.set(canary="ok")
    status, few = deployed.gate(*source, "--requests", "10")
    assert (status, few["verdict"]) == (3, "hold"), few
    stated = max(g["decide_at"] or 0 for g in few["gates"])
    assert stated <= 200  # at a 50 % weight, 400 requests give the canary about 200
    status, good = deployed.gate(*source, "--requests", "400")
    assert (status, good["verdict"]) == (0, "promote"), good
    assert good["requests"]["canary"] >= stated
    assert gate_of(good, "usd_per_1k")["decision"] == "pass"  # usage priced at catalog prices

    # a wrong key is the probe's fault, not the canary's: bad input, not a rollback
    wrong = deployed.advisor(
        "gate", str(deployed.workloads), *PLAN_ARGS, "--workload", WORKLOAD, *source,
        "--requests", "3", "--key-env", "NOT_THE_KEY",
    )  # fmt: skip
    assert wrong.exit_code == 2 and "refused a probe" in wrong.output, wrong.output

    deployed.upstream.set(canary="500")
    status, bad = deployed.gate(*source, "--requests", "40")
    assert (status, bad["verdict"]) == (1, "rollback"), bad
    assert any("cautious" in note for note in bad["notes"])
    deployed.upstream.set(canary="ok")


def test_a_slow_canary_is_rolled_back_on_its_first_token_gate(deployed: Deployed) -> None:
    """The canary starts every answer 0.6 s late against a 0.4 s p95 budget: streamed requests
    fill the proxy's time-to-first-token histogram and the gate rolls it back as soon as its
    sequential test allows, and not before."""
    source = ("--metrics", f"prometheus:{deployed.url}/metrics")
    deployed.upstream.set(canary="slow")
    try:
        status, first = deployed.gate(*source, workload=SLOW_WORKLOAD)
        assert (status, first["verdict"]) == (3, "hold"), first
        ttft = gate_of(first, "ttft_p95_ms")
        needed = ShareTest(0.05, first["alpha_per_gate"]).fail_at()
        before = 0
        for _ in range(10):
            deployed.send(4, SLOW_WORKLOAD, stream=True)
            status, look = deployed.gate(*source, workload=SLOW_WORKLOAD)
            ttft = gate_of(look, "ttft_p95_ms")
            if status == 1:
                break
            assert ttft["canary"]["n"] < needed, look
            before = ttft["canary"]["n"]
        assert look["verdict"] == "rollback" and "ttft_p95_ms" in look["reason"], look
        assert before < needed <= ttft["canary"]["n"]
        assert gate_of(look, "error_rate")["decision"] != "fail"  # slow, not failing
    finally:
        deployed.upstream.set(canary="ok")
