"""The suite's own upstream: one OpenAI-compatible deployment per loopback port, each told
what to do, each request logged with the deployment that saw it.

Every deployment listens on its own port, so "down" can be real: its socket is closed and
connections are refused, while the others answer. Modes (`Upstream.set`):

- `ok`: a chat completion (or an SSE stream) naming the deployment;
- `500`: OpenAI's server-error body; `429`: a rate-limit body with `retry-after: 1`;
- `down`: the port refuses connections; `reset`: the request is read, then the connection
  is reset (RST, no response); `hang`: the request is read and never answered.

Whatever the mode, a deployment answers an input longer than its window with a 400 and the
body OpenAI sends for it (`context_length_exceeded`), as a real provider would.

Requests carry a tag (`req-N`, the first word of the last message); `Upstream.hits(tag)` says
which deployments saw that request, in order, and how each answered. Ground truth that does
not depend on any gateway's headers.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Literal

Mode = Literal["ok", "500", "429", "down", "reset", "hang", "slow"]
MODES: Final[tuple[Mode, ...]] = ("ok", "500", "429", "down", "reset", "hang", "slow")
HANG_LIMIT_S: Final = 120.0
"""A hung request is released after this long at the latest (or when the mode changes)."""
SLOW_S: Final = 0.6
"""How late a `slow` deployment starts its answer: past a 0.4 s first-token budget, within the
0.8 s its plan times it out at (the gate suite's `fast-chat`), and past LiteLLM's 0.5 s
histogram bucket, so its answers are surely over the budget."""
CHARS_PER_TOKEN: Final = 4
"""How the upstream counts input tokens: roughly, as providers' tokenizers do for English."""


@dataclass(frozen=True)
class Hit:
    """One request a deployment saw: its tag, how it was answered, and when."""

    deployment: str
    tag: str
    outcome: str
    """`ok`, `stream`, `500`, `429`, `reset`, `hang` or `context` (the 400 for a long input)."""
    at: float
    tokens: int


def context_error(window: int, tokens: int) -> dict[str, Any]:
    """OpenAI's 400 body for an input longer than the model's window."""
    return {
        "error": {
            "message": (
                f"This model's maximum context length is {window} tokens. However, your "
                f"messages resulted in {tokens} tokens. Please reduce the length of the messages."
            ),
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }


SERVER_ERROR: Final = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}
RATE_LIMITED: Final = {
    "error": {
        "message": "Rate limit reached for requests per min. Please try again in 1s.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}


@dataclass
class Deployment:
    """One deployment: a model id, a window, a port and what it does now."""

    name: str
    model: str
    window: int
    port: int = 0
    mode: Mode = "ok"
    server: ThreadingHTTPServer | None = field(default=None, repr=False)
    thread: threading.Thread | None = field(default=None, repr=False)
    release: threading.Event = field(default_factory=threading.Event, repr=False)
    connections: set[socket.socket] = field(default_factory=set, repr=False)
    """Open client connections, cut when the deployment goes down (a pooled keep-alive
    connection must not outlive its server)."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


class Upstream:
    """The deployments, their log, and the switches that make them misbehave."""

    def __init__(self, deployments: Iterable[tuple[str, str, int]]) -> None:
        self.deployments = {
            name: Deployment(name, model, window) for name, model, window in deployments
        }
        self._log: list[Hit] = []
        self._lock = threading.Lock()

    def start(self) -> Upstream:
        for d in self.deployments.values():
            self._listen(d)
        return self

    def stop(self) -> None:
        for d in self.deployments.values():
            d.release.set()
            self._close(d)

    def set(self, **modes: Mode) -> None:
        """Set deployments' modes by name (`set(primary="500")`); the rest keep theirs."""
        for name, mode in modes.items():
            self._switch(self.deployments[name], mode)

    def reset(self) -> None:
        """Every deployment answers again; the log is cleared."""
        for d in self.deployments.values():
            self._switch(d, "ok")
        with self._lock:
            self._log.clear()

    def hits(self, tag: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self._log if tag is None or h.tag == tag]

    def path(self, tag: str) -> list[tuple[str, str]]:
        """(deployment, outcome) for each time the request tagged `tag` reached one."""
        return [(h.deployment, h.outcome) for h in self.hits(tag)]

    def served(self, tag: str) -> str | None:
        """The deployment that answered the request tagged `tag` last, if one did (a gateway
        may check the primary's health with the request before a canary answers it)."""
        ok = self.answered(tag)
        return ok[-1] if ok else None

    def answered(self, tag: str) -> list[str]:
        """Every deployment that answered the request tagged `tag`, in order."""
        return [h.deployment for h in self.hits(tag) if h.outcome in ("ok", "stream")]

    # -- internals ----------------------------------------------------------------------

    def _switch(self, d: Deployment, mode: Mode) -> None:
        if mode == d.mode:
            return
        if d.mode == "hang":
            d.release.set()
        if mode == "hang":
            d.release = threading.Event()
        if mode == "down":
            self._close(d)
        elif d.mode == "down":
            self._listen(d)
        d.mode = mode

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self._log.append(hit)

    def _listen(self, d: Deployment) -> None:
        upstream = self

        class Handler(_Handler):
            deployment = d
            owner = upstream

        server = ThreadingHTTPServer(("127.0.0.1", d.port), Handler)
        server.daemon_threads = True
        d.port = server.server_address[1]
        d.server = server
        d.thread = threading.Thread(target=server.serve_forever, name=f"upstream-{d.name}")
        d.thread.daemon = True
        d.thread.start()

    @staticmethod
    def _close(d: Deployment) -> None:
        for conn in list(d.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone
        if d.server is not None:
            d.server.shutdown()
            d.server.server_close()
            d.server = None
        if d.thread is not None:
            d.thread.join(10)
            d.thread = None


class _Handler(BaseHTTPRequestHandler):
    deployment: Deployment
    owner: Upstream
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.deployment.connections.add(self.connection)

    def finish(self) -> None:
        self.deployment.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass  # the peer or a reset closed it first

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        """Quiet: the upstream's log is `Upstream.hits`."""

    def do_GET(self) -> None:
        self._json(200, {"object": "list", "data": [{"id": self.deployment.model}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        d = self.deployment
        text = _last_message(body)
        tag = text.split(" ", 1)[0] if text else ""
        tokens = max(1, len(json.dumps(body.get("messages", []))) // CHARS_PER_TOKEN)
        mode = d.mode

        def record(outcome: str) -> None:
            self.owner._record(Hit(d.name, tag, outcome, time.monotonic(), tokens))

        if mode == "slow":
            time.sleep(SLOW_S)
        if tokens > d.window:
            record("context")
            self._json(400, context_error(d.window, tokens))
        elif mode == "500":
            record("500")
            self._json(500, SERVER_ERROR)
        elif mode == "429":
            record("429")
            self._json(429, RATE_LIMITED, {"retry-after": "1"})
        elif mode in ("reset", "down"):  # "down": a request on a connection opened before
            record(mode)
            self._reset()
        elif mode == "hang":
            record("hang")
            d.release.wait(HANG_LIMIT_S)
            self.close_connection = True
        elif body.get("stream"):
            record("stream")
            self._stream(body, tag)
        else:
            record("ok")
            self._json(200, _completion(d, tag))

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-upstream-deployment", self.deployment.name)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict[str, Any], tag: str) -> None:
        d = self.deployment
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("x-upstream-deployment", d.name)
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        for chunk in _chunks(d, tag, bool((body.get("stream_options") or {}).get("include_usage"))):
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _reset(self) -> None:
        """Close with RST: SO_LINGER on, zero timeout."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _last_message(body: dict[str, Any]) -> str:
    messages = body.get("messages") or []
    if not messages:
        return ""
    content = messages[-1].get("content", "")
    if isinstance(content, list):  # content parts
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def _completion(d: Deployment, tag: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{d.name}-{tag}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": d.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"{d.name} answers {tag}"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14},
    }


def _chunks(d: Deployment, tag: str, usage: bool) -> Iterator[dict[str, Any]]:
    base: dict[str, Any] = {"id": f"chatcmpl-{d.name}-{tag}", "object": "chat.completion.chunk"}
    base |= {"model": d.model, "created": int(time.time())}
    yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    for word in (f"{d.name} ", "answers ", tag):
        yield {**base, "choices": [{"index": 0, "delta": {"content": word}}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    if usage:
        yield {
            **base,
            "choices": [],
            "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14},
        }
