"""The LiteLLM proxy plugin that gives a canary its share of healthy traffic only.

The LiteLLM export writes this file, as `advisor_canary.py`, beside the config, which names
its `canary_gate` instance under `litellm_settings.callbacks`; the proxy loads it from the
config's folder, whatever the working directory. It runs inside the proxy, which does not
have the advisor installed, so it imports nothing of the advisor. The proxy executes the
file without registering it in `sys.modules`, which `dataclasses` needs: hence NamedTuple.

The export puts each canary in a model group of its own, whose fallback is the workload's
group, and marks the canary deployment's `model_info` with the workload's group
(CANARY_OF), its share (CANARY_WEIGHT) and the primary deployment's id (PRIMARY_ID). Before
the router sees a request for the workload's group, the plugin sends it to the canary's
group with the canary's share, but only while the primary is proven healthy: its last
outcome the proxy reported was a success. No outcome yet proves nothing, and a failure
(an error, a timeout, a refused connection: the router reports each failed attempt to its
callbacks) suspends the canary until the primary answers again. So during an outage every
request goes down the plan's fallback chain and the least proven offering serves none.

Where outcomes come from, in LiteLLM 1.110.2: each failed attempt reaches
`async_log_failure_event` as it fails (awaited in the call's error path). Success events
pass through a best-effort background queue instead, seconds late under load (and dropped
when it overflows), so the answer a request returns is also read in
`async_post_call_success_hook`, which the proxy awaits before replying, and a streamed one
as it ends, in `async_post_call_streaming_iterator_hook`: that is how a primary's success is
seen at once. A late success event still counts when nothing newer is known.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncGenerator, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from litellm.integrations.custom_logger import CustomLogger

if TYPE_CHECKING:
    from litellm.caching.dual_cache import DualCache
    from litellm.proxy._types import UserAPIKeyAuth
    from litellm.types.utils import CallTypesLiteral

CANARY_OF = "canary_of"
"""model_info key of a canary deployment: the workload's group, whose share it takes."""
CANARY_WEIGHT = "canary_weight"
"""model_info key: the canary's share of the workload's requests, 0 to 1."""
PRIMARY_ID = "canary_primary_id"
"""model_info key: the id of the deployment whose health the canary waits on."""


class Canary(NamedTuple):
    """Where a workload's canary share goes, how large it is, and whose health it needs."""

    group: str
    weight: float
    primary_id: str


def canaries(model_list: Iterable[object]) -> dict[str, Canary]:
    """The canaries a proxy's model list declares, by the workload group they take from."""
    out: dict[str, Canary] = {}
    for deployment in model_list:
        if not isinstance(deployment, Mapping):
            continue
        info = deployment.get("model_info") or {}
        if CANARY_OF in info:
            out[str(info[CANARY_OF])] = Canary(
                str(deployment["model_name"]), float(info[CANARY_WEIGHT]), str(info[PRIMARY_ID])
            )
    return out


class CanaryGate(CustomLogger):
    """Sends a canary its share of a workload's requests while the primary's last outcome
    was a success, and none otherwise.

    The proxy runs hooks and logging on one asyncio loop, so state needs no lock; logging
    may report outcomes out of order, so each outcome is kept only if it ended later than
    the one it replaces (seconds since the epoch: LiteLLM's naive local datetimes and our
    own clock compare on one scale).
    """

    def __init__(
        self,
        routes: Mapping[str, Canary] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self._routes = dict(routes) if routes is not None else None
        self._rng = rng or random.Random()
        self._last: dict[str, tuple[float, bool]] = {}

    def proven(self, deployment_id: str) -> bool:
        """Whether the deployment's last reported outcome was a success."""
        last = self._last.get(deployment_id)
        return last is not None and last[1]

    def observe(self, deployment_id: str, ended: float, ok: bool) -> None:
        """Record one attempt's outcome on the deployment, ended at `ended` (epoch seconds),
        unless a later one is known."""
        last = self._last.get(deployment_id)
        if last is None or ended >= last[0]:
            self._last[deployment_id] = (ended, ok)

    def target(self, group: str) -> str:
        """The group a request for `group` goes to: the canary's for its share of the
        requests while the primary is proven, else `group` itself."""
        canary = self._canaries().get(group)
        if canary is None or not self.proven(canary.primary_id):
            return group
        return canary.group if self._rng.random() < canary.weight else group

    def _canaries(self) -> dict[str, Canary]:
        if self._routes is None:
            # Read once the proxy has built its router from the config: the plugin is
            # loaded while the config is read, before the router exists.
            from litellm.proxy import proxy_server

            router = proxy_server.llm_router
            if router is None:
                return {}
            self._routes = canaries(router.model_list)
        return self._routes

    async def async_pre_call_hook(
        self,
        user_api_key_dict: UserAPIKeyAuth,
        cache: DualCache,
        data: dict[Any, Any],
        call_type: CallTypesLiteral,
    ) -> dict[Any, Any]:
        """Rewrite the requested model group to the canary's for the canary's share."""
        group = data.get("model")
        if isinstance(group, str):
            data["model"] = self.target(group)
        return data

    async def async_post_call_success_hook(
        self, data: dict[Any, Any], user_api_key_dict: UserAPIKeyAuth, response: Any
    ) -> None:
        """The answer the proxy is about to return: the deployment that gave it is proven
        now."""
        self._answered(response)

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: UserAPIKeyAuth, response: Any, request_data: dict[Any, Any]
    ) -> AsyncGenerator[Any, None]:
        """A streamed answer, passed on unchanged: once it has ended whole, the deployment
        that gave it is proven (the success hook above never sees a stream)."""
        async for item in response:
            yield item
        self._answered(response)

    def _answered(self, response: Any) -> None:
        """LiteLLM names the deployment that answered in the response's hidden `model_id`
        (the proxy's `x-litellm-model-id` header)."""
        hidden = getattr(response, "_hidden_params", None)
        deployment_id = hidden.get("model_id") if isinstance(hidden, dict) else None
        if deployment_id:
            self.observe(str(deployment_id), time.time(), ok=True)

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """An attempt on a deployment succeeded (reported late: kept only if nothing newer
        is known)."""
        self._record(kwargs, end_time, ok=True)

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """An attempt on a deployment failed: a canary waiting on it is suspended."""
        self._record(kwargs, end_time, ok=False)

    def _record(self, kwargs: Mapping[str, Any], end_time: Any, *, ok: bool) -> None:
        deployment_id = _deployment_id(kwargs)
        if deployment_id is not None:
            ended = end_time.timestamp() if isinstance(end_time, datetime) else time.time()
            self.observe(deployment_id, ended, ok)


def _deployment_id(kwargs: Mapping[str, Any]) -> str | None:
    """The id (model_info.id) of the deployment an attempt went to, if the router set one."""
    params = kwargs.get("litellm_params") or {}
    info = params.get("model_info") or {}
    found = info.get("id") or (params.get("metadata") or {}).get("model_info", {}).get("id")
    return str(found) if found else None


canary_gate = CanaryGate()
"""The instance the exported config names: `advisor_canary.canary_gate`."""
