"""Our exports in the real gateways, on loopback, in front of the simulator.

A plan is made for a workload that only the test catalog's made-up providers (acme, hostel)
can serve; the providers file points them at the simulator, as a user would point them at a
proxy. Then the simulator fails the plan's primary on purpose, and the gateway loaded with the
export must be answered by the plan's first fallback. Without the fault the primary answers,
so no test passes by always falling back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from advisor.export import render
from advisor.match.matching import match
from advisor.plan import Plan, PlanOptions, make_plan, resolve_endpoints
from advisor.workload.model import Workload
from catalog import Catalog
from probes.simulator.app import sim_base_url
from probes.targets import ProviderOverride
from tests.export.conftest import (
    ALWAYS_5XX,
    ALWAYS_429,
    LiteLLMRouterFactory,
    PortkeyGateway,
    StartSim,
    TensorZeroFactory,
    binomial_range,
    litellm_answered_by,
    litellm_chat,
    portkey_answered_by,
    tensorzero_answered_by,
    tensorzero_chat,
)

TODAY = dt.date(2026, 11, 1)
WORKLOAD = Workload.model_validate(
    {
        "name": "ticket-triage",
        "context_tokens": 800,
        "max_context_tokens": 100_000,  # rules out the free variant and the small old model
        "output_tokens": 40,
        "providers": {"allow": ["acme", "hostel"]},
    }
)


def sim_plan(catalog: Catalog, sim_url: str, canary_weight: float | None = None) -> Plan:
    """The plan for WORKLOAD, its providers moved to the simulator by the providers file."""
    overrides = {
        p.id: ProviderOverride(base_url=sim_base_url(sim_url, p))
        for p in catalog.providers.values()
    }
    result = match(WORKLOAD, catalog, today=TODAY)
    return make_plan(
        [result],
        catalog,
        resolve_endpoints(catalog, overrides),
        options=PlanOptions(canary_weight=canary_weight),
        today=TODAY,
    )


def write(tmp_path: Path, fmt: str, plan: Plan, catalog: Catalog, name: str) -> Path:
    path = tmp_path / name
    path.write_text(render(fmt, plan, catalog, path), encoding="utf-8")
    return path


def roles(catalog: Catalog) -> tuple[str, str]:
    """The plan's primary and first fallback (where the simulator runs changes neither)."""
    (wp,) = sim_plan(catalog, "http://127.0.0.1:9").workloads
    assert wp.fallbacks, "the plan needs a fallback for these tests"
    primary, fallback = wp.primary.key, wp.fallbacks[0].key
    assert primary.split("/")[0] != fallback.split("/")[0]  # another provider first
    return primary, fallback


@pytest.mark.parametrize("fault", [None, ALWAYS_5XX, ALWAYS_429], ids=["healthy", "5xx", "429"])
def test_litellm_router_fails_over_to_the_first_fallback(
    start_sim: StartSim,
    sim_catalog: Catalog,
    litellm_router: LiteLLMRouterFactory,
    tmp_path: Path,
    fault: str | None,
) -> None:
    primary, fallback = roles(sim_catalog)
    sim = start_sim(offering_faults={primary: fault} if fault else None)
    plan = sim_plan(sim_catalog, sim.url)
    path = write(tmp_path, "litellm", plan, sim_catalog, "config.yaml")
    config = yaml.safe_load(path.read_text())
    groups = {d["model_name"] for d in config["model_list"]}
    for item in config["router_settings"]["fallbacks"]:
        ((source, targets),) = item.items()
        assert source in groups and set(targets) <= groups
    router = litellm_router(path)
    answer = litellm_chat(router, WORKLOAD.name)
    assert litellm_answered_by(answer) == (fallback if fault else primary)


@pytest.mark.parametrize("fault", [None, ALWAYS_5XX, ALWAYS_429], ids=["healthy", "5xx", "429"])
def test_tensorzero_fails_over_to_the_next_variant(
    start_sim: StartSim,
    sim_catalog: Catalog,
    tensorzero_gateway: TensorZeroFactory,
    tmp_path: Path,
    fault: str | None,
) -> None:
    primary, fallback = roles(sim_catalog)
    sim = start_sim(offering_faults={primary: fault} if fault else None)
    plan = sim_plan(sim_catalog, sim.url)
    gateway = tensorzero_gateway(
        write(tmp_path, "tensorzero", plan, sim_catalog, "tensorzero.toml")
    )
    answer = tensorzero_chat(gateway, function_name=WORKLOAD.name)
    served = sim_catalog.get(fallback if fault else primary)
    assert served is not None
    assert tensorzero_answered_by(answer) == served.id


def portkey_config(tmp_path: Path, plan: Plan, catalog: Catalog) -> str:
    """The workload's config with its `${VAR}` key placeholders filled from the environment,
    as a user would with envsubst."""
    doc = json.loads(write(tmp_path, "portkey", plan, catalog, "portkey.json").read_text())
    return os.path.expandvars(json.dumps(doc["configs"][WORKLOAD.name]))


@pytest.mark.parametrize("fault", [None, ALWAYS_5XX, ALWAYS_429], ids=["healthy", "5xx", "429"])
def test_portkey_falls_back_on_5xx_and_429(
    start_sim: StartSim,
    sim_catalog: Catalog,
    portkey: PortkeyGateway,
    tmp_path: Path,
    fault: str | None,
) -> None:
    primary, fallback = roles(sim_catalog)
    sim = start_sim(offering_faults={primary: fault} if fault else None)
    config = portkey_config(tmp_path, sim_plan(sim_catalog, sim.url), sim_catalog)
    response = portkey.chat(config)
    assert response.status_code == 200, (response.text, portkey.output()[-2000:])
    assert portkey_answered_by(response) == (fallback if fault else primary)


def test_portkey_loadbalance_lands_near_the_canary_weight(
    start_sim: StartSim, sim_catalog: Catalog, portkey: PortkeyGateway, tmp_path: Path
) -> None:
    sim = start_sim()
    plan = sim_plan(sim_catalog, sim.url, canary_weight=0.25)
    (wp,) = plan.workloads
    assert wp.canary is not None
    config = portkey_config(tmp_path, plan, sim_catalog)
    assert json.loads(config)["targets"][0]["strategy"]["mode"] == "loadbalance"
    n = 200
    served = Counter(portkey_answered_by(portkey.chat(config)) for _ in range(n))
    assert set(served) <= {wp.primary.key, wp.canary.choice.key}
    low, high = binomial_range(n, 0.25, 1e-6)
    assert low <= served[wp.canary.choice.key] <= high, served
