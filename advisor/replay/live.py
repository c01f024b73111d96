"""A log replayed through a real gateway on loopback running the plan's export.

Each request goes to the gateway's OpenAI-compatible chat endpoint with the workload's name
as its model (the alias), open loop at the log's arrival times. Who answered comes from the
answer itself: the upstream's own offering header when the gateway passes it on (LiteLLM
forwards provider headers as `llm_provider-<name>`; the simulator names the offering in
`x-sim-offering`), else the model the answer names. The cost is the catalog price of the
usage the answer reports. The gateway's retries and failed attempts are its own business: a
user sees one answer or one error, and so does this replay.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Final

from advisor.export.common import chain, context_deployment, primary_group
from advisor.plan.model import Plan, WorkloadPlan
from advisor.replay.assign import Assigned, ReplayRequest
from advisor.replay.gateway import Router, Served, rules_for
from advisor.replay.run import ReplayReport, check_workloads, report
from advisor.replay.upstream import TRANSPORT_FAILED, ModelUpstream
from probes.clients import ChatRequest, Pool, chat
from probes.load import Load, drive

OFFERING_HEADERS: Final = ("llm_provider-x-sim-offering", "x-sim-offering")
SIMULATED_HEADERS: Final = ("llm_provider-x-advisor-simulated", "x-advisor-simulated")
UNIDENTIFIED: Final = "unidentified"
"""An answer that names no offering of the plan (its cost is then unknown)."""
DEADLINE_S: Final = 300.0
"""The client's own limit: far above any plan's failover budget, so the gateway's timeouts
decide, not ours."""


def roles(wp: WorkloadPlan, plan: Plan) -> dict[str, str]:
    """Offering key to its deployment name in the export, first role first."""
    out: dict[str, str] = {}
    deployments = [*primary_group(wp, plan), *chain(wp, plan)]
    context = context_deployment(wp, plan)
    if context is not None:
        deployments.append(context)
    for d in deployments:
        out.setdefault(d.choice.key, d.name)
    return out


def _who(headers: Mapping[str, str], model: str | None, keys: Mapping[str, str]) -> str | None:
    """The offering key that answered, from the upstream's header or the answer's model."""
    for name in OFFERING_HEADERS:
        value = headers.get(name)
        if value in keys:
            return value
    if model:
        for key in keys:
            if (
                model == key
                or model.endswith("/" + key.split("/", 1)[1])
                or model == key.split("/", 1)[1]
            ):
                return key
    return None


async def replay_gateway(
    traffic: Assigned,
    plan: Plan,
    label: str,
    url: str,
    api_key: str | None,
    *,
    scale: float = 1.0,
    upstream_scale: float = 1.0,
    seed: int = 0,
    simulated: bool = False,
) -> ReplayReport:
    """The log through the gateway at `url` (its root, e.g. http://127.0.0.1:4000).

    `upstream_scale` is the time scale of the servers behind it (the simulator's), by which
    waits are scaled back to real seconds. The report is marked simulated when `simulated`
    says so or any answer came from the simulator (its `x-advisor-simulated` header, which
    LiteLLM passes on prefixed)."""
    check_workloads(traffic, plan)
    by_name = {wp.name: wp for wp in plan.workloads}
    keys = {wp.name: roles(wp, plan) for wp in plan.workloads}
    requests = traffic.requests
    served: list[Served | None] = [None] * len(requests)
    from_simulator = False
    pricing = Router(plan, ModelUpstream({}), rules_for(plan), seed)

    async with Pool(concurrency=max(64, len(requests))) as pool:

        async def send(index: int, _intended_ns: int) -> None:
            request = requests[index]
            served[index] = await _one(pool, url, api_key, request, by_name[request.workload])

        async def _one(
            pool: Pool, url: str, key: str | None, request: ReplayRequest, wp: WorkloadPlan
        ) -> Served:
            nonlocal from_simulator
            ask = ChatRequest(
                messages=request.chat_messages(), max_tokens=request.output_tokens, stream=False
            )
            start = time.monotonic()
            timed, reply = await chat(
                pool,
                "openai",
                url.rstrip("/") + "/v1",
                wp.name,
                key,
                ask,
                deadline_s=DEADLINE_S,
                first_byte_timeout_s=DEADLINE_S,
                stall_timeout_s=DEADLINE_S,
            )
            seconds = (time.monotonic() - start) / upstream_scale
            from_simulator |= any(timed.headers.get(h) == "true" for h in SIMULATED_HEADERS)
            over_trim = request.input_tokens > wp.context.trim_at_tokens
            mine = keys[wp.name]
            if reply.outcome == "ok" and (who := _who(timed.headers, reply.model, mine)) is None:
                return Served(
                    request, UNIDENTIFIED, UNIDENTIFIED, 200, seconds, None, (), over_trim
                )
            if reply.outcome != "ok" or who is None:
                status = timed.status if timed.status and timed.status >= 400 else TRANSPORT_FAILED
                return Served(request, None, "error", status, seconds, 0.0, (), over_trim)
            offering = next(c.offering for c in wp.choices() if c.key == who)
            cost = pricing.cost(
                offering,
                request,
                reply.input_tokens if reply.input_tokens is not None else request.input_tokens,
                reply.output_tokens if reply.output_tokens is not None else request.output_tokens,
            )
            return Served(request, who, mine[who], 200, seconds, cost, (), over_trim)

        offsets = tuple(r.offset_s for r in requests)
        if offsets:
            await drive(Load(mode="trace", offsets=offsets, scale=scale), len(requests), send)
    done = [s for s in served if s is not None]
    basis = [f"gateway at {url}, upstream time scale {upstream_scale:g}"]
    return report(
        plan, label, "gateway", traffic, done, scale, basis, seed, simulated or from_simulator
    )
