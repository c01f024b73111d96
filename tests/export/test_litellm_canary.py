"""The LiteLLM canary plugin's rule, on the routes a real export declares: the canary gets
its share of a workload's requests only while the primary's last outcome was a success."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import yaml

from advisor.export import companions, litellm
from advisor.export import litellm_canary as plugin
from catalog import load_catalog
from tests.export.conftest import binomial_range
from tests.replay.conftest import CANARY_WEIGHT, REPLAY_CATALOG, WORKLOAD, make

DRAWS = 1000
T0 = dt.datetime(2026, 11, 1, 12, 0, 0)
"""When the first outcome ends: the logging hooks get datetimes, `observe` epoch seconds."""
S0 = T0.timestamp()


def exported_routes() -> dict[str, plugin.Canary]:
    plan = make(load_catalog([REPLAY_CATALOG]), canary=True)
    config = yaml.safe_load(litellm.render(plan))
    assert config["litellm_settings"] == {"callbacks": [litellm.PLUGIN_CALLBACK]}
    return plugin.canaries(config["model_list"])


def canary_share(gate: plugin.CanaryGate) -> int:
    return sum(gate.target(WORKLOAD) != WORKLOAD for _ in range(DRAWS))


def test_the_export_declares_the_canary_the_plugin_reads() -> None:
    """The exporter's model_info keys are the plugin's own, and the file it writes beside
    the config is the plugin's source."""
    assert (litellm.CANARY_OF, litellm.CANARY_WEIGHT, litellm.PRIMARY_ID) == (
        plugin.CANARY_OF,
        plugin.CANARY_WEIGHT,
        plugin.PRIMARY_ID,
    )
    assert exported_routes() == {
        WORKLOAD: plugin.Canary(f"{WORKLOAD}.canary", CANARY_WEIGHT, f"{WORKLOAD}:primary")
    }
    catalog = load_catalog([REPLAY_CATALOG])
    config = Path("exports/config.yaml")
    found = companions("litellm", make(catalog, canary=True), config)
    assert found == {Path("exports/advisor_canary.py"): Path(plugin.__file__).read_text()}
    assert companions("litellm", make(catalog, canary=False), config) == {}


def test_no_canary_until_the_primary_is_proven_and_none_after_it_fails() -> None:
    gate = plugin.CanaryGate(exported_routes(), random.Random(7))
    primary = f"{WORKLOAD}:primary"
    assert canary_share(gate) == 0  # nothing observed yet: not proven
    gate.observe(primary, S0, ok=True)
    low, high = binomial_range(DRAWS, CANARY_WEIGHT, 1e-6)
    assert low <= canary_share(gate) <= high
    gate.observe(primary, S0 + 1, ok=False)
    assert canary_share(gate) == 0  # a failure suspends it
    # An earlier success reported late does not undo the failure.
    gate.observe(primary, S0 + 0.5, ok=True)
    assert canary_share(gate) == 0
    gate.observe(primary, S0 + 2, ok=True)
    assert low <= canary_share(gate) <= high  # a success resumes it
    # Another deployment's failure (the canary's own, a fallback's) is not the primary's.
    gate.observe(f"{WORKLOAD}:canary", S0 + 3, ok=False)
    assert canary_share(gate) > 0
    assert gate.target("another-workload") == "another-workload"


async def test_the_hooks_learn_outcomes_per_deployment_and_rewrite_the_model() -> None:
    """As the proxy calls it: failures from the logging hook (the deployment's model_info.id
    in litellm_params), successes from the answer returned or streamed (its hidden
    `model_id`) and, late, from the logging hook; the rewrite in the pre-call hook."""
    gate = plugin.CanaryGate(exported_routes(), random.Random(3))

    def attempt(deployment_id: str) -> dict[str, Any]:
        return {"litellm_params": {"model_info": {"id": deployment_id}}}

    async def routed() -> set[str]:
        seen = set()
        for _ in range(200):
            data = await gate.async_pre_call_hook(None, None, {"model": WORKLOAD}, "acompletion")  # type: ignore[arg-type]
            seen.add(data["model"])
        return seen

    assert await routed() == {WORKLOAD}
    await gate.async_log_success_event(attempt(f"{WORKLOAD}:primary"), None, T0, T0)
    assert await routed() == {WORKLOAD, f"{WORKLOAD}.canary"}
    later = T0 + dt.timedelta(seconds=1)
    await gate.async_log_failure_event(attempt(f"{WORKLOAD}:primary"), None, later, later)
    assert await routed() == {WORKLOAD}
    # A success event reported late, for an attempt that ended before the failure: ignored.
    await gate.async_log_success_event(attempt(f"{WORKLOAD}:primary"), None, T0, T0)
    assert await routed() == {WORKLOAD}

    answer = Answered(f"{WORKLOAD}:primary")
    await gate.async_post_call_success_hook({}, None, answer)  # type: ignore[arg-type]
    assert await routed() == {WORKLOAD, f"{WORKLOAD}.canary"}
    now = dt.datetime.now()
    await gate.async_log_failure_event(attempt(f"{WORKLOAD}:primary"), None, now, now)
    assert await routed() == {WORKLOAD}

    stream = Answered(f"{WORKLOAD}:primary", chunks=["a", "b"])
    hooked = gate.async_post_call_streaming_iterator_hook(None, stream, {})  # type: ignore[arg-type]
    chunks = []
    async for chunk in hooked:
        chunks.append(chunk)
        assert await routed() == {WORKLOAD}  # not before the stream has ended whole
    assert chunks == ["a", "b"]
    assert await routed() == {WORKLOAD, f"{WORKLOAD}.canary"}


class Answered:
    """A response as LiteLLM hands it to the hooks: the deployment in `_hidden_params`; for
    a stream, its chunks."""

    def __init__(self, deployment_id: str, chunks: list[str] | None = None) -> None:
        self._hidden_params = {"model_id": deployment_id}
        self.chunks = chunks or []

    async def __aiter__(self) -> AsyncIterator[str]:
        for chunk in self.chunks:
            yield chunk
