"""A small HTTP/1.1 server on loopback that answers OpenAI chat requests in every way a real
server, proxy or gateway has been seen to: valid but unusual framings (close-delimited,
gzip, deflate), and each kind of failure. The first path segment of the request picks the
behaviour, so one server serves a whole test module: `http://127.0.0.1:PORT/<kind>/v1`.

It writes raw bytes on purpose: a framework would refuse to send most of these.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

TEXT = ["Hello", " there", ", world"]


def stream_body(*, done: bool = True, extra: list[bytes] | None = None) -> bytes:
    """A complete OpenAI stream: three content deltas, the finish, usage and `[DONE]`."""
    events = [
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant"}}]},
        *(
            {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": t}}]}
            for t in TEXT
        ),
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {
            "id": "c1",
            "model": "m",
            "choices": [],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3},
        },
    ]
    out = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    out += b"".join(extra or [])
    return out + (b"data: [DONE]\n\n" if done else b"")


def head(status: str, *headers: str) -> bytes:
    return ("\r\n".join([f"HTTP/1.1 {status}", *headers]) + "\r\n\r\n").encode()


SSE = "content-type: text/event-stream"

Handler = Callable[["Misbehaving", asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]
"""Answers one request; True keeps the connection for another."""


@dataclass
class Misbehaving:
    """The server, its port, and what it saw (for tests of the client's own behaviour)."""

    port: int = 0
    server: asyncio.Server | None = None
    in_flight: int = 0
    most_in_flight: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    connections: int = 0
    served_on_connection: dict[int, int] = field(default_factory=dict)
    writers: set[asyncio.StreamWriter] = field(default_factory=set)
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self.port}/{kind}/v1"

    async def start(self) -> Misbehaving:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in self.writers:
                writer.transport.abort()
            for task in self.handlers:
                task.cancel()
            await asyncio.gather(*self.handlers, return_exceptions=True)
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.served_on_connection[number] = 0
        self.writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
        try:
            while True:
                try:
                    line = await reader.readline()
                except ConnectionError:
                    return
                if not line:
                    return
                _, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (raw := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append((path, headers))
                kind = path.strip("/").split("/")[0]
                self.served_on_connection[number] += 1
                if kind == "stale" and self.served_on_connection[number] > 1:
                    # A keep-alive connection this server has given up on: it closes it as
                    # the next request arrives, without a byte of answer.
                    return
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                try:
                    keep = await HANDLERS[kind](self, reader, writer)
                finally:
                    self.in_flight -= 1
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            self.writers.discard(writer)
            writer.close()


async def _close_delimited(
    s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> bool:
    w.write(head("200 OK", SSE, "connection: close"))
    for part in stream_body().split(b"\n\n")[:-1]:
        w.write(part + b"\n\n")
        await w.drain()
        await asyncio.sleep(0.005)
    return False


def _coded(coding: str) -> Handler:
    async def handler(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        body = stream_body()
        if coding == "gzip":
            packed = gzip.compress(body)
        elif coding == "deflate":
            packed = zlib.compress(body)
        else:  # raw deflate, as some servers send under the `deflate` name
            packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            packed = packer.compress(body) + packer.flush()
        name = "deflate" if coding == "raw-deflate" else coding
        w.write(head("200 OK", SSE, f"content-encoding: {name}", f"content-length: {len(packed)}"))
        w.write(packed)
        await w.drain()
        return True

    return handler


async def _gzip_bomb(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
    packed = gzip.compress(b"\0" * (40 * 1024 * 1024), compresslevel=9)
    w.write(head("200 OK", SSE, "content-encoding: gzip", f"content-length: {len(packed)}"))
    w.write(packed)
    await w.drain()
    return True


async def _keep_alive(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
    body = stream_body()
    w.write(head("200 OK", SSE, f"content-length: {len(body)}") + body)
    await w.drain()
    return True


async def _slow(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
    await asyncio.sleep(0.2)
    return await _keep_alive(s, r, w)


async def _trickle(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
    w.write(head("200 OK", SSE, "transfer-encoding: chunked"))
    for byte in stream_body() * 1000:
        w.write(b"1\r\n" + bytes([byte]) + b"\r\n")
        await w.drain()
        await asyncio.sleep(0.05)
    return False


async def _stall(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
    w.write(head("200 OK", SSE, "connection: close") + stream_body()[:200])
    await w.drain()
    await asyncio.sleep(30)
    return False


async def _silent(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
    await asyncio.sleep(30)
    return False


async def _cut(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
    body = stream_body()
    w.write(head("200 OK", SSE, f"content-length: {len(body)}") + body[: len(body) // 2])
    await w.drain()
    return False


def _whole(status: str, content_type: str, body: bytes, *extra: str) -> Handler:
    async def handler(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        w.write(
            head(status, f"content-type: {content_type}", f"content-length: {len(body)}", *extra)
            + body
        )
        await w.drain()
        return True

    return handler


def _stream_with(extra: bytes, *, done: bool = True) -> Handler:
    async def handler(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        body = stream_body(done=done, extra=[extra])
        w.write(head("200 OK", SSE, f"content-length: {len(body)}") + body)
        await w.drain()
        return True

    return handler


def _error_event() -> Handler:
    """Two content deltas, then an error event and the end of the stream (OpenAI's shape for
    an error after the status line has gone)."""

    async def handler(s: Misbehaving, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        events: list[dict[str, Any]] = [
            {"id": "c1", "choices": [{"index": 0, "delta": {"content": "Hel"}}]},
            {"error": {"message": "The server had an error while processing your request."}},
        ]
        body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
        w.write(head("200 OK", SSE, f"content-length: {len(body)}") + body)
        await w.drain()
        return True

    return handler


RETRY_DATE = format_datetime(
    __import__("datetime").datetime(2030, 1, 1, tzinfo=__import__("datetime").UTC), usegmt=True
)

HANDLERS: dict[str, Handler] = {
    "close": _close_delimited,
    "gzip": _coded("gzip"),
    "deflate": _coded("deflate"),
    "raw-deflate": _coded("raw-deflate"),
    "gzip-bomb": _gzip_bomb,
    "ok": _keep_alive,
    "stale": _keep_alive,
    "slow": _slow,
    "trickle": _trickle,
    "stall": _stall,
    "silent": _silent,
    "cut": _cut,
    "html": _whole("200 OK", "text/html", b"<html><title>Sign in to the Wi-Fi</title></html>"),
    "json-error": _whole(
        "200 OK", "application/json", json.dumps({"error": {"message": "quota exceeded"}}).encode()
    ),
    "error-event": _error_event(),
    "invalid-event": _stream_with(b"data: {not json\n\n", done=False),
    "done-twice": _stream_with(b"data: [DONE]\n\n"),
    "retry-seconds": _whole(
        "429 Too Many Requests",
        "application/json",
        b'{"error":{"message":"slow down"}}',
        "retry-after: 7",
    ),
    "retry-date": _whole(
        "503 Service Unavailable",
        "application/json",
        b'{"error":{"message":"busy"}}',
        f"retry-after: {RETRY_DATE}",
    ),
}
