"""The gateway consumers, proven on hand-written minimal configs against the simulator.

Each consumer routes between two made-up offerings of the test catalog: the primary
`acme/acme-large-2` (OpenAI wire) and the fallback `hostel/opal-70b` (an OpenAI-compatible
host: another provider, as plans order them). A simulator fault on the primary alone makes
it fail while the fallback answers; the simulator's ground truth (`x-sim-offering`, the
model in the body, its request count) says who served. Each test also runs without the
fault, where the primary must answer, so none of them passes by always falling back.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest
import yaml

from probes.simulator import SimulatorHandle
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
    portkey_target,
    sim_requests,
    tensorzero_answered_by,
    tensorzero_chat,
)

PRIMARY = "acme/acme-large-2"
FALLBACK = "hostel/opal-70b"

# (fault on the primary, who answers, model calls the simulator serves)
FAILOVER = [
    pytest.param(None, PRIMARY, 1, id="healthy"),
    pytest.param(ALWAYS_5XX, FALLBACK, 2, id="5xx"),
    pytest.param(ALWAYS_429, FALLBACK, 2, id="429"),
]


def faults_on_primary(fault: str | None) -> dict[str, str] | None:
    return {PRIMARY: fault} if fault else None


# -- LiteLLM ------------------------------------------------------------------------------


def litellm_config(sim: SimulatorHandle, path: Path) -> Path:
    path.write_text(
        textwrap.dedent(
            f"""\
            model_list:
              - model_name: support-chat
                litellm_params:
                  model: openai/acme-large-2
                  api_base: {sim.url}/p/acme/v1
                  api_key: os.environ/ACME_API_KEY
              - model_name: support-chat-fallback-1
                litellm_params:
                  model: openai/opal-70b
                  api_base: os.environ/HOSTEL_BASE_URL
                  api_key: os.environ/HOSTEL_API_KEY
            router_settings:
              num_retries: 0
              fallbacks:
                - support-chat: [support-chat-fallback-1]
            """
        )
    )
    return path


@pytest.mark.parametrize(("fault", "answered_by", "calls"), FAILOVER)
def test_litellm_router_falls_back_to_the_next_group(
    fault: str | None,
    answered_by: str,
    calls: int,
    start_sim: StartSim,
    litellm_router: LiteLLMRouterFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = start_sim(offering_faults=faults_on_primary(fault))
    monkeypatch.setenv("HOSTEL_BASE_URL", f"{sim.url}/p/hostel/v1")  # any value may be a ref
    router = litellm_router(litellm_config(sim, tmp_path / "config.yaml"))

    response = litellm_chat(router, "support-chat")

    assert litellm_answered_by(response) == answered_by
    assert response.choices[0].message.content
    assert sim_requests(sim) == calls


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"router_settings": {"fallback": []}}, "router_settings keys the proxy would ignore"),
        ({"litellm_settings": {"callbacks": ["x"]}}, "needs the proxy server"),
        ({"environment_variables": {"A": "b"}}, "sections this loader does not apply"),
    ],
)
def test_litellm_loader_refuses_what_the_proxy_would_drop(
    edit: dict[str, object],
    message: str,
    litellm_router: LiteLLMRouterFactory,
    tmp_path: Path,
) -> None:
    config = {
        "model_list": [{"model_name": "a", "litellm_params": {"model": "openai/acme-large-2"}}],
        **edit,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(ValueError, match=message):
        litellm_router(path)


def test_litellm_loader_refuses_an_unset_variable(
    litellm_router: LiteLLMRouterFactory,
    start_sim: StartSim,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = start_sim()
    monkeypatch.delenv("HOSTEL_BASE_URL", raising=False)
    with pytest.raises(ValueError, match=r"os.environ/HOSTEL_BASE_URL names an unset"):
        litellm_router(litellm_config(sim, tmp_path / "config.yaml"))


# -- TensorZero ---------------------------------------------------------------------------


def tensorzero_config(sim: SimulatorHandle, path: Path) -> Path:
    path.write_text(
        textwrap.dedent(
            f"""\
            [models.acme_large_2]
            routing = ["acme"]

            [models.acme_large_2.providers.acme]
            type = "openai"
            model_name = "acme-large-2"
            api_base = "{sim.url}/p/acme/v1/"
            api_key_location = "env::ACME_API_KEY"

            [models.opal_70b]
            routing = ["hostel"]

            [models.opal_70b.providers.hostel]
            type = "openai"
            model_name = "opal-70b"
            api_base = "{sim.url}/p/hostel/v1/"
            api_key_location = "env::HOSTEL_API_KEY"

            # Both offerings behind one model: providers are tried in `routing` order.
            [models.support_chat_routed]
            routing = ["acme", "hostel"]

            [models.support_chat_routed.providers.acme]
            type = "openai"
            model_name = "acme-large-2"
            api_base = "{sim.url}/p/acme/v1/"
            api_key_location = "env::ACME_API_KEY"

            [models.support_chat_routed.providers.hostel]
            type = "openai"
            model_name = "opal-70b"
            api_base = "{sim.url}/p/hostel/v1/"
            api_key_location = "env::HOSTEL_API_KEY"

            [functions.support_chat]
            type = "chat"

            [functions.support_chat.variants.primary]
            type = "chat_completion"
            model = "acme_large_2"

            [functions.support_chat.variants.fallback_1]
            type = "chat_completion"
            model = "opal_70b"

            [functions.support_chat.experimentation]
            type = "static"
            candidate_variants = ["primary"]
            fallback_variants = ["fallback_1"]
            """
        )
    )
    return path


@pytest.mark.parametrize(("fault", "answered_by", "calls"), FAILOVER)
def test_tensorzero_fails_over_to_the_next_variant(
    fault: str | None,
    answered_by: str,
    calls: int,
    start_sim: StartSim,
    tensorzero_gateway: TensorZeroFactory,
    tmp_path: Path,
) -> None:
    sim = start_sim(offering_faults=faults_on_primary(fault))
    gateway = tensorzero_gateway(tensorzero_config(sim, tmp_path / "tensorzero.toml"))

    response = tensorzero_chat(gateway, function_name="support_chat")

    variant = "primary" if answered_by == PRIMARY else "fallback_1"
    assert response.variant_name == variant
    assert tensorzero_answered_by(response) == answered_by.split("/", 1)[1]
    assert sim_requests(sim) == calls


@pytest.mark.parametrize(("fault", "answered_by", "calls"), FAILOVER)
def test_tensorzero_tries_a_models_providers_in_routing_order(
    fault: str | None,
    answered_by: str,
    calls: int,
    start_sim: StartSim,
    tensorzero_gateway: TensorZeroFactory,
    tmp_path: Path,
) -> None:
    sim = start_sim(offering_faults=faults_on_primary(fault))
    gateway = tensorzero_gateway(tensorzero_config(sim, tmp_path / "tensorzero.toml"))

    response = tensorzero_chat(gateway, model_name="support_chat_routed")

    assert tensorzero_answered_by(response) == answered_by.split("/", 1)[1]
    assert sim_requests(sim) == calls


# -- Portkey ------------------------------------------------------------------------------

RETRYABLE = [408, 429, 500, 502, 503, 504]


@pytest.mark.parametrize(("fault", "answered_by", "calls"), FAILOVER)
def test_portkey_falls_back_on_listed_statuses(
    fault: str | None,
    answered_by: str,
    calls: int,
    start_sim: StartSim,
    portkey: PortkeyGateway,
) -> None:
    sim = start_sim(offering_faults=faults_on_primary(fault))
    config = {
        "strategy": {"mode": "fallback", "on_status_codes": RETRYABLE},
        "targets": [
            portkey_target(sim, "/p/acme/v1", "acme-large-2"),
            portkey_target(sim, "/p/hostel/v1", "opal-70b"),
        ],
    }

    response = portkey.chat(config)

    assert response.status_code == 200, response.text
    assert portkey_answered_by(response) == answered_by
    index = 0 if answered_by == PRIMARY else 1
    assert response.headers["x-portkey-last-used-option-index"] == f"config.targets[{index}]"
    assert response.json()["choices"][0]["message"]["content"]
    assert sim_requests(sim) == calls


def test_portkey_does_not_fall_back_on_a_status_left_out(
    start_sim: StartSim, portkey: PortkeyGateway
) -> None:
    sim = start_sim(offering_faults={PRIMARY: ALWAYS_5XX})
    config = {
        "strategy": {"mode": "fallback", "on_status_codes": [429]},
        "targets": [
            portkey_target(sim, "/p/acme/v1", "acme-large-2"),
            portkey_target(sim, "/p/hostel/v1", "opal-70b"),
        ],
    }

    response = portkey.chat(config)

    assert response.status_code in (500, 503)
    assert portkey_answered_by(response) == PRIMARY
    assert sim_requests(sim) == 1


def test_portkey_rejects_an_invalid_config_with_400(
    start_sim: StartSim, portkey: PortkeyGateway
) -> None:
    sim = start_sim()
    config = {
        "retry": {"on_status_codes": [429]},  # `attempts` is required
        "targets": [portkey_target(sim, "/p/acme/v1", "acme-large-2")],
        "strategy": {"mode": "fallback"},
    }

    response = portkey.chat(config)

    assert response.status_code == 400
    assert response.json()["message"] == "Invalid config passed"
    assert "retry,attempts" in str(response.json()["errors"])
    assert sim_requests(sim) == 0


def test_binomial_range_holds_the_likely_counts_only() -> None:
    low, high = binomial_range(200, 0.2, 1e-6)
    assert (low, high) == (15, 70)  # around the mean of 40
    assert binomial_range(200, 0.8, 1e-6) == (200 - high, 200 - low)


def test_portkey_loadbalance_splits_by_relative_weight(
    start_sim: StartSim, portkey: PortkeyGateway
) -> None:
    """Weights 4 and 1 (relative, not percentages) over 200 requests: the second target's
    count must fall in 15..70, which a fair 1-in-5 draw misses once in a million runs. An
    ignored weight (an even split: 100 expected, in range once in 75,000 runs), swapped
    weights or a target never picked fail."""
    sim = start_sim(time_scale=0.001)
    config = {
        "strategy": {"mode": "loadbalance"},
        "targets": [
            portkey_target(sim, "/p/acme/v1", "acme-large-2", weight=4),
            portkey_target(sim, "/p/hostel/v1", "opal-70b", weight=1),
        ],
    }
    requests = 200

    served = Counter(
        portkey_answered_by(portkey.chat(config, max_tokens=4)) for _ in range(requests)
    )

    assert set(served) == {PRIMARY, FALLBACK}, served
    low, high = binomial_range(requests, 0.2, 1e-6)
    assert low <= served[FALLBACK] <= high, (served, (low, high))
    assert sim_requests(sim) == requests
