"""HTTP/1.1 on an asyncio Protocol: parse requests, send replies on schedule.

This is the speed-critical part of the simulator, so it avoids everything per-event that
costs: no task or coroutine per request (a handler is a plain function returning a `Reply`),
no `sleep` per event (one `call_later` timer per stream, re-armed for the next due event), one
`transport.write` per wake-up, and `httptools` (llhttp, in C) for parsing.

Timing: every offset in a `Reply` counts from `Request.received_ns`, the moment the last byte
of the request was parsed (`time.monotonic_ns()`, CLOCK_MONOTONIC on Linux, the same clock as
`time.perf_counter_ns()` in any process on the machine). Events are sent when due, never by
sleeping after the previous send, so lateness never accumulates. Each streamed event that
asks for it is prefixed with an SSE comment `: sim due=<ns> sent=<ns>` (intended and actual
send time on that clock), and every reply head carries the same for itself, so a client can
measure its own error against the server's ground truth.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, cast

import httptools

log = logging.getLogger(__name__)

monotonic_ns = time.monotonic_ns

# Event kinds in a streamed reply.
STAMPED: Final = 0
"""An SSE event: written with a ground-truth comment line in front."""
RAW: Final = 1
"""Bytes written as they are (a JSON-array stream, a deliberately broken event)."""
CLOSE: Final = 2
"""Close the connection here (FIN after what was written): the body is left incomplete."""
RESET: Final = 3
"""Abort the connection here with a TCP reset."""

Event = tuple[int, bytes, int]
"""(offset in ns from the request's arrival, payload, kind)."""

EARLY_NS: Final = 200_000
"""Events due within this much of now are sent in the current wake-up: a timer re-armed for
less than a fraction of a millisecond would fire late anyway (timers have 1 ms granularity)."""

BATCH: Final = 64
"""Most events written per wake-up: an endless stream at time scale 0 must not hold the loop."""

MAX_BODY: Final = 256 * 1024 * 1024
"""Request bodies above this get 413: a 1M-token prompt is about 4 MB."""

STATUS_TEXT: Final = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Site Overloaded",
}


@dataclass(slots=True)
class Request:
    """One parsed HTTP request. Header names are lowercase."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    received_ns: int
    received_unix_ns: int


@dataclass(slots=True)
class Reply:
    """What to send and when. Offsets are ns after `Request.received_ns`.

    `status` 0 sends no response at all: the connection is reset (`end="reset"`), closed
    (`end="close"`) or left open with nothing sent (`end="hang"`) at `head_at`.
    With `body`, head and body go out together at `head_at` (a non-streaming reply). With
    `events`, the head goes out at `head_at` and the body is chunked, one chunk per event;
    the iterator may be endless (the client's disconnect stops it).
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    events: Iterator[Event] | None = None
    head_at: int = 0
    end: str = "finish"
    declared_length: int | None = None
    """A content-length to announce instead of the body's own (a body cut short on purpose)."""
    marks: TokenMarks | None = None
    """Where to note when the first and last token actually went out (server-side truth)."""


@dataclass(slots=True)
class TokenMarks:
    """The (due, sent) stamps of a streamed reply's first and last token, noted as they go
    out: the ground truth of the `: sim` comments, kept on the server for clients that do not
    keep the raw stream. Each mark is the first stamped event due at or after its offset."""

    first_at: int
    """The first token's offset in ns after the request's arrival."""
    last_at: int
    """The last token's offset."""
    first: tuple[int, int] | None = None
    last: tuple[int, int] | None = None

    def note(self, at: int, due: int, sent: int) -> None:
        if self.first is None and at >= self.first_at:
            self.first = (due, sent)
        if self.last is None and at >= self.last_at:
            self.last = (due, sent)


Handler = Callable[[Request], Reply]


class _Date:
    """The `date` header, formatted once per second."""

    second = -1
    value = b""

    @classmethod
    def get(cls) -> bytes:
        now = int(time.time())
        if now != cls.second:
            cls.second = now
            cls.value = email.utils.formatdate(now, usegmt=True).encode()
        return cls.value


def _head(status: int, headers: list[tuple[str, str]], framing: bytes, keep_alive: bool) -> bytes:
    lines = [b"HTTP/1.1 %d %s\r\n" % (status, STATUS_TEXT.get(status, "Unknown").encode())]
    lines += [f"{name}: {value}\r\n".encode("latin-1") for name, value in headers]
    lines.append(b"date: " + _Date.get() + b"\r\n")
    lines.append(framing)
    lines.append(b"connection: keep-alive\r\n\r\n" if keep_alive else b"connection: close\r\n\r\n")
    return b"".join(lines)


class Connection(asyncio.Protocol):
    """One client connection: parses requests, answers them one at a time in order."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.loop = server.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[tuple[Request, bool]] = deque()
        self.busy = False
        self.closed = False
        self.paused = False
        self.timer: asyncio.TimerHandle | None = None
        # The request being parsed.
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._size = 0
        # The reply being sent.
        self.reply = Reply(0)
        self.t0 = 0
        self.keep_alive = True
        self.head_sent = False
        self.pending: Event | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.server.connections.discard(self)

    def pause_writing(self) -> None:
        # The client reads slower than we write: hold the stream (its events turn late,
        # which the ground-truth stamps show) instead of buffering without bound.
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.busy and self.timer is None and not self.closed:
            self._tick()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400, b"upgrades are not supported")
        except httptools.HttpParserError:
            self._refuse(400, b"malformed HTTP request")

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = {}
        self._body = []
        self._size = 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        # curl sends `expect: 100-continue` with bodies over 1 KB and waits a second for
        # this before sending the body: answer at once, or every large prompt is 1 s late.
        if self._headers.get("expect", "").lower() == "100-continue" and self.transport:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_BODY:
            self._refuse(413, b"request body too large")
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self.closed:  # refused mid-body (413): the rest of the feed is ignored
            return
        received = monotonic_ns()
        path, _, query = self._url.decode("latin-1").partition("?")
        request = Request(
            method=self.parser.get_method().decode("latin-1"),
            path=path,
            query=query,
            headers=self._headers,
            body=b"".join(self._body),
            received_ns=received,
            received_unix_ns=time.time_ns(),
        )
        keep_alive = self.parser.should_keep_alive()
        if self.busy:
            self.queue.append((request, keep_alive))
        else:
            self._dispatch(request, keep_alive)

    # -- replies ------------------------------------------------------------------------

    def _refuse(self, status: int, message: bytes) -> None:
        """Answer a request we cannot parse, then close: the stream position is lost."""
        if self.transport is None or self.closed:
            return
        body = b'{"error": {"message": "' + message + b'", "type": "invalid_request_error"}}'
        head = _head(
            status,
            [("content-type", "application/json"), ("x-advisor-simulated", "true")],
            b"content-length: %d\r\n" % len(body),
            keep_alive=False,
        )
        self.transport.write(head + body)
        self.transport.close()
        self.closed = True

    def _dispatch(self, request: Request, keep_alive: bool) -> None:
        try:
            reply = self.server.handler(request)
        except Exception:
            log.exception("simulator handler failed on %s %s", request.method, request.path)
            reply = Reply(
                500,
                [("content-type", "application/json"), ("x-advisor-simulated", "true")],
                body=b'{"error": {"message": "simulator bug", "type": "server_error"}}',
            )
        self.busy = True
        self.reply = reply
        self.t0 = request.received_ns
        self.keep_alive = keep_alive
        self.head_sent = False
        self.pending = None
        self._tick()

    def _arm(self, due: int, now: int) -> None:
        self.timer = self.loop.call_later((due - now) / 1e9, self._tick)

    def _tick(self) -> None:
        """Send everything that is due, then re-arm the timer for the next event."""
        self.timer = None
        transport = self.transport
        if self.closed or self.paused or transport is None:
            return
        reply = self.reply
        now = monotonic_ns()
        t0 = self.t0
        out: list[bytes] = []
        if not self.head_sent:
            due = t0 + reply.head_at
            if due > now + EARLY_NS:
                self._arm(due, now)
                return
            if reply.status == 0:
                self._end(reply.end)
                return
            self.head_sent = True
            stamps = [
                ("x-sim-received-ns", str(t0)),
                ("x-sim-head-due-ns", str(due)),
                ("x-sim-head-sent-ns", str(now)),
            ]
            if reply.events is None:
                body = reply.body or b""
                length = len(body) if reply.declared_length is None else reply.declared_length
                framing = b"content-length: %d\r\n" % length
                keep = self.keep_alive and reply.end == "finish"
                transport.write(_head(reply.status, reply.headers + stamps, framing, keep) + body)
                self._end(reply.end)
                return
            framing = b"transfer-encoding: chunked\r\n"
            out.append(_head(reply.status, reply.headers + stamps, framing, self.keep_alive))
        events = reply.events
        assert events is not None
        for _ in range(BATCH):
            event = self.pending
            if event is None:
                event = next(events, None)
                if event is None:
                    out.append(b"0\r\n\r\n")
                    transport.write(b"".join(out))
                    self._end("finish")
                    return
            at, data, kind = event
            due = t0 + at
            if due > now + EARLY_NS:
                self.pending = event
                if out:
                    transport.write(b"".join(out))
                self._arm(due, now)
                return
            self.pending = None
            if kind == STAMPED:
                data = b": sim due=%d sent=%d\n%s" % (due, now, data)
                if reply.marks is not None:
                    reply.marks.note(at, due, now)
            elif kind != RAW:
                if out:
                    transport.write(b"".join(out))
                self._end("close" if kind == CLOSE else "reset")
                return
            if data:  # an empty chunk would end the body
                out.append(b"%x\r\n%s\r\n" % (len(data), data))
        # More is due than one batch: let other connections (and connection_lost) run first.
        transport.write(b"".join(out))
        self.timer = self.loop.call_later(0, self._tick)

    def _end(self, how: str) -> None:
        transport = self.transport
        assert transport is not None
        if how == "hang":
            return  # the client gives up, or the server closes at shutdown
        if how == "reset":
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # Linger 0: close() sends RST instead of FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            self.closed = True
            return
        if how == "close" or not self.keep_alive:
            transport.close()
            self.closed = True
            return
        self.busy = False
        if self.queue:
            request, keep_alive = self.queue.popleft()
            self._dispatch(request, keep_alive)


class HttpServer:
    """A listening socket whose connections call `handler` for each request."""

    def __init__(self, handler: Handler, loop: asyncio.AbstractEventLoop) -> None:
        self.handler = handler
        self.loop = loop
        self.connections: set[Connection] = set()
        self.server: asyncio.AbstractServer | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on host:port (0 picks a free port); returns the bound address."""
        self.server = await self.loop.create_server(
            lambda: Connection(self), host, port, backlog=4096, reuse_address=True
        )
        sockname = self.server.sockets[0].getsockname()
        return str(sockname[0]), int(sockname[1])

    async def stop(self) -> None:
        """Stop listening and drop every open connection, hanging ones included."""
        if self.server is not None:
            self.server.close()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
        if self.server is not None:
            await self.server.wait_closed()
