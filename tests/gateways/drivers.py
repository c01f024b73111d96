"""One way to send a chat request through each gateway, as an application would, and the
answer as the scenarios read it: status, text, seconds to the answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

if TYPE_CHECKING:
    from tensorzero import TensorZeroGateway


@dataclass(frozen=True)
class Answer:
    """What the application got: HTTP status (200 for an answer), text, and how long."""

    status: int
    text: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == 200


class Gateway(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def chat(self, workload: str, content: str, *, stream: bool = False) -> Answer: ...

    def output(self) -> str: ...


def _read_stream(response: httpx.Response) -> str:
    """The text of an OpenAI server-sent-event stream."""
    parts = []
    for line in response.iter_lines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line.removeprefix("data: "))
        for choice in chunk.get("choices") or []:
            parts.append((choice.get("delta") or {}).get("content") or "")
    return "".join(parts)


def _post(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Answer:
    start = time.monotonic()
    if body.get("stream"):
        with client.stream("POST", url, json=body, headers=headers) as response:
            if response.status_code != 200:
                response.read()
                return Answer(response.status_code, response.text, time.monotonic() - start)
            text = _read_stream(response)
            return Answer(200, text, time.monotonic() - start)
    response = client.post(url, json=body, headers=headers)
    seconds = time.monotonic() - start
    if response.status_code != 200:
        return Answer(response.status_code, response.text, seconds)
    return Answer(200, response.json()["choices"][0]["message"]["content"] or "", seconds)


@dataclass
class LiteLLMProxy:
    """`litellm --config` on a loopback port; clients send the master key as a bearer token."""

    url: str
    master_key: str
    client: httpx.Client = field(repr=False)
    log: Path
    name: str = "litellm"

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"proxy {version('litellm')}"

    def chat(self, workload: str, content: str, *, stream: bool = False) -> Answer:
        body: dict[str, Any] = {"model": workload}
        body["messages"] = [{"role": "user", "content": content}]
        if stream:
            body["stream"] = True
        headers = {"authorization": f"Bearer {self.master_key}"}
        return _post(self.client, f"{self.url}/v1/chat/completions", body, headers)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class PortkeyGateway:
    """The Portkey gateway; each request carries its workload's exported config as the
    `x-portkey-config` header. `long_input` picks the config the export's header says to
    send long inputs with."""

    url: str
    npm_version: str
    doc: dict[str, Any] = field(repr=False)
    client: httpx.Client = field(repr=False)
    log: Path
    name: str = "portkey"

    @property
    def version(self) -> str:
        return f"npm {self.npm_version}"

    def chat(
        self, workload: str, content: str, *, stream: bool = False, long_input: bool = False
    ) -> Answer:
        config = self.doc["long_input_configs" if long_input else "configs"][workload]
        body: dict[str, Any] = {"messages": [{"role": "user", "content": content}]}
        if stream:
            body["stream"] = True
        headers = {"x-portkey-config": json.dumps(config)}
        return _post(self.client, f"{self.url}/v1/chat/completions", body, headers)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class TensorZeroEmbedded:
    """TensorZero's embedded gateway, called by function name (the workload)."""

    gateway: TensorZeroGateway = field(repr=False)
    name: str = "tensorzero"

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"embedded {version('tensorzero')}"

    def chat(
        self, workload: str, content: str, *, stream: bool = False, variant: str | None = None
    ) -> Answer:
        """`variant` pins the request to one variant, as the export's header tells the
        application to send the canary its share."""
        from tensorzero import ChatInferenceResponse, TensorZeroError, TensorZeroInternalError

        start = time.monotonic()
        messages = {"messages": [{"role": "user", "content": content}]}
        try:
            if stream:
                parts = []
                chunks = self.gateway.inference(
                    function_name=workload, input=messages, stream=True, variant_name=variant
                )
                assert isinstance(chunks, Iterator), chunks
                for chunk in chunks:
                    for block in getattr(chunk, "content", []):
                        parts.append(getattr(block, "text", "") or "")
                return Answer(200, "".join(parts), time.monotonic() - start)
            response = self.gateway.inference(
                function_name=workload, input=messages, variant_name=variant
            )
        except TensorZeroError as e:
            return Answer(e.status_code, str(e), time.monotonic() - start)
        except TensorZeroInternalError as e:
            return Answer(500, str(e), time.monotonic() - start)
        assert isinstance(response, ChatInferenceResponse), response
        text = "".join(getattr(b, "text", "") or "" for b in response.content)
        return Answer(200, text, time.monotonic() - start)

    def output(self) -> str:
        return ""  # in-process: its errors are the exceptions the answers carry
