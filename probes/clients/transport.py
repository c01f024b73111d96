"""One HTTP exchange with timestamps taken as bytes arrive, and its failures classified.

No retries happen here, ever: a retry is a new attempt that the caller records as such, so a
429 or a reset is never hidden inside a slow success.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from probes.clients.base import Timed

MAX_BODY_BYTES = 16 * 1024 * 1024
"""A reply larger than this is cut off and classified `too_large`."""


def make_client(concurrency: int = 256) -> httpx.AsyncClient:
    """A keep-alive client whose pool never queues the probes it is asked to send at once."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=None, follow_redirects=False)


async def exchange(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    *,
    deadline_s: float = 120.0,
    first_byte_timeout_s: float = 60.0,
    stall_timeout_s: float = 30.0,
    expect_stream: bool = True,
) -> Timed:
    """POST `body` as JSON and collect the answer's bytes with their arrival times.

    Gives up (outcome `timeout`) when the whole exchange passes `deadline_s`, when no byte
    arrives within `first_byte_timeout_s`, or when a stream stalls for `stall_timeout_s`.
    """
    request = client.build_request("POST", url, headers=headers, json=body)
    timed = Timed(sent_ns=time.perf_counter_ns())
    try:
        async with asyncio.timeout(deadline_s):
            await _collect(
                client, request, timed, first_byte_timeout_s, stall_timeout_s, expect_stream
            )
    except TimeoutError:
        timed.error, timed.error_text = "timeout", f"no complete answer within {deadline_s:g} s"
    except (
        httpx.ReadTimeout,
        httpx.PoolTimeout,
        httpx.WriteTimeout,
        httpx.ConnectTimeout,
    ) as error:
        timed.error, timed.error_text = "timeout", type(error).__name__
    except httpx.ConnectError as error:
        timed.error, timed.error_text = "connect_error", str(error) or type(error).__name__
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
        timed.error = "reset" if timed.first_byte_ns is None else "truncated"
        timed.error_text = str(error) or type(error).__name__
    if timed.end_ns is None:
        timed.end_ns = time.perf_counter_ns()
    return timed


async def _collect(
    client: httpx.AsyncClient,
    request: httpx.Request,
    timed: Timed,
    first_byte_timeout_s: float,
    stall_timeout_s: float,
    expect_stream: bool,
) -> None:
    async with asyncio.timeout(first_byte_timeout_s):
        response = await client.send(request, stream=True)
    try:
        timed.status = response.status_code
        timed.headers = {k.lower(): v for k, v in response.headers.items()}
        size = 0
        chunks = response.aiter_raw()
        while True:
            try:
                async with asyncio.timeout(
                    stall_timeout_s if timed.chunks else first_byte_timeout_s
                ):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            now = time.perf_counter_ns()
            if timed.first_byte_ns is None:
                timed.first_byte_ns = now
            timed.chunks.append((now, chunk))
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                timed.error, timed.error_text = "too_large", f"reply over {MAX_BODY_BYTES:,} bytes"
                break
        timed.end_ns = time.perf_counter_ns()
    finally:
        await response.aclose()
    kind = timed.headers.get("content-type", "")
    ok = timed.status is not None and timed.status < 400
    if ok and timed.error is None:
        wants = "text/event-stream" if expect_stream else "application/json"
        if wants not in kind:
            timed.error = "wrong_content_type"
            timed.error_text = f"expected {wants}, got {kind or 'none'}"
