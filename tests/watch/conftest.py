"""The gate against the real thing: the LiteLLM proxy running the plan's own export (written
by `advisor export`, with the Prometheus callback added as the README says), in front of the
gateway suite's loopback upstream (tests/gateways/upstream.py), whose canary deployment can be
made to fail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from advisor.cli import cli
from advisor.export.litellm import MASTER_KEY_ENV
from advisor.match.matching import match
from advisor.plan import PlanOptions, WorkloadPlan, make_plan, resolve_endpoints
from catalog import load_catalog
from tests.gateways.conftest import (
    DUMMY_KEY,
    ROLES,
    SUITE_CATALOG,
    TODAY,
    running_litellm_proxy,
    workload,
)
from tests.gateways.upstream import Upstream

WORKLOAD: Final = "canary-chat"
SLOW_WORKLOAD: Final = "fast-chat"
"""The same routing with a 0.4 s first-token budget, so that its canary has a latency gate
below the 0.8 s its deployments time out at (a slower canary fails rather than lags)."""
CANARY: Final = "newco/newco-chat"
WEIGHT: Final = 0.5
PLAN_ARGS: Final = (
    "--run",
    "none",
    "--max-fallbacks",
    "1",
    "--canary-weight",
    str(WEIGHT),
    "--canary",
    CANARY,
)
"""The options the export was made with; `advisor gate` is given the same."""
PROMETHEUS: Final = "prometheus"
"""The LiteLLM callback that serves `/metrics`."""


def _add_prometheus(config: Path) -> None:
    """Add the Prometheus callback to the export's callbacks, as README says: beside the
    canary plugin, whose `litellm_settings` entry a second one would replace."""
    text = config.read_text(encoding="utf-8")
    header, sep, body = text.partition("\nmodel_list:")
    doc = yaml.safe_load("model_list:" + body)
    doc["litellm_settings"]["callbacks"].append(PROMETHEUS)
    config.write_text(header + "\n" + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


@dataclass
class Deployed:
    """The proxy on the export, its upstream, and how to run the CLI against them."""

    url: str
    upstream: Upstream
    folder: Path
    env: dict[str, str]
    client: httpx.Client

    @property
    def workloads(self) -> Path:
        return self.folder / "workloads.yaml"

    def advisor(self, *args: str) -> Result:
        runner = CliRunner(env={**self.env, "COLUMNS": "200"})
        return runner.invoke(cli, ["--catalog", str(SUITE_CATALOG), *args], catch_exceptions=False)

    def gate(self, *args: str, workload: str = WORKLOAD) -> tuple[int, dict[str, Any]]:
        result = self.advisor(
            "gate", str(self.workloads), *PLAN_ARGS, "--workload", workload, "--json", *args
        )
        assert result.exit_code in (0, 1, 3), result.output
        return result.exit_code, json.loads(result.stdout)

    def send(self, n: int, workload: str = WORKLOAD, *, stream: bool = False) -> None:
        """`n` requests to the workload's alias, as an application sends them."""
        headers = {"authorization": f"Bearer {self.env[MASTER_KEY_ENV]}"}
        for i in range(n):
            body: dict[str, Any] = {"model": workload, "stream": stream}
            body["messages"] = [{"role": "user", "content": f"req-{i} hi"}]
            answer = self.client.post(f"{self.url}/v1/chat/completions", json=body, headers=headers)
            assert answer.status_code == 200, answer.text  # the fallback covers a failing canary


def _workload_file(path: Path) -> None:
    def one(name: str, latency: dict[str, int]) -> dict[str, Any]:
        return {
            "name": name,
            "context_tokens": 1000,
            "max_context_tokens": 7000,
            "output_tokens": 200,
            "latency": latency,
            "providers": {"allow": ["north", "south", "newco", "vast"]},
        }

    doc = {
        "workloads": [
            one(WORKLOAD, {"e2e_p95_ms": 2000}),
            one(SLOW_WORKLOAD, {"e2e_p95_ms": 4000, "ttft_p95_ms": 400}),
        ]
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """The export written by the CLI, the proxy started on it, the upstream behind it."""
    catalog = load_catalog([SUITE_CATALOG])
    upstream = Upstream((ROLES[o.key], o.id, o.limits.context or 0) for o in catalog.offerings)
    upstream.start()
    folder = tmp_path_factory.mktemp("gate")
    home = folder / "home"
    home.mkdir()
    providers = {
        key.split("/")[0]: {"base_url": upstream.deployments[role].base_url}
        for key, role in ROLES.items()
    }
    (home / "providers.yaml").write_text(yaml.safe_dump({"providers": providers}))
    env = {p.key_env: DUMMY_KEY for p in catalog.providers.values() if p.key_env}
    env |= {MASTER_KEY_ENV: "sk-" + DUMMY_KEY, "ADVISOR_HOME": str(home), "NOT_THE_KEY": "sk-no"}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    try:
        with httpx.Client(timeout=60) as client:
            deployed = Deployed("", upstream, folder, env, client)
            _workload_file(deployed.workloads)
            config = folder / "config.yaml"
            made = deployed.advisor(
                "export", str(deployed.workloads), "--format", "litellm", "-o", str(config),
                *PLAN_ARGS,
            )  # fmt: skip
            assert made.exit_code == 0, made.output
            _add_prometheus(config)
            with running_litellm_proxy(config, env, folder) as (url, _):
                deployed.url = url
                yield deployed
    finally:
        upstream.stop()


@pytest.fixture(scope="session")
def canary_plan() -> WorkloadPlan:
    """The gateway suite's canary workload, planned with newco as a 50 % canary (no gateway)."""
    catalog = load_catalog([SUITE_CATALOG])
    plan = make_plan(
        [match(workload(WORKLOAD), catalog, today=TODAY)],
        catalog,
        resolve_endpoints(catalog, {}),
        options=PlanOptions(max_fallbacks=1, canary_weight=WEIGHT, canary=CANARY),
        today=TODAY,
    )
    return plan.workloads[0]
