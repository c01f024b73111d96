"""One HTTP exchange with timestamps taken as bytes arrive, and its failures classified.

The client is a small HTTP/1.1 keep-alive client on asyncio protocols with httptools' C
parser: `data_received` reads the clock and hands the bytes to the parser, nothing else. A
general-purpose client (httpx) costs about ten times more CPU per streamed chunk, and on a
busy event loop that CPU becomes timing error (docs/benchmarks.md). TLS comes from the
standard library; HTTP/2 and proxies are not spoken.

The parser frames the answer (Content-Length, chunked, or a body that ends when the server
closes the connection); the stamps stay ours. A gzip or deflate body is inflated chunk by
chunk as it arrives, so each decoded piece keeps the arrival time of the bytes that held it.

No retries of an answer happen here: a retry is a new attempt that the caller records as
such, so a 429 or a reset is never hidden inside a slow success. The one exception is ours,
not the server's: a pooled keep-alive connection that the server closed while it sat idle is
dropped and the request sent once more on a fresh connection, with its clock restarted
(`Timed.stale_retry` says so). A reset on a fresh connection is always a reset.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
import zlib
from asyncio import FIRST_COMPLETED
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

from probes.clients.base import Outcome, Timed

MAX_BODY_BYTES = 16 * 1024 * 1024
"""A reply larger than this is cut off and classified `too_large`."""

USER_AGENT = "model-advisor-probe/1"

LARGE_BODY_BYTES = 256 * 1024
"""A request body this large (64k tokens of prompt) takes milliseconds to encode."""

DEFAULT_CONNECTIONS = 900
"""Connections a pool holds in use at most. Open-loop load is dispatched without a gate
(probes.load), so this is not a throttle: it stays under the usual soft limit of 1,024 open
files per process, so that a run past it waits for a connection (the wait shows as send lag)
instead of failing to open one."""

_NO_BODY = frozenset({204, 304})
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
"""zlib window bits per content coding: gzip framing, or the zlib wrapper `deflate` names
(a raw deflate stream, which some servers send instead, is tried when that fails)."""


_UNSAFE = re.compile(r"[\r\n\0]")


class HeaderError(ValueError):
    """A header name or value that would break the request's framing (CR, LF or NUL)."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; serves one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.timed: Timed | None = None
        self.done: asyncio.Future[None] | None = None
        self.first_byte: asyncio.Future[None] | None = None
        self.now = 0
        self.size = 0
        self.header_name = b""
        self.closed = False
        self.reusable = False
        self.until_close = False
        """The answer has neither Content-Length nor chunked framing: it ends at close."""
        self.decoder: Any = None
        self.coding = ""

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
            if self.first_byte is not None and not self.first_byte.done():
                # Wakes the waiter, whose next limit is the stall limit, not the first byte's.
                self.first_byte.set_result(None)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._finish("malformed", f"invalid HTTP: {error}")

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.timed is None or self.done is None or self.done.done():
            return
        if self.until_close and exc is None:
            # A close-delimited body (RFC 9112 §6.3): the close is its end, not a failure.
            self.now = time.perf_counter_ns()
            self._inflate_rest()
            self._finish(None, None)
            return
        kind: Outcome = "reset" if self.timed.first_byte_ns is None else "truncated"
        self._finish(kind, str(exc) if exc else "the connection closed mid-answer")

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.timed is not None
        self.timed.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        assert self.timed is not None
        status = self.timed.status = self.parser.get_status_code()
        headers = self.timed.headers
        self.until_close = (
            status >= 200
            and status not in _NO_BODY
            and "content-length" not in headers
            and "chunked" not in headers.get("transfer-encoding", "").lower()
        )
        coding = headers.get("content-encoding", "identity").strip().lower()
        if coding in _DECODERS:
            self.coding, self.decoder = coding, zlib.decompressobj(_DECODERS[coding])
        elif coding not in ("", "identity"):
            self._finish("malformed", f"unsupported content-encoding {coding!r}")
            self.abort()

    def on_body(self, body: bytes) -> None:
        assert self.timed is not None
        if self.decoder is not None:
            body = self._inflate(body)
            if not body:
                return
        self.timed.chunks.append((self.now, body))
        self.size += len(body)
        if self.size > MAX_BODY_BYTES:
            self._finish("too_large", f"reply over {MAX_BODY_BYTES:,} bytes")
            self.abort()

    def _inflate(self, body: bytes) -> bytes:
        """Decode one piece of a compressed body, never past the size cap (a small gzip
        body can inflate to gigabytes)."""
        room = MAX_BODY_BYTES - self.size + 1
        try:
            out: bytes = self.decoder.decompress(body, room)
        except zlib.error as error:
            if self.coding == "deflate" and self.size == 0:
                # Many servers send raw deflate under `deflate`; try that once.
                self.decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self.coding = "raw-deflate"
                return self._inflate(body)
            self._finish("malformed", f"invalid {self.coding} body: {error}")
            self.abort()
            return b""
        if self.decoder.unconsumed_tail:
            out += b"x"  # past the cap: on_body reports too_large
        return out

    def _inflate_rest(self) -> None:
        if self.decoder is not None and self.timed is not None:
            try:
                rest: bytes = self.decoder.flush()
            except zlib.error:
                rest = b""
            if rest:
                self.timed.chunks.append((self.now, rest))
                self.size += len(rest)

    def on_message_complete(self) -> None:
        self.reusable = self.parser.should_keep_alive() and not self.until_close
        self._inflate_rest()
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
        self.until_close, self.decoder, self.coding = False, None, ""
        self.parser = httptools.HttpResponseParser(self)
        loop = asyncio.get_running_loop()
        self.done, self.first_byte = loop.create_future(), loop.create_future()
        timed.sent_ns = time.perf_counter_ns()
        self.transport.write(payload)
        return self.done

    def abort(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.abort()


class Pool:
    """Keep-alive connections per origin, at most `concurrency` of them in use at once (a
    request beyond that waits for one, and the wait shows as send lag). Use as an async
    context manager."""

    def __init__(self, concurrency: int = DEFAULT_CONNECTIONS) -> None:
        if concurrency < 1:
            raise ValueError("a pool needs room for at least one connection")
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._all: set[_Connection] = set()
        self._tls = ssl.create_default_context()
        self.limit = concurrency
        # Semaphore.acquire returns without yielding while a slot is free, so an idle
        # connection still goes out on the loop turn the request was released.
        self._slots = asyncio.Semaphore(concurrency)
        self.large_bodies = asyncio.Lock()
        """Held while a large body is encoded and for one loop turn after (`exchange`)."""
        self.in_use = 0
        """Connections handed out and not yet released."""

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

    async def acquire(
        self, scheme: str, host: str, port: int, *, fresh: bool = False
    ) -> tuple[_Connection, bool]:
        """A connection to the origin and whether it was reused from the idle ones; `fresh`
        skips those. Holds one of the pool's slots until `release`."""
        await self._slots.acquire()
        try:
            idle = self._idle.get((scheme, host, port), [])
            while idle and not fresh:
                connection = idle.pop()
                if not connection.closed and not (
                    connection.transport is not None and connection.transport.is_closing()
                ):
                    self.in_use += 1
                    return connection, True
                self._all.discard(connection)
            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_connection(
                _Connection,
                host,
                port,
                ssl=self._tls if scheme == "https" else None,
                server_hostname=host if scheme == "https" else None,
            )
        except BaseException:
            self._slots.release()
            raise
        self._all.add(protocol)
        self.in_use += 1
        return protocol, False

    def release(self, scheme: str, host: str, port: int, connection: _Connection) -> None:
        """Give the slot back; keep the connection for reuse when its answer allows it."""
        self._slots.release()
        self.in_use -= 1
        if connection.reusable and not connection.closed:
            connection.timed = None
            self._idle.setdefault((scheme, host, port), []).append(connection)
        else:
            connection.abort()
            self._all.discard(connection)


def make_client(concurrency: int = DEFAULT_CONNECTIONS) -> Pool:
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

    Gives up when the whole exchange passes `deadline_s` (`deadline_total`), when no byte
    arrives within `first_byte_timeout_s` (`deadline_first_byte`), or when a stream stalls
    for `stall_timeout_s` (`deadline_stall`). HeaderError when a header would break the
    request's framing.
    """
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    async with client.large_bodies:
        encoded = json.dumps(body).encode()
        if len(encoded) >= LARGE_BODY_BYTES:
            # Encoding megabytes holds the loop for tens of milliseconds; a run that starts
            # dozens of long-context requests at once would encode them back to back while
            # other requests' first bytes wait to be stamped (hundreds of milliseconds of
            # false TTFT). One large encoding per loop turn lets arrivals in between.
            await asyncio.sleep(0)
    payload = _request_bytes(target, parts.netloc, headers, encoded)
    timed = await _attempt(
        client,
        scheme,
        host,
        port,
        payload,
        False,
        deadline_s,
        first_byte_timeout_s,
        stall_timeout_s,
    )
    if timed.error == "reset" and timed.stale_retry:
        # The server closed our idle keep-alive connection as we reused it: nothing of
        # this request reached it, so it goes once more on a connection of its own.
        timed = await _attempt(
            client,
            scheme,
            host,
            port,
            payload,
            True,
            deadline_s,
            first_byte_timeout_s,
            stall_timeout_s,
        )
        timed.stale_retry = True
    if timed.error is None and timed.status is not None and timed.status < 400:
        content_type = timed.headers.get("content-type", "")
        wants = "text/event-stream" if expect_stream else "application/json"
        if wants not in content_type and not _read_whatever_was_asked(content_type):
            timed.error, timed.error_text = (
                "wrong_content_type",
                f"expected {wants}, got {content_type or 'none'}",
            )
    return timed


def _read_whatever_was_asked(content_type: str) -> bool:
    """Bodies a reader inspects whatever was asked for: an HTML page or a JSON object (an
    error sent with status 200 is still an error, and the reader names it)."""
    return "text/html" in content_type or "json" in content_type


async def _attempt(
    client: Pool,
    scheme: str,
    host: str,
    port: int,
    payload: bytes,
    fresh: bool,
    deadline_s: float,
    first_byte_timeout_s: float,
    stall_timeout_s: float,
) -> Timed:
    """One send on one connection. A reset on a reused connection before any byte of the
    answer comes back with `stale_retry` set, for `exchange` to send again."""
    timed = Timed(sent_ns=time.perf_counter_ns())
    start = timed.sent_ns
    try:
        # A timeout scope, not wait_for: wait_for runs the coroutine as a task of its own,
        # which costs several loop turns before the request goes out even when an idle
        # connection is at hand, and under load every turn adds to the send lag.
        async with asyncio.timeout(min(first_byte_timeout_s, deadline_s)):
            connection, reused = await client.acquire(scheme, host, port, fresh=fresh)
    except (TimeoutError, OSError) as error:
        timed.error = (
            "deadline_first_byte"
            if isinstance(error, TimeoutError)
            else "refused"
            if isinstance(error, ConnectionRefusedError)
            else "connect_error"
        )
        timed.error_text = (
            f"no connection within {min(first_byte_timeout_s, deadline_s):g} s"
            if isinstance(error, TimeoutError)
            else str(error) or type(error).__name__
        )
        timed.end_ns = time.perf_counter_ns()
        return timed
    done = connection.start(timed, payload)
    try:
        await _wait(
            done,
            connection.first_byte,
            timed,
            start,
            deadline_s,
            first_byte_timeout_s,
            stall_timeout_s,
        )
    finally:
        if not done.done():
            connection.abort()
            # Cut by us: the close that follows is not the end of a close-delimited body.
            connection.timed = None
        client.release(scheme, host, port, connection)
    if timed.end_ns is None:
        timed.end_ns = time.perf_counter_ns()
    timed.stale_retry = reused and timed.error == "reset" and timed.first_byte_ns is None
    return timed


async def _wait(
    done: asyncio.Future[None],
    first_byte: asyncio.Future[None] | None,
    timed: Timed,
    start: int,
    deadline_s: float,
    first_byte_timeout_s: float,
    stall_timeout_s: float,
) -> None:
    """Wake at most once per timeout period (and once at the first byte, when the stall
    limit takes over) to check the deadline, first byte and stalls."""
    deadline = start + int(deadline_s * 1e9)
    while not done.done():
        now = time.perf_counter_ns()
        kind: Outcome
        if timed.first_byte_ns is None:
            limit = min(deadline, start + int(first_byte_timeout_s * 1e9))
            kind, why = "deadline_first_byte", f"no first byte within {first_byte_timeout_s:g} s"
        else:
            last = timed.chunks[-1][0] if timed.chunks else timed.first_byte_ns
            limit = min(deadline, last + int(stall_timeout_s * 1e9))
            kind, why = "deadline_stall", f"the stream stalled for {stall_timeout_s:g} s"
        if limit == deadline:
            kind, why = "deadline_total", f"no complete answer within {deadline_s:g} s"
        if now >= limit:
            timed.error, timed.error_text = kind, f"cut by our deadline: {why}"
            timed.end_ns = now
            return
        waiting = [done] if first_byte is None or first_byte.done() else [done, first_byte]
        await asyncio.wait(waiting, timeout=(limit - now) / 1e9, return_when=FIRST_COMPLETED)


def _request_bytes(target: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    for name, value in headers.items():
        if _UNSAFE.search(name) or _UNSAFE.search(value) or not name:
            # A line break in a value would end the header (request smuggling); a pasted key
            # with a trailing newline is the usual cause.
            raise HeaderError(f"header {name!r} holds a line break or NUL; refusing to send it")
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
