"""Wire clients for the three provider APIs, behind one call.

`chat()` sends one request to one offering and returns its raw timing and the parsed,
classified reply. Which wire is used follows the provider's `api` in the catalog:
`openai` and `openai-compatible` speak chat completions, `anthropic` Messages, `gemini`
generateContent.
"""

from __future__ import annotations

from probes.clients import anthropic, gemini, openai
from probes.clients.base import ChatRequest, Outcome, Reply, Timed
from probes.clients.transport import Pool, exchange, make_client

__all__ = ["ChatRequest", "Outcome", "Pool", "Reply", "Timed", "chat", "make_client"]


async def chat(
    client: Pool,
    api: str,
    base_url: str,
    model: str,
    api_key: str | None,
    request: ChatRequest,
    *,
    deadline_s: float = 120.0,
    first_byte_timeout_s: float = 60.0,
    stall_timeout_s: float = 30.0,
) -> tuple[Timed, Reply]:
    """Send `request` to `model` at `base_url` over the wire `api` names."""
    if api == "anthropic":
        url, headers, body = (
            anthropic.url(base_url),
            anthropic.headers(api_key),
            anthropic.body(model, request),
        )
    elif api == "gemini":
        url, headers, body = (
            gemini.url(base_url, model, request.stream),
            gemini.headers(api_key),
            gemini.body(request),
        )
    else:
        url, headers, body = (
            openai.url(base_url),
            openai.headers(api_key),
            openai.body(model, request),
        )
    timed = await exchange(
        client,
        url,
        {**headers, **request.extra_headers},
        body,
        deadline_s=deadline_s,
        first_byte_timeout_s=first_byte_timeout_s,
        stall_timeout_s=stall_timeout_s,
        expect_stream=request.stream,
    )
    parser = (
        anthropic.parse if api == "anthropic" else gemini.parse if api == "gemini" else openai.parse
    )
    return timed, parser(timed, request.stream)
