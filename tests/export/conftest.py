"""The real consumers of our exports, on loopback, against the simulator.

Fixtures and helpers for the export tests (docs/gateways-testing.md has the recipes):

- `start_sim(offering_faults={KEY: ALWAYS_5XX})`: a simulator for this test, where chosen
  offerings misbehave and every other one answers;
- `litellm_router(path)`: a `litellm.Router` built from a LiteLLM proxy config.yaml the way
  the proxy builds it (`os.environ/VAR` resolved, `litellm_settings` applied to the module
  and restored after the test, `router_settings` as Router arguments), but strict: what the
  proxy would drop with a warning is an error here;
- `tensorzero_gateway(path)`: TensorZero's embedded gateway on a tensorzero.toml;
- `portkey`: the Portkey gateway from npm, one per session, with `portkey.chat(config)`;
- `*_answered_by(response)`: which simulated offering served a response;
- `binomial_range(n, p, alpha)`: the counts a weighted split may give without a flaky test.

Every provider key variable of the simulated catalog holds a dummy value during each test,
so `os.environ/VAR` and `env::VAR` references resolve and no real key is ever sent.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import httpx
import pytest
import yaml

from advisor.export.litellm import MASTER_KEY_ENV
from catalog import BUNDLED_DIR, Catalog, load_catalog
from probes.simulator import SimulatorHandle, start_simulator
from tests.conftest import FIXTURE_CATALOG

if TYPE_CHECKING:
    from litellm import ModelResponse
    from litellm.router import Router
    from tensorzero import ChatInferenceResponse, TensorZeroGateway

# Before litellm or tensorzero is imported anywhere: no price-map download, no analytics.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["TENSORZERO_DISABLE_PSEUDONYMOUS_USAGE_ANALYTICS"] = "1"

PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]
SIM_LAYERS: Final = (BUNDLED_DIR, FIXTURE_CATALOG)
"""The bundled catalog plus the tests' made-up providers (acme, hostel), whose values never
change: the offerings a test names should come from the latter."""
TIME_SCALE: Final = 0.01
"""Simulated time runs 100× faster: a 450 ms TTFT takes 4.5 ms."""
DUMMY_KEY: Final = "sim-not-a-secret"

ALWAYS_5XX: Final = "5xx-burst:10"
"""A per-offering profile: every request to that offering gets a 503 or a 500."""
ALWAYS_429: Final = "429-storm:20"
"""A per-offering profile: every request to that offering gets a 429 with retry-after."""

PORTKEY_DIR: Final = PROJECT_ROOT / ".venv" / "portkey"
"""Where `make test` installs @portkey-ai/gateway (the version is pinned in the Makefile)."""
PORTKEY_PACKAGE: Final = PORTKEY_DIR / "node_modules" / "@portkey-ai" / "gateway"
PORTKEY_LOOPBACK: Final = Path(__file__).with_name("portkey_loopback.mjs")
STARTUP_TIMEOUT_S: Final = 60.0
"""Generous: a busy 2-core machine can take seconds to start a node process."""

PROXY_ONLY_LITELLM_SETTINGS: Final = frozenset(
    {
        "audit_log_callbacks",
        "budget_reset_time",
        "cache_params",
        "callbacks",
        "custom_provider_map",
        "default_internal_user_params",
        "default_max_internal_user_budget",
        "default_team_settings",
        "failure_callback",
        "global_bitbucket_config",
        "global_gitlab_config",
        "global_prompt_directory",
        "guardrails",
        "json_logs",
        "key_alias_pattern",
        "max_budget",
        "max_internal_user_budget",
        "max_ui_session_budget",
        "model_group_settings",
        "post_call_rules",
        "priority_reservation_settings",
        "responses",
        "success_callback",
        "upperbound_key_generate_params",
    }
)
"""`litellm_settings` keys the proxy handles itself (ProxyConfig.load_config) rather than
setting on the module: `litellm_router` refuses them instead of half-replicating them."""
LITELLM_SECTIONS: Final = frozenset(
    {"model_list", "router_settings", "litellm_settings", "general_settings"}
)
"""Top-level sections `litellm_router` accepts; `general_settings` is the proxy server's own
(auth, database) and has no effect on routing."""


# -- the simulator ------------------------------------------------------------------------


class StartSim(Protocol):
    def __call__(
        self,
        *,
        offering_faults: Mapping[str, str] | None = None,
        faults: str | None = None,
        rpm: int | None = None,
        time_scale: float = TIME_SCALE,
        seed: int = 7,
    ) -> SimulatorHandle: ...


@pytest.fixture
def start_sim() -> Iterator[StartSim]:
    """Start simulators on SIM_LAYERS for this test; each is stopped when the test ends.

    `offering_faults` maps offering keys (`provider/model-id`) to a fault profile for that
    offering alone: `start_sim(offering_faults={"acme/acme-large-2": ALWAYS_5XX})` fails the
    primary while the fallback answers. `faults` applies to every offering. A start takes
    about 0.3 s.
    """
    handles: list[SimulatorHandle] = []

    def start(
        *,
        offering_faults: Mapping[str, str] | None = None,
        faults: str | None = None,
        rpm: int | None = None,
        time_scale: float = TIME_SCALE,
        seed: int = 7,
    ) -> SimulatorHandle:
        handle = start_simulator(
            SIM_LAYERS,
            faults=faults,
            offering_faults=offering_faults,
            rpm=rpm,
            time_scale=time_scale,
            seed=seed,
            timeout=STARTUP_TIMEOUT_S,
        )
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture(scope="session")
def sim_catalog() -> Catalog:
    """The catalog the simulators serve."""
    return load_catalog(list(SIM_LAYERS))


@pytest.fixture(autouse=True)
def provider_keys(sim_catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A dummy value in every provider key variable of the catalog (and the LiteLLM proxy's
    master key), for this test."""
    keys = {p.key_env: DUMMY_KEY for p in sim_catalog.providers.values() if p.key_env}
    keys[MASTER_KEY_ENV] = "sk-" + DUMMY_KEY  # what the LiteLLM export's proxy needs to start
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    return keys


def sim_requests(sim: SimulatorHandle) -> int:
    """How many model calls the simulator has served (failed ones included)."""
    count: int = sim.health()["requests"]
    return count


def binomial_range(n: int, p: float, alpha: float) -> tuple[int, int]:
    """The central range of Binomial(n, p) that holds all but `alpha` of its mass: a fair
    weighted draw lands outside it less than once in 1/alpha runs. For checking a weighted
    split (canary, loadbalance) over n requests without a flaky tolerance."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    low, tail = 0, 0.0
    while tail + pmf[low] <= alpha / 2:
        tail += pmf[low]
        low += 1
    high, tail = n, 0.0
    while tail + pmf[high] <= alpha / 2:
        tail += pmf[high]
        high -= 1
    return low, high


# -- LiteLLM ------------------------------------------------------------------------------


class LiteLLMRouterFactory(Protocol):
    def __call__(self, config_path: Path) -> Router: ...


@pytest.fixture
def litellm_router(monkeypatch: pytest.MonkeyPatch) -> Iterator[LiteLLMRouterFactory]:
    """Build a Router from a LiteLLM proxy config.yaml, as `litellm --config` would.

    The steps of the proxy's ProxyConfig.load_config (litellm 1.110.2), without importing
    the proxy (it needs the `litellm[proxy]` extras and mutates proxy globals):

    1. every `os.environ/VAR` string anywhere in the config is resolved with litellm's own
       `get_secret` (so "true"/"false" become booleans, as in the proxy), except in keys
       litellm treats as secret pointers;
    2. each `litellm_settings` key is set on the `litellm` module (restored after the test);
    3. `router_settings` keys become Router arguments, through `Router.from_config`.

    Stricter than the proxy, so exporter bugs fail loudly: a referenced variable that is
    unset (the proxy would pass None), a `router_settings` key that is not a Router argument
    (the proxy logs a warning and drops it), a top-level section or `litellm_settings` key
    that needs the proxy server, or a deployment the Router rejects (the proxy skips those)
    raise ValueError.

    litellm caches provider clients process-wide; the ones made during the test are closed
    and dropped when it ends, so none outlives its simulator.
    """
    import litellm

    clients = litellm.in_memory_llm_clients_cache
    before = set(clients.cache_dict)

    def build(config_path: Path) -> Router:
        from litellm.constants import ROUTER_SETTINGS_MANAGED_OUTSIDE_CONFIG
        from litellm.router import Router, router_arguments
        from litellm.router_api import router_init_args
        from litellm.router_config import build_router_config

        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        if not isinstance(config, dict) or not isinstance(config.get("model_list"), list):
            raise ValueError(f"{config_path}: no model_list")
        unknown = set(config) - LITELLM_SECTIONS
        if unknown:
            raise ValueError(f"{config_path}: sections this loader does not apply: {unknown}")
        config = _resolve_os_environ(config, str(config_path))

        settings = config.get("litellm_settings") or {}
        for key, value in settings.items():
            if key in PROXY_ONLY_LITELLM_SETTINGS or (key == "cache" and value is not False):
                raise ValueError(f"{config_path}: litellm_settings.{key} needs the proxy server")
            if key in ("cache", "suppress_startup_output"):
                continue
            monkeypatch.setattr(litellm, key, value, raising=False)
            if key == "request_timeout":
                monkeypatch.setattr(litellm, "request_timeout_explicitly_set", True)

        router_settings = config.get("router_settings") or {}
        allowed = set(router_init_args()) - ROUTER_SETTINGS_MANAGED_OUTSIDE_CONFIG
        stray = sorted(set(router_settings) - allowed)
        if stray:
            raise ValueError(f"{config_path}: router_settings keys the proxy would ignore: {stray}")
        arguments = router_arguments(model_list=config["model_list"], **router_settings)
        router: Router = Router.from_config(build_router_config(arguments))
        return router

    yield build
    for key in set(clients.cache_dict) - before:
        close = getattr(clients.cache_dict[key], "close", None)
        if callable(close) and not inspect.iscoroutinefunction(close):
            close()
        clients.delete_cache(key)


def _resolve_os_environ(value: Any, where: str, key: str = "") -> Any:
    """The proxy's `_check_for_os_environ_vars`, refusing unset variables."""
    from litellm.secret_managers.main import get_secret
    from litellm.types.router import holds_secret_pointer

    if isinstance(value, dict):
        return {k: _resolve_os_environ(v, f"{where}.{k}", str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [
            _resolve_os_environ(item, f"{where}[{i}]", key) if isinstance(item, dict) else item
            for i, item in enumerate(value)
        ]
    if isinstance(value, str) and value.startswith("os.environ/") and not holds_secret_pointer(key):
        name = value.removeprefix("os.environ/")
        if name not in os.environ:
            raise ValueError(f"{where}: {value} names an unset environment variable")
        return get_secret(value)
    return value


def litellm_chat(router: Router, model: str, content: str = "ping", **kwargs: Any) -> ModelResponse:
    """One non-streamed chat completion through the router, by model group name."""
    from litellm import ModelResponse

    response = router.completion(
        model=model, messages=[{"role": "user", "content": content}], **kwargs
    )
    assert isinstance(response, ModelResponse), response
    return response


def litellm_answered_by(response: ModelResponse) -> str | None:
    """The offering key the simulator served (its `x-sim-offering` header, which litellm
    keeps in `_hidden_params`). None over the Gemini wire: litellm keeps no headers there;
    `response.model` still names the model id."""
    headers = response._hidden_params.get("additional_headers") or {}
    offering = headers.get("llm_provider-x-sim-offering")
    return str(offering) if offering is not None else None


# -- TensorZero ---------------------------------------------------------------------------


class TensorZeroFactory(Protocol):
    def __call__(self, config_path: Path) -> TensorZeroGateway: ...


@pytest.fixture
def tensorzero_gateway() -> Iterator[TensorZeroFactory]:
    """TensorZero's embedded gateway on a tensorzero.toml, closed when the test ends.

    Loading raises `tensorzero.TensorZeroInternalError` on any config error: unknown keys,
    a `routing` entry missing from `providers`, or an `env::VAR` key location whose variable
    is unset. No ClickHouse or Postgres: observability is off, inference works.
    """
    from tensorzero import TensorZeroGateway

    opened: list[TensorZeroGateway] = []

    def build(config_path: Path) -> TensorZeroGateway:
        gateway = TensorZeroGateway.build_embedded(
            config_file=str(config_path), timeout=STARTUP_TIMEOUT_S
        )
        opened.append(gateway)
        return gateway

    yield build
    for gateway in opened:
        gateway.close()


def tensorzero_chat(
    gateway: TensorZeroGateway,
    *,
    function_name: str | None = None,
    model_name: str | None = None,
    content: str = "ping",
) -> ChatInferenceResponse:
    """One non-streamed chat inference that keeps the providers' raw responses."""
    from tensorzero import ChatInferenceResponse

    response = gateway.inference(
        function_name=function_name,
        model_name=model_name,
        input={"messages": [{"role": "user", "content": content}]},
        include_raw_response=True,
    )
    assert isinstance(response, ChatInferenceResponse), response
    return response


def tensorzero_answered_by(response: ChatInferenceResponse) -> str:
    """The model id the simulator served, from the one successful provider call among the
    raw responses (failed attempts are listed too, without a model inference id)."""
    served = [e for e in response.raw_response or [] if e.model_inference_id is not None]
    assert len(served) == 1, response.raw_response
    model: str = json.loads(served[0].data)["model"]
    return model


# -- Portkey ------------------------------------------------------------------------------


@dataclass
class PortkeyGateway:
    """The Portkey gateway (npm `@portkey-ai/gateway`) running on a loopback port."""

    url: str
    version: str
    process: subprocess.Popen[bytes] = field(repr=False)
    log: Path
    client: httpx.Client = field(repr=False)

    def chat(
        self,
        config: Mapping[str, Any] | str,
        *,
        content: str = "ping",
        headers: Mapping[str, str] | None = None,
        **body: Any,
    ) -> httpx.Response:
        """POST /v1/chat/completions with `config` as the raw-JSON `x-portkey-config` header
        (what the open-source gateway reads). Targets name the model in
        `override_params.model`; `body` adds request fields (`model`, `max_tokens`, ...)."""
        text = config if isinstance(config, str) else json.dumps(config)
        payload = {"messages": [{"role": "user", "content": content}], **body}
        return self.client.post(
            f"{self.url}/v1/chat/completions",
            json=payload,
            headers={"x-portkey-config": text, **(headers or {})},
        )

    def output(self) -> str:
        """What the gateway wrote to stderr so far (its errors)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def portkey_target(
    sim: SimulatorHandle, base_path: str, model: str, **extra: Any
) -> dict[str, Any]:
    """A Portkey target for one simulated offering over the OpenAI wire: provider openai,
    custom_host = the simulator's stand-in for the provider base URL (e.g. `/p/acme/v1`)."""
    return {
        "provider": "openai",
        "api_key": DUMMY_KEY,
        "custom_host": sim.url + base_path,
        "override_params": {"model": model},
        **extra,
    }


def portkey_answered_by(response: httpx.Response) -> str | None:
    """The offering key the simulator served: Portkey passes the upstream headers through."""
    offering = response.headers.get("x-sim-offering")
    return None if offering is None else str(offering)


@pytest.fixture(scope="session")
def portkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortkeyGateway]:
    """One Portkey gateway per session (per xdist worker), stopped at the end."""
    script = PORTKEY_PACKAGE / "build" / "start-server.js"
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (20 or newer) is not on PATH; the Portkey gateway needs it")
    if not script.exists():
        pytest.fail(f"{script} is missing: `make test` installs the Portkey gateway (npm)")
    version = json.loads((PORTKEY_PACKAGE / "package.json").read_text())["version"]
    log = tmp_path_factory.mktemp("portkey") / "gateway.log"
    process, url = _start_portkey(node, script, log)
    with httpx.Client(timeout=60) as client:
        try:
            yield PortkeyGateway(url, version, process, log, client)
        finally:
            _stop(process)


def _start_portkey(node: str, script: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start the gateway on a free loopback port and wait until it answers. A port taken
    between choosing and binding it (another worker) is retried on a new one."""
    for _ in range(3):
        port = _free_port()
        with log.open("ab") as errors:
            process = subprocess.Popen(
                [
                    node,
                    "--import",
                    PORTKEY_LOOPBACK.as_uri(),
                    str(script),
                    f"--port={port}",
                    "--headless",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # a spinner and a banner
                stderr=errors,
                cwd=PORTKEY_DIR,
            )
        url = f"http://127.0.0.1:{port}"
        if _wait_until_up(url, process):
            return process, url
        _stop(process)
        if "EADDRINUSE" not in log.read_text(errors="replace"):
            break
    pytest.fail(f"the Portkey gateway did not start:\n{log.read_text(errors='replace')}")


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/", timeout=2).text == "AI Gateway says hey!":
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
