"""Send a batch of requests to one target in a given load shape, within a hard spending cap,
and record every attempt as it finishes.

The cap is hard: before a request starts, its worst case (every prompt token plus `max_tokens`
output at catalog prices) is reserved; a request whose reservation would take spend over the
cap never starts and is recorded as `over_budget`. When it finishes, the reservation is
replaced by the cost measured from the server's usage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from catalog import Offering
from probes.clients import ChatRequest, Outcome, Reply, Timed, chat
from probes.clients.base import DEADLINES
from probes.clients.transport import Pool
from probes.deadlines import Deadlines
from probes.load import Load, drive
from probes.store import AttemptRecord, RunStore
from probes.targets import Target

CHARS_PER_TOKEN = 4
"""Prompt size guess for the worst-case reservation, before the server has counted."""


@dataclass
class SpendCap:
    """A hard cap on spend in USD, shared by every request of a run."""

    cap_usd: float
    spent_usd: float = 0.0
    reserved_usd: float = 0.0

    def reserve(self, amount: float) -> bool:
        """Hold `amount` for a request about to start; False when that could break the cap."""
        if self.spent_usd + self.reserved_usd + amount > self.cap_usd + 1e-12:
            return False
        self.reserved_usd += amount
        return True

    def settle(self, reserved: float, actual: float) -> None:
        self.reserved_usd -= reserved
        self.spent_usd += actual


def worst_case_cost(offering: Offering, request: ChatRequest) -> float:
    """The most this request can cost at catalog prices; unknown prices count as zero, so
    only priced offerings are held to the cap (the estimate says which were not)."""
    pricing = offering.pricing
    if pricing is None:
        return 0.0
    prompt_chars = sum(len(str(m["content"])) for m in request.messages)
    prompt_tokens = prompt_chars / CHARS_PER_TOKEN + 16 * len(request.messages)
    rate_in = max([pricing.input or 0.0, *(t.input or 0.0 for t in pricing.tiers)])
    rate_out = max(
        [pricing.output or 0.0, pricing.reasoning or 0.0, *(t.output or 0.0 for t in pricing.tiers)]
    )
    return (prompt_tokens * rate_in + request.max_tokens * rate_out) / 1e6 + (
        pricing.per_request or 0.0
    )


def measured_cost(offering: Offering, reply: Reply) -> float | None:
    """Cost from the server's usage at catalog prices; None when usage or prices are unknown."""
    return tokens_usd(offering, reply.input_tokens, reply.output_tokens, reply.cached_tokens)


def tokens_usd(
    offering: Offering,
    input_tokens: int | None,
    output_tokens: int | None,
    cached_tokens: int | None = None,
) -> float | None:
    """USD for one request's tokens at the catalog's prices (cached input at the cache-read
    price, where the catalog has one); None when prices or tokens are unknown."""
    pricing = offering.pricing
    if pricing is None or pricing.input is None or pricing.output is None:
        return None
    if input_tokens is None and output_tokens is None:
        return None
    cached = cached_tokens or 0
    fresh = (input_tokens or 0) - cached
    cache_price = pricing.cache_read if pricing.cache_read is not None else pricing.input
    usd = fresh * pricing.input + cached * cache_price + (output_tokens or 0) * pricing.output
    return usd / 1e6 + (pricing.per_request or 0.0)


@dataclass
class Sent:
    """One finished request: when it was due, what happened on the wire, what it cost."""

    index: int
    request: ChatRequest
    intended_ns: int
    timed: Timed | None
    reply: Reply
    cost_usd: float | None

    @property
    def ok(self) -> bool:
        return self.reply.outcome == "ok"

    @property
    def ttft_ms(self) -> float | None:
        if self.timed is None or self.reply.first_token_ns is None:
            return None
        return (self.reply.first_token_ns - self.timed.sent_ns) / 1e6

    @property
    def e2e_ms(self) -> float | None:
        if self.timed is None or self.reply.last_token_ns is None:
            return None
        return (self.reply.last_token_ns - self.timed.sent_ns) / 1e6

    @property
    def send_lag_ms(self) -> float | None:
        return None if self.timed is None else (self.timed.sent_ns - self.intended_ns) / 1e6


@dataclass
class Context:
    """What every batch of a run shares."""

    client: Pool
    store: RunStore
    run_id: int
    budget: SpendCap
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    on_sent: Callable[[Target, str, Sent], None] | None = None
    deadlines: Deadlines = field(default_factory=Deadlines)
    """The limits of requests whose batch names none of its own."""


async def run_batch(
    ctx: Context,
    target: Target,
    probe: str,
    requests: list[ChatRequest],
    load: Load,
    *,
    workload: str | None = None,
    deadlines: Deadlines | None = None,
) -> list[Sent]:
    """Send `requests` to `target` in the shape `load`, recording each attempt."""
    results: list[Sent | None] = [None] * len(requests)
    limits = deadlines or ctx.deadlines

    async def send(index: int, intended_ns: int) -> None:
        results[index] = await _send(
            ctx, target, probe, workload, index, requests[index], intended_ns, limits
        )

    await drive(load, len(requests), send)
    return [r for r in results if r is not None]


async def run_conversation(
    ctx: Context,
    target: Target,
    probe: str,
    turns: list[ChatRequest],
    *,
    workload: str | None = None,
    deadlines: Deadlines | None = None,
) -> list[Sent]:
    """Send `turns` as one conversation, one after another: each request carries every earlier
    turn's messages and the answer it got, then its own messages. The conversation ends at
    the first turn without a complete answer, since there is nothing to carry on from."""
    history: list[dict[str, Any]] = []
    out: list[Sent] = []
    for index, turn in enumerate(turns):
        request = dataclasses.replace(turn, messages=[*history, *turn.messages])
        sent = await _send(
            ctx,
            target,
            probe,
            workload,
            index,
            request,
            time.perf_counter_ns(),
            deadlines or ctx.deadlines,
        )
        out.append(sent)
        if not sent.ok:
            break
        history = [*request.messages, {"role": "assistant", "content": sent.reply.text}]
    return out


def conversation_worst_case(offering: Offering, turns: list[ChatRequest]) -> float:
    """The most a conversation can cost: each turn carries every earlier one, with answers
    as long as their `max_tokens` allowed."""
    total = 0.0
    history: list[dict[str, Any]] = []
    for turn in turns:
        request = dataclasses.replace(turn, messages=[*history, *turn.messages])
        total += worst_case_cost(offering, request)
        answer = " " * (turn.max_tokens * CHARS_PER_TOKEN)
        history = [*request.messages, {"role": "assistant", "content": answer}]
    return total


async def _send(
    ctx: Context,
    target: Target,
    probe: str,
    workload: str | None,
    index: int,
    request: ChatRequest,
    intended_ns: int,
    deadlines: Deadlines,
) -> Sent:
    """One request within the cap, recorded once it has finished."""
    if ctx.cancel.is_set():
        return _not_sent(index, request, intended_ns, "cancelled", "the run was cancelled")
    hold = worst_case_cost(target.offering, request)
    if not ctx.budget.reserve(hold):
        refused = _not_sent(
            index,
            request,
            intended_ns,
            "over_budget",
            f"worst case ${hold:.4f} would pass the ${ctx.budget.cap_usd:g} cap",
        )
        await _record(ctx, target, probe, workload, refused)
        return refused
    timed, reply = await chat(
        ctx.client,
        target.api,
        target.base_url,
        target.offering.id,
        target.api_key(),
        request,
        deadline_s=deadlines.total_s,
        first_byte_timeout_s=deadlines.first_byte_s,
        stall_timeout_s=deadlines.stall_s,
    )
    if target.clock == "sim" and timed is not None:
        _intended_times(reply, timed)
    cost = measured_cost(target.offering, reply)
    ctx.budget.settle(hold, cost or 0.0)
    sent = Sent(index, request, intended_ns, timed, reply, cost)
    await _record(ctx, target, probe, workload, sent)
    if ctx.on_sent is not None:
        ctx.on_sent(target, probe, sent)
    return sent


def _intended_times(reply: Reply, timed: Timed) -> None:
    """Time a simulated answer by the schedule the simulator intended for it (from its
    arrival there), not by when our loop got to its bytes."""
    ttft, e2e = timed.headers.get("x-sim-ttft-ms"), timed.headers.get("x-sim-e2e-ms")
    if ttft is None or e2e is None or reply.first_token_ns is None:
        return
    reply.first_token_ns = timed.sent_ns + round(float(ttft) * 1e6)
    reply.last_token_ns = timed.sent_ns + round(float(e2e) * 1e6)


def _not_sent(
    index: int, request: ChatRequest, intended_ns: int, outcome: Outcome, why: str
) -> Sent:
    return Sent(index, request, intended_ns, None, Reply(outcome, error=why), None)


async def _record(
    ctx: Context, target: Target, probe: str, workload: str | None, sent: Sent
) -> None:
    """Commit the attempt (off the event loop's thread) before the request counts as done."""
    timed, reply = sent.timed, sent.reply
    detail: dict[str, Any] = {"gaps_ns": reply.gaps_ns, "finish_reason": reply.finish_reason}
    if reply.tool_calls:
        detail["tool_calls"] = reply.tool_calls
    if reply.retry_after_s is not None:
        detail["retry_after_s"] = reply.retry_after_s
    if reply.outcome in DEADLINES:
        detail["cut_by_deadline"] = reply.outcome.removeprefix("deadline_")
    if timed is not None and timed.stale_retry:
        detail["stale_retry"] = True
    if timed is not None:
        detail["ground_truth"] = {k: v for k, v in timed.headers.items() if k.startswith("x-sim-")}
    await ctx.store.save_attempt(
        ctx.run_id,
        AttemptRecord(
            offering=target.key,
            probe=probe,
            outcome=reply.outcome,
            workload=workload,
            request_index=sent.index,
            intended_ns=sent.intended_ns,
            sent_ns=timed.sent_ns if timed else None,
            first_byte_ns=timed.first_byte_ns if timed else None,
            first_token_ns=reply.first_token_ns,
            last_token_ns=reply.last_token_ns,
            end_ns=timed.end_ns if timed else time.perf_counter_ns(),
            http_status=timed.status if timed else None,
            error=reply.error,
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            cached_tokens=reply.cached_tokens,
            reasoning_tokens=reply.reasoning_tokens,
            cost_usd=sent.cost_usd,
            request_id=reply.request_id,
            fingerprint=reply.fingerprint,
            model_returned=reply.model,
            chunks=len(timed.chunks) if timed else None,
            output=reply.text,
            detail=detail,
        ),
    )
