"""The probe client against a loopback server that answers in every valid and invalid way
seen in the wild: each answer is measured or classified by what actually happened, and,
where the official openai SDK reads the same answer, both agree on the text."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import time
from collections.abc import AsyncIterator

import openai
import pytest

from catalog import Catalog
from probes.clients import ChatRequest, Pool, Reply, Timed, chat, make_client
from probes.clients.base import retry_after_seconds
from probes.clients.transport import HeaderError, exchange
from probes.targets import live_targets
from tests.probes.misbehaving import TEXT, Misbehaving

REQUEST = ChatRequest(messages=[{"role": "user", "content": "hi"}], max_tokens=8)


@pytest.fixture
async def server() -> AsyncIterator[Misbehaving]:
    s = await Misbehaving().start()
    yield s
    await s.stop()


async def ask(
    server: Misbehaving, kind: str, pool: Pool | None = None, **limits: float
) -> tuple[Timed, Reply]:
    async with make_client() as own:
        return await chat(
            pool or own, "openai", server.url(kind), "m", "sk-test", REQUEST, **limits
        )


async def sdk_text(server: Misbehaving, kind: str) -> str:
    client = openai.AsyncOpenAI(base_url=server.url(kind), api_key="sk-test", max_retries=0)
    async with client:
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
    return "".join(parts)


async def test_close_delimited_stream_is_complete_and_timed(server: Misbehaving) -> None:
    _, reply = await ask(server, "close")
    assert (reply.outcome, reply.text) == ("ok", "".join(TEXT))
    assert reply.first_token_ns is not None and reply.output_tokens == 3
    assert await sdk_text(server, "close") == reply.text


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
async def test_compressed_stream_is_decoded(server: Misbehaving, coding: str) -> None:
    _, reply = await ask(server, coding)
    assert (reply.outcome, reply.text) == ("ok", "".join(TEXT))
    if coding != "raw-deflate":  # httpx refuses raw deflate; browsers and we accept it
        assert await sdk_text(server, coding) == reply.text


async def test_gzip_bomb_stops_at_the_size_cap(server: Misbehaving) -> None:
    _, reply = await ask(server, "gzip-bomb")
    assert reply.outcome == "too_large"


async def test_stale_keep_alive_connection_is_retried_once_and_not_a_reset(
    server: Misbehaving,
) -> None:
    async with make_client() as pool:
        _, first = await ask(server, "stale", pool)
        timed, second = await ask(server, "stale", pool)
    assert (first.outcome, second.outcome, second.text) == ("ok", "ok", "".join(TEXT))
    assert timed.stale_retry and server.connections == 2


async def test_reset_on_a_fresh_connection_is_still_a_reset() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_and_drop() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    loop = asyncio.get_running_loop()
    dropping = loop.run_in_executor(None, accept_and_drop)
    async with make_client() as pool:
        timed, reply = await chat(pool, "openai", f"http://127.0.0.1:{port}/v1", "m", None, REQUEST)
    await dropping
    listener.close()
    assert reply.outcome == "reset" and not timed.stale_retry


async def test_pool_concurrency_is_enforced(server: Misbehaving) -> None:
    async with make_client(concurrency=2) as pool:
        outcomes = await asyncio.gather(*(ask(server, "slow", pool) for _ in range(6)))
        assert pool.in_use == 0
    assert [reply.outcome for _, reply in outcomes] == ["ok"] * 6
    assert server.most_in_flight == 2


async def test_header_values_with_line_breaks_are_refused(server: Misbehaving) -> None:
    async with make_client() as pool:
        with pytest.raises(HeaderError):
            await exchange(pool, server.url("ok"), {"authorization": "Bearer sk\r\nx: y"}, {})
    assert server.requests == []


def test_key_with_a_line_break_skips_its_target(sim_catalog: Catalog) -> None:
    offering = sim_catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    targets, skipped = live_targets(
        sim_catalog, [offering], {}, environ={"OPENAI_API_KEY": "sk-pasted-with-newline\n"}
    )
    assert not targets and skipped[0].reason == "OPENAI_API_KEY holds a line break or NUL"


async def test_trickling_server_is_cut_by_the_total_deadline(server: Misbehaving) -> None:
    began = time.monotonic()
    _, reply = await ask(server, "trickle", deadline_s=0.5)
    assert reply.outcome == "deadline_total" and "cut by our deadline" in (reply.error or "")
    assert time.monotonic() - began < 3


async def test_silent_server_is_cut_at_the_first_byte_deadline(server: Misbehaving) -> None:
    _, reply = await ask(server, "silent", first_byte_timeout_s=0.3)
    assert reply.outcome == "deadline_first_byte"


async def test_stalled_stream_is_cut_at_the_stall_deadline(server: Misbehaving) -> None:
    _, reply = await ask(server, "stall", stall_timeout_s=0.3)
    assert reply.outcome == "deadline_stall"


async def test_stream_cut_mid_way_is_truncated(server: Misbehaving) -> None:
    _, reply = await ask(server, "cut")
    assert reply.outcome == "truncated"


async def test_html_page_with_status_200_is_an_error_body(server: Misbehaving) -> None:
    _, reply = await ask(server, "html")
    assert reply.outcome == "error_body" and "Sign in to the Wi-Fi" in (reply.error or "")


async def test_html_page_with_status_200_reads_as_an_empty_success_to_the_sdk(
    server: Misbehaving,
) -> None:
    # Where the official SDK sees an empty answer, we name the error page.
    assert await sdk_text(server, "html") == ""
    _, reply = await ask(server, "html")
    assert reply.outcome == "error_body"


async def test_json_error_with_status_200_is_an_error_body(server: Misbehaving) -> None:
    _, reply = await ask(server, "json-error")
    assert reply.outcome == "error_body" and "quota exceeded" in (reply.error or "")


async def test_error_event_inside_a_200_stream_is_a_stream_error(server: Misbehaving) -> None:
    _, reply = await ask(server, "error-event")
    assert reply.outcome == "stream_error"
    # The SDK raises on the same stream: where it stops, we name the class.
    with pytest.raises(openai.APIError):
        await sdk_text(server, "error-event")


async def test_invalid_event_is_named_not_hidden_behind_truncated(server: Misbehaving) -> None:
    _, reply = await ask(server, "invalid-event")
    assert reply.outcome == "invalid_event"


async def test_event_after_done_is_an_invalid_event(server: Misbehaving) -> None:
    _, reply = await ask(server, "done-twice")
    assert reply.outcome == "invalid_event"


async def test_connection_refused_is_its_own_class() -> None:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]  # bound, never listening: refused
        async with make_client() as pool:
            _, reply = await chat(pool, "openai", f"http://127.0.0.1:{port}/v1", "m", None, REQUEST)
    assert reply.outcome == "refused"


@pytest.mark.parametrize(("kind", "seconds"), [("retry-seconds", 7.0), ("retry-date", None)])
async def test_status_error_keeps_the_retry_after(
    server: Misbehaving, kind: str, seconds: float | None
) -> None:
    _, reply = await ask(server, kind)
    assert reply.outcome == ("http_429" if kind == "retry-seconds" else "http_5xx")
    if seconds is None:  # an HTTP-date in 2030: years of seconds from now
        assert reply.retry_after_s is not None and reply.retry_after_s > 86400
    else:
        assert reply.retry_after_s == seconds


def test_retry_after_reads_both_forms_and_refuses_nonsense() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds({"retry-after": "Thu, 01 Jan 2026 12:00:30 GMT"}, now) == 30
    assert retry_after_seconds({"retry-after": "Thu, 01 Jan 2026 11:00:00 GMT"}, now) == 0
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "nan"}) is None
    assert retry_after_seconds({"retry-after": "soon"}) is None


async def test_large_bodies_are_encoded_one_per_loop_turn(
    server: Misbehaving, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long-context requests started together must not hold the loop back to back: arrivals
    between them are stamped when they come, not after every body is encoded."""
    from probes.clients import transport

    turns = 0

    async def ticker() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    encoded_at: list[int] = []
    dumps = json.dumps

    def counted(value: object) -> str:
        text: str = dumps(value)
        if len(text) >= transport.LARGE_BODY_BYTES:
            encoded_at.append(turns)
        return text

    monkeypatch.setattr(json, "dumps", counted)  # the module the client encodes with
    big = ChatRequest(messages=[{"role": "user", "content": "word " * 60_000}], max_tokens=8)
    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    async with make_client() as pool:
        answers = await asyncio.gather(
            *(chat(pool, "openai", server.url("close"), "m", "sk-test", big) for _ in range(4))
        )
    tick.cancel()
    assert [reply.outcome for _, reply in answers] == ["ok"] * 4
    assert len(encoded_at) == 4 and len(set(encoded_at)) == 4, encoded_at
