"""The gateway conformance suite: our exports in each gateway run as users run it, in front
of the suite's own misbehaving upstream (tests/gateways/upstream.py).

One plan, two workloads, four made-up providers (tests/gateways/catalog), each served by one
upstream deployment on its own port: `support-chat` (primary north, fallback south, context
fallback vast) and `canary-chat` (the same, plus newco as a 20 % canary, which is not a
fallback). The fixture catalog gives each offering a p95 end-to-end time, so the plan splits
the workloads' 2 s latency budget on catalog figures. Each gateway module starts its gateway once, on the exports of that plan, and
runs every scenario of tests/gateways/scenarios.py against it.

The results of the last run go to RESULTS (one file per gateway, a row per scenario);
`python -m tests.gateways.report` turns them into docs/gateways.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final, TypeVar

import httpx
import pytest

from advisor.export import render, write_companions
from advisor.export.litellm import MASTER_KEY_ENV
from advisor.match.matching import match
from advisor.plan import Plan, PlanOptions, WorkloadPlan, make_plan, resolve_endpoints
from advisor.workload.model import Workload
from catalog import Catalog, load_catalog
from probes.targets import ProviderOverride
from tests.export.conftest import (
    PORTKEY_DIR,
    PORTKEY_PACKAGE,
    PROJECT_ROOT,
    STARTUP_TIMEOUT_S,
    _free_port,
    _start_portkey,
    _stop,
)
from tests.gateways.drivers import Gateway, LiteLLMProxy, PortkeyGateway, TensorZeroEmbedded
from tests.gateways.scenarios import CANARY, CANARY_WEIGHT, PLAIN
from tests.gateways.upstream import Upstream

SUITE_CATALOG: Final = Path(__file__).with_name("catalog")
RESULTS: Final = PROJECT_ROOT / ".venv" / "gateways-last-run"
"""Where each run of the suite leaves its results, one JSON file per gateway (git-ignored,
like the rest of .venv)."""
TODAY: Final = dt.date(2026, 11, 1)
DUMMY_KEY: Final = "upstream-not-a-secret"

ROLES: Final = {
    "north/north-chat": "primary",
    "south/south-chat": "fallback-1",
    "newco/newco-chat": "canary",
    "vast/vast-chat": "context",
}
"""The deployment (upstream name) each planned offering is served by."""


def workload(name: str) -> Workload:
    return Workload.model_validate(
        {
            "name": name,
            "context_tokens": 1000,
            "max_context_tokens": 7000,  # near the 8k windows: a context fallback is planned
            "output_tokens": 200,
            "latency": {"e2e_p95_ms": 2000},
            "providers": {"allow": ["north", "south", "newco", "vast"]},
        }
    )


@dataclasses.dataclass(frozen=True)
class Suite:
    """What every scenario needs: the upstream, the plan and the exported files."""

    upstream: Upstream
    plan: Plan
    exports: dict[str, Path]

    def workload(self, name: str) -> WorkloadPlan:
        return next(wp for wp in self.plan.workloads if wp.name == name)


def make_suite_plan(catalog: Catalog, upstream: Upstream) -> Plan:
    """The plan of both workloads, every provider moved to its upstream deployment."""
    by_provider = {key.split("/")[0]: role for key, role in ROLES.items()}
    overrides = {
        p: ProviderOverride(base_url=upstream.deployments[role].base_url)
        for p, role in by_provider.items()
    }
    endpoints = resolve_endpoints(catalog, overrides)
    plain = make_plan(
        [match(workload(PLAIN), catalog, today=TODAY)],
        catalog,
        endpoints,
        options=PlanOptions(max_fallbacks=1),
        today=TODAY,
    )
    canary = make_plan(
        [match(workload(CANARY), catalog, today=TODAY)],
        catalog,
        endpoints,
        options=PlanOptions(
            max_fallbacks=1, canary_weight=CANARY_WEIGHT, canary="newco/newco-chat"
        ),
        today=TODAY,
    )
    return dataclasses.replace(
        plain,
        workloads=plain.workloads + canary.workloads,
        endpoints={**plain.endpoints, **canary.endpoints},
    )


def check_roles(plan: Plan) -> None:
    """The plan routes as the scenarios expect; a planner change that moves a role shows
    here, not as a puzzling gateway failure."""
    for wp in plan.workloads:
        assert ROLES[wp.primary.key] == "primary", wp.primary
        assert [ROLES[c.key] for c in wp.fallbacks] == ["fallback-1"], wp.fallbacks
        assert wp.context.choice is not None and ROLES[wp.context.choice.key] == "context"
        # The budget's split rests on the fallback's catalog p95: a hung primary is answered
        # by it within the budget, with the gateway allowance to spare.
        t = wp.timeouts
        assert t.fits and t.reserve is not None and t.reserve.origin == "catalog", t.summary()
        assert t.fallback_s is not None and t.budget_s is not None
        assert t.hop_s + t.fallback_s + t.overhead_s <= t.budget_s
    canary = next(wp for wp in plan.workloads if wp.name == CANARY)
    assert canary.canary is not None and ROLES[canary.canary.choice.key] == "canary"


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """The upstream, the plan and its exports, for one gateway module."""
    catalog = load_catalog([SUITE_CATALOG])
    upstream = Upstream(
        (ROLES[o.key], o.id, o.limits.context or 0) for o in catalog.offerings
    ).start()
    try:
        plan = make_suite_plan(catalog, upstream)
        check_roles(plan)
        folder = tmp_path_factory.mktemp("exports")
        names = {"litellm": "config.yaml", "tensorzero": "tensorzero.toml"}
        names |= {"portkey": "portkey.json", "openrouter": "openrouter.json"}
        exports = {}
        for fmt, name in names.items():
            path = folder / name
            path.write_text(render(fmt, plan, catalog, path), encoding="utf-8")
            write_companions(fmt, plan, path)
            exports[fmt] = path
        yield Suite(upstream, plan, exports)
    finally:
        upstream.stop()


@pytest.fixture(scope="module")
def gateway_env() -> Iterator[dict[str, str]]:
    """Dummy provider keys and a master key, in this process (TensorZero reads them here)
    and for the gateway processes; restored after the module."""
    catalog = load_catalog([SUITE_CATALOG])
    values = {p.key_env: DUMMY_KEY for p in catalog.providers.values() if p.key_env}
    values[MASTER_KEY_ENV] = "sk-" + DUMMY_KEY
    values["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    values["TENSORZERO_DISABLE_PSEUDONYMOUS_USAGE_ANALYTICS"] = "1"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in values.items():
            mp.setenv(name, value)
        yield values


# -- the gateways, once per module ---------------------------------------------------------

G = TypeVar("G", bound=Gateway)


def warmed(gateway: G, suite: Suite) -> G:
    """The gateway after one answered request: its first one does lazy set-up (the LiteLLM
    proxy took up to 3 s), which is no part of failing over."""
    answer = gateway.chat(PLAIN, "warm-up ping")
    assert answer.ok, (answer, gateway.output()[-2000:])
    suite.upstream.reset()
    return gateway


@contextlib.contextmanager
def running_litellm_proxy(
    config: Path, env: Mapping[str, str], folder: Path
) -> Iterator[tuple[str, Path]]:
    """`litellm --config CONFIG` on a loopback port, as users start it: its URL once it
    answers `/health/liveliness`, and its log (in `folder`); stopped on the way out."""
    exe = PROJECT_ROOT / ".venv" / "bin" / "litellm"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: `make test` installs the LiteLLM proxy")
    log = folder / "proxy.log"
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(exe), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            cwd=folder,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 2 * STARTUP_TIMEOUT_S  # the proxy imports a lot
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health/liveliness", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail(f"the LiteLLM proxy did not start:\n{log.read_text(errors='replace')}")
        yield url, log
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def litellm_proxy(
    suite: Suite, gateway_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiteLLMProxy]:
    """`litellm --config <export>` as a process on a loopback port, as users start it."""
    folder = tmp_path_factory.mktemp("litellm")
    with (
        running_litellm_proxy(suite.exports["litellm"], gateway_env, folder) as (url, log),
        httpx.Client(timeout=60) as client,
    ):
        yield warmed(LiteLLMProxy(url, gateway_env[MASTER_KEY_ENV], client, log), suite)


@pytest.fixture(scope="module")
def portkey_gateway(
    suite: Suite, gateway_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PortkeyGateway]:
    """The Portkey npm gateway, fed the exported configs with `${VAR}` substituted, as a
    user would with envsubst."""
    node = shutil.which("node")
    script = PORTKEY_PACKAGE / "build" / "start-server.js"
    if node is None or not script.exists():
        pytest.fail("node and the Portkey gateway are needed: `make test` installs it")
    version = json.loads((PORTKEY_PACKAGE / "package.json").read_text())["version"]
    log = tmp_path_factory.mktemp("portkey") / "gateway.log"
    assert PORTKEY_DIR.exists()
    process, url = _start_portkey(node, script, log)
    text = suite.exports["portkey"].read_text(encoding="utf-8")
    for name, value in gateway_env.items():
        text = text.replace("${" + name + "}", value)
    doc = json.loads(text)
    try:
        with httpx.Client(timeout=60) as client:
            yield warmed(PortkeyGateway(url, version, doc, client, log), suite)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def tensorzero_embedded(suite: Suite, gateway_env: dict[str, str]) -> Iterator[TensorZeroEmbedded]:
    """TensorZero's embedded gateway on the export (no registry package ships its HTTP
    gateway: see docs/gateways.md)."""
    from tensorzero import TensorZeroGateway

    gateway = TensorZeroGateway.build_embedded(
        config_file=str(suite.exports["tensorzero"]), timeout=STARTUP_TIMEOUT_S
    )
    try:
        yield warmed(TensorZeroEmbedded(gateway), suite)
    finally:
        gateway.close()


# -- results for docs/gateways.md ---------------------------------------------------------


@pytest.fixture(scope="module")
def results() -> Iterator[list[dict[str, object]]]:
    """The module's scenario results, written to RESULTS/<gateway>.json when it ends (each
    gateway module runs in one worker: its xdist group)."""
    rows: list[dict[str, object]] = []
    yield rows
    if rows:
        RESULTS.mkdir(parents=True, exist_ok=True)
        gateway = str(rows[0]["gateway"])
        (RESULTS / f"{gateway}.json").write_text(json.dumps(rows, indent=1) + "\n")
