"""One HTTP exchange with timestamps taken as bytes arrive, and its failures classified.

The client is a small HTTP/1.1 keep-alive client on asyncio protocols with httptools' C
parser: `data_received` reads the clock and hands the bytes to the parser, nothing else. A
general-purpose client (httpx) costs about ten times more CPU per streamed chunk, and on a
busy event loop that CPU becomes timing error (docs/benchmarks.md). TLS comes from the
standard library; HTTP/2 and proxies are not spoken.

No retries happen here, ever: a retry is a new attempt that the caller records as such, so a
429 or a reset is never hidden inside a slow success.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

from probes.clients.base import Outcome, Timed

MAX_BODY_BYTES = 16 * 1024 * 1024
"""A reply larger than this is cut off and classified `too_large`."""

USER_AGENT = "model-advisor-probe/1"


class _Connection(asyncio.Protocol):
    """One keep-alive connection; serves one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.timed: Timed | None = None
        self.done: asyncio.Future[None] | None = None
        self.now = 0
        self.size = 0
        self.header_name = b""
        self.closed = False
        self.reusable = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.now = time.perf_counter_ns()  # the stamp comes first: nothing may delay it
        timed = self.timed
        if timed is None:
            return
        if timed.first_byte_ns is None:
            timed.first_byte_ns = self.now
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._finish("malformed", f"invalid HTTP: {error}")

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.timed is not None and self.done is not None and not self.done.done():
            kind: Outcome = "reset" if self.timed.first_byte_ns is None else "truncated"
            self._finish(kind, str(exc) if exc else "the connection closed mid-answer")

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.timed is not None
        self.timed.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        assert self.timed is not None
        self.timed.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        assert self.timed is not None
        self.timed.chunks.append((self.now, body))
        self.size += len(body)
        if self.size > MAX_BODY_BYTES:
            self._finish("too_large", f"reply over {MAX_BODY_BYTES:,} bytes")
            self.abort()

    def on_message_complete(self) -> None:
        self.reusable = self.parser.should_keep_alive()
        self._finish(None, None)

    def _finish(self, error: Outcome | None, text: str | None) -> None:
        if self.timed is None or self.done is None or self.done.done():
            return
        self.timed.end_ns = self.now or time.perf_counter_ns()
        if error is not None:
            self.timed.error, self.timed.error_text = error, text
            self.reusable = False
        self.done.set_result(None)

    def start(self, timed: Timed, payload: bytes) -> asyncio.Future[None]:
        assert self.transport is not None
        self.timed, self.size, self.reusable = timed, 0, False
        self.parser = httptools.HttpResponseParser(self)
        self.done = asyncio.get_running_loop().create_future()
        timed.sent_ns = time.perf_counter_ns()
        self.transport.write(payload)
        return self.done

    def abort(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.abort()


class Pool:
    """Idle keep-alive connections per origin. Use as an async context manager."""

    def __init__(self, concurrency: int = 256) -> None:
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._all: set[_Connection] = set()
        self._tls = ssl.create_default_context()
        self.limit = concurrency

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for connection in self._all:
            if connection.transport is not None:
                connection.transport.close()
        self._all.clear()
        self._idle.clear()

    async def acquire(self, scheme: str, host: str, port: int) -> _Connection:
        idle = self._idle.get((scheme, host, port), [])
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(
            _Connection,
            host,
            port,
            ssl=self._tls if scheme == "https" else None,
            server_hostname=host if scheme == "https" else None,
        )
        self._all.add(protocol)
        return protocol

    def release(self, scheme: str, host: str, port: int, connection: _Connection) -> None:
        if connection.reusable and not connection.closed:
            connection.timed = None
            self._idle.setdefault((scheme, host, port), []).append(connection)
        else:
            connection.abort()
            self._all.discard(connection)


def make_client(concurrency: int = 256) -> Pool:
    """A keep-alive client for probing; close it with `async with` or `aclose()`."""
    return Pool(concurrency)


async def exchange(
    client: Pool,
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
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    payload = _request_bytes(target, parts.netloc, headers, json.dumps(body).encode())
    timed = Timed(sent_ns=time.perf_counter_ns())
    start = timed.sent_ns
    try:
        # A timeout scope, not wait_for: wait_for runs the coroutine as a task of its own,
        # which costs several loop turns before the request goes out even when an idle
        # connection is at hand, and under load every turn adds to the send lag.
        async with asyncio.timeout(first_byte_timeout_s):
            connection = await client.acquire(scheme, host, port)
    except (TimeoutError, OSError) as error:
        kind: Outcome = "timeout" if isinstance(error, TimeoutError) else "connect_error"
        timed.error, timed.error_text = kind, str(error) or type(error).__name__
        timed.end_ns = time.perf_counter_ns()
        return timed
    done = connection.start(timed, payload)
    try:
        await _wait(done, timed, start, deadline_s, first_byte_timeout_s, stall_timeout_s)
    finally:
        if not done.done():
            connection.abort()
        client.release(scheme, host, port, connection)
    if timed.end_ns is None:
        timed.end_ns = time.perf_counter_ns()
    if timed.error is None and timed.status is not None and timed.status < 400:
        content_type = timed.headers.get("content-type", "")
        wants = "text/event-stream" if expect_stream else "application/json"
        if wants not in content_type:
            timed.error, timed.error_text = (
                "wrong_content_type",
                f"expected {wants}, got {content_type or 'none'}",
            )
    return timed


async def _wait(
    done: asyncio.Future[None],
    timed: Timed,
    start: int,
    deadline_s: float,
    first_byte_timeout_s: float,
    stall_timeout_s: float,
) -> None:
    """Wake at most once per timeout period to check the deadline, first byte and stalls."""
    deadline = start + int(deadline_s * 1e9)
    while not done.done():
        now = time.perf_counter_ns()
        if timed.first_byte_ns is None:
            limit = min(deadline, start + int(first_byte_timeout_s * 1e9))
            why = f"no first byte within {first_byte_timeout_s:g} s"
        else:
            last = timed.chunks[-1][0] if timed.chunks else timed.first_byte_ns
            limit = min(deadline, last + int(stall_timeout_s * 1e9))
            why = f"the stream stalled for {stall_timeout_s:g} s"
        if limit == deadline:
            why = f"no complete answer within {deadline_s:g} s"
        if now >= limit:
            timed.error, timed.error_text = "timeout", why
            timed.end_ns = now
            return
        await asyncio.wait([done], timeout=(limit - now) / 1e9)


def _request_bytes(target: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [
        f"POST {target or '/'} HTTP/1.1",
        f"host: {host}",
        f"user-agent: {USER_AGENT}",
        "content-type: application/json",
        "accept: text/event-stream, application/json",
        f"content-length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
