"""The HTTP/1.1 transport, in process: keep-alive, pipelining, chunked bodies, bad requests,
clients that leave mid-stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from catalog import load_catalog
from probes.simulator import RunningServer, make_config, start
from tests.probes.conftest import SIM_DATA

BODY = json.dumps({"model": "exact-1", "messages": [{"role": "user", "content": "Hi"}]}).encode()


def request(body: bytes = BODY, extra: str = "") -> bytes:
    return (
        b"POST /p/simlab/v1/chat/completions HTTP/1.1\r\nhost: sim\r\n"
        b"content-type: application/json\r\n"
        + extra.encode()
        + b"content-length: %d\r\n\r\n" % len(body)
        + body
    )


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    running = await start(load_catalog([SIM_DATA]), config=make_config(time_scale=0.0, seed=1))
    yield running
    await running.stop()


async def read_response(reader: asyncio.StreamReader) -> tuple[dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers["content-length"]))
    return headers, body


async def test_pipelined_requests_are_answered_in_order(server: RunningServer) -> None:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request() + request() + request())
    numbers = []
    for _ in range(3):
        headers, body = await read_response(reader)
        assert headers["connection"] == "keep-alive"
        assert json.loads(body)["object"] == "chat.completion"
        numbers.append(int(headers["x-sim-request"]))
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    writer.close()


async def test_connection_close_is_honoured(server: RunningServer) -> None:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request(extra="connection: close\r\n"))
    headers, _ = await read_response(reader)
    assert headers["connection"] == "close"
    assert await reader.read() == b""  # the server closed its side
    writer.close()


async def test_malformed_request_gets_400_and_close(server: RunningServer) -> None:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"THIS IS NOT HTTP\r\n\r\n")
    headers, body = await read_response(reader)
    assert headers["x-advisor-simulated"] == "true"
    assert b"malformed HTTP request" in body
    assert await reader.read() == b""
    writer.close()


async def test_chunked_request_body(server: RunningServer) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield BODY[:10]
        yield BODY[10:]

    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post("/p/simlab/v1/chat/completions", content=pieces())
    assert response.status_code == 200


async def test_client_leaving_mid_stream_frees_the_connection(server: RunningServer) -> None:
    body = json.dumps(
        {"model": "exact-1", "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    ).encode()
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request(body, extra="x-sim-faults: endless\r\n"))
    await reader.readuntil(b"data: ")
    writer.close()
    await writer.wait_closed()
    for _ in range(100):
        if not server.http.connections:
            break
        await asyncio.sleep(0.01)
    assert not server.http.connections
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.get("/_sim/health")).json()["simulated"] is True


async def test_stop_drops_hanging_connections(server: RunningServer) -> None:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request(extra="x-sim-faults: endless\r\n"))  # a whole body that never comes
    await asyncio.sleep(0.05)
    assert len(server.http.connections) == 1
    await server.stop()
    assert await reader.read() == b""
    writer.close()


async def test_expect_100_continue_is_answered(server: RunningServer) -> None:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = request(extra="expect: 100-continue\r\n")
    split = head.index(b"\r\n\r\n") + 4
    writer.write(head[:split])  # the head alone, as curl sends it
    assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2) == (
        b"HTTP/1.1 100 Continue\r\n\r\n"
    )
    writer.write(head[split:])
    headers, _ = await read_response(reader)
    assert headers["x-sim-offering"] == "simlab/exact-1"
    writer.close()
