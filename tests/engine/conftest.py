"""A real inference engine for the probe tests: vLLM's CPU build serving a tiny random Llama.

One server per test session (every engine test carries `xdist_group("vllm")`, and `make test`
runs pytest with `--dist loadgroup`, so one worker holds them all). It is reached the way a
user reaches their own deployment: a catalog overlay declares a self-hosted provider, and the
providers file in ADVISOR_HOME gives its address.

The model answers noise. That is the point: a quality probe it passes measures nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor import home as advisor_paths
from catalog import Catalog, Offering
from probes.harness import Sent, SpendCap
from probes.kinds.base import Figure, Settings
from probes.run import execute, plan_run
from probes.spec import WorkloadSpec
from probes.store import Redactor, RunStore
from probes.targets import Target, live_targets, load_overrides
from tests.engine.server import Engine, build_model, running_vllm

PROVIDER = "tiny-vllm"
OFFERING = f"{PROVIDER}/tiny"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The server, up and answering `/v1/models`; stopped (its whole process group) at the end."""
    root = tmp_path_factory.mktemp("vllm")
    model = build_model(root / "model")
    with running_vllm(model, root / "server.log") as server:
        yield server


def catalog_overlay(engine: Engine, **offering: Any) -> dict[str, Any]:
    """A self-hosted provider serving the tiny model, as a user would declare their own."""
    return {
        "provider": {
            "id": PROVIDER,
            "name": "Tiny vLLM (tests)",
            "api": "openai-compatible",
            "base_url": "http://127.0.0.1:8000/v1",
            "self_hosted": True,
        },
        "offerings": [
            {
                "id": engine.served_name,
                "model": "tests/tiny-random-llama",
                "name": "Tiny random Llama (vLLM CPU)",
                "open_weights": True,
                "limits": {
                    "context": engine.max_model_len,
                    "source": {"ref": "--max-model-len of tests/engine", "checked": "2026-12-06"},
                },
                "capabilities": {"structured_output": {"json_schema": True}},
                "determinism": {"temperature": True, "seed": True},
                **offering,
            }
        ],
    }


@pytest.fixture
def home(advisor_home: Path, engine: Engine) -> Path:
    """ADVISOR_HOME with the overlay in its catalog folder and the server in providers.yaml."""
    write_home(advisor_home, engine)
    return advisor_home


def write_home(home: Path, engine: Engine, **offering: Any) -> None:
    (home / "catalog").mkdir(parents=True, exist_ok=True)
    (home / "catalog" / "tiny-vllm.yaml").write_text(
        yaml.safe_dump(catalog_overlay(engine, **offering), sort_keys=False)
    )
    (home / "providers.yaml").write_text(
        yaml.safe_dump({"providers": {PROVIDER: {"base_url": engine.base_url}}})
    )


def live_target(home: Path) -> tuple[Catalog, Target]:
    """The tiny offering's live target, resolved through the providers file."""
    catalog = advisor_paths.load_catalog([])
    overrides = load_overrides(home / "providers.yaml", catalog.providers)
    targets, skipped = live_targets(catalog, [_offering(catalog)], overrides)
    assert not skipped, skipped
    return catalog, targets[0]


@dataclass
class Probed:
    """What a run of probes on the tiny offering gave: figures and every finished request,
    by probe kind."""

    figures: dict[str, dict[str, Figure]] = field(default_factory=dict)
    sent: dict[str, list[Sent]] = field(default_factory=dict)

    def value(self, probe: str, metric: str) -> float | None:
        return self.figures[probe][metric].value

    def chance(self, probe: str, metric: str) -> Any:
        return self.figures[probe][metric].detail.get("chance")


def run_probes(
    home: Path, spec: WorkloadSpec, kinds: Sequence[str], settings: Settings | None = None
) -> Probed:
    """Every named probe kind on the tiny offering, live, through the providers file."""
    _, target = live_target(home)
    plan = plan_run([(spec, [target])], kinds, settings or Settings())
    store = RunStore(home / "runs.sqlite", Redactor.from_environment(set()))
    run_id = store.start_run(target="live", simulated=False, workloads_file="tests")
    probed = Probed()

    def on_sent(_: Target, kind: str, sent: Sent) -> None:
        probed.sent.setdefault(kind, []).append(sent)

    outcome = asyncio.run(execute(plan, store, run_id, SpendCap(1.0), on_sent=on_sent))
    store.finish_run(run_id, "complete")
    for (_, _, probe), figures in outcome.figures.items():
        probed.figures[probe] = by_metric(figures)
    return probed


def by_metric(figures: list[Figure]) -> dict[str, Figure]:
    return {f.metric: f for f in figures}


def _offering(catalog: Catalog) -> Offering:
    offering = catalog.get(OFFERING)
    assert offering is not None, f"{OFFERING} is not in the catalog overlay"
    return offering
