"""Probing through the gateway: the advisor's own wire client sends streamed requests to the
workload's alias at the gateway's URL, as an application would, and tells the canary from the
baseline by the deployment that answered (LiteLLM's `x-litellm-model-id` response header,
the export's `WORKLOAD:ROLE`; or the `model` the answer names, for gateways that pass the
provider's model id through).

A failure the gateway hid by a retry or a fallback shows only as an answer from another
deployment after `x-litellm-attempted-retries` or `x-litellm-attempted-fallbacks` above zero:
the client cannot tell whose draw failed, so it is counted as a failure of the canary, the
cautious reading (the Prometheus source tells deployments apart). An error the client gets is
counted the same way unless its headers name the deployment.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from advisor.watch.look import Arm, ArmName, Costs, Latencies, Look
from advisor.watch.sources import Roles, SourceError
from probes.clients import ChatRequest, Reply, Timed, chat, make_client
from probes.harness import tokens_usd

MODEL_ID_HEADER = "x-litellm-model-id"
FAILED_OVER = ("x-litellm-attempted-retries", "x-litellm-attempted-fallbacks")
PROMPT = "{tag} Reply with one short sentence about the weather."
MAX_TOKENS = 32
DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class Answer:
    """One probe through the gateway: who answered, whether it failed over first, and how."""

    arm: ArmName | None
    status: int | None
    """The HTTP status, None when no answer came (refused, reset, timed out)."""
    error: str | None
    failed_over: bool
    ok: bool
    ttft_ms: float | None
    input_tokens: int | None
    output_tokens: int | None


def classify(timed: Timed, reply: Reply, roles: Roles) -> Answer:
    """Who answered one request, and how, from the gateway's headers and the answer."""
    headers = timed.headers
    arm = roles.arm(headers.get(MODEL_ID_HEADER)) or roles.arm(reply.model)
    failed_over = any(_count(headers.get(h)) > 0 for h in FAILED_OVER)
    ttft = None
    if reply.first_token_ns is not None:
        ttft = (reply.first_token_ns - timed.sent_ns) / 1e6
    return Answer(
        arm,
        timed.status,
        reply.error,
        failed_over,
        reply.outcome == "ok",
        ttft,
        reply.input_tokens,
        reply.output_tokens,
    )


def _count(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


async def send(
    url: str, roles: Roles, requests: int, api_key: str | None, concurrency: int
) -> list[Answer]:
    """`requests` streamed chat requests to the workload's alias at `url`, `concurrency` at
    a time."""
    base = url.rstrip("/").removesuffix("/v1") + "/v1"
    gate = asyncio.Semaphore(concurrency)
    async with make_client(concurrency) as client:

        async def one(i: int) -> Answer:
            request = ChatRequest(
                messages=[{"role": "user", "content": PROMPT.format(tag=f"gate-{i}")}],
                max_tokens=MAX_TOKENS,
                stream=True,
            )
            async with gate:
                timed, reply = await chat(client, "openai", base, roles.workload, api_key, request)
            return classify(timed, reply, roles)

        return list(await asyncio.gather(*(one(i) for i in range(requests))))


def traffic_of(answers: list[Answer], roles: Roles, source: str) -> Look:
    """Both arms from the answers; see the module's note on failures the gateway hid."""
    _check_reached(answers, source)
    by_arm: dict[ArmName, list[Answer]] = {"canary": [], "baseline": []}
    cautious = 0
    others = 0
    for a in answers:
        if a.failed_over or (not a.ok and a.arm is None):
            cautious += 1
            by_arm["canary"].append(
                Answer("canary", a.status, a.error, True, False, None, None, None)
            )
        elif a.arm is None:
            others += 1
        else:
            by_arm[a.arm].append(a)
    notes = []
    if cautious:
        notes.append(
            f"{cautious} requests failed over or failed without naming a deployment: counted "
            "as canary failures (the cautious reading)"
        )
    if others:
        notes.append(f"{others} answers from other deployments skipped")
    if not any(by_arm.values()):
        raise SourceError(
            f"{source}: no answer named the canary or the baseline (is it the plan's export, "
            f"and does the gateway send {MODEL_ID_HEADER}?)"
        )
    return Look(
        _arm(by_arm["canary"], roles, "canary"),
        _arm(by_arm["baseline"], roles, "baseline"),
        source,
        tuple(notes),
    )


REFUSED = frozenset(range(400, 500)) - {408, 429}
"""Statuses that say the probe itself is wrong (key, alias, body), not the canary."""


def _check_reached(answers: list[Answer], source: str) -> None:
    """A gateway that never answered, or refused the probes, says nothing of the canary."""
    if answers and all(a.status is None for a in answers):
        raise SourceError(f"{source}: no answer ({answers[0].error or 'unreachable'})")
    refused = next((a for a in answers if a.status in REFUSED), None)
    if refused is not None:
        raise SourceError(
            f"{source}: the gateway refused a probe with {refused.status} ({refused.error}); "
            "check the key (--key-env) and that the workload is the export's alias"
        )


def _arm(answers: list[Answer], roles: Roles, arm: ArmName) -> Arm:
    offering = roles.offering(arm)
    ok = [a for a in answers if a.ok]
    costs = [tokens_usd(offering, a.input_tokens, a.output_tokens) for a in ok]
    priced = [c for c in costs if c is not None]
    return Arm(
        requests=len(answers),
        errors=len(answers) - len(ok),
        ttft_ms=Latencies(values=tuple(a.ttft_ms for a in ok if a.ttft_ms is not None)),
        costs=Costs.of(priced) if priced and len(priced) == len(costs) else None,
    )


def read(
    url: str,
    roles: Roles,
    requests: int,
    api_key: str | None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Look:
    """Probe the gateway at `url` with `requests` requests and read both arms."""
    answers = asyncio.run(send(url, roles, requests, api_key, concurrency))
    return traffic_of(answers, roles, f"{requests} probes through the gateway at {url}")
