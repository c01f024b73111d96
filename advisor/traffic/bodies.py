"""What a chat request body says about the traffic: its system prompt, its messages, and
whether it asks for JSON, offers tools or sends images.

Field meanings follow the OpenAI chat completions request: `messages[].content` is a string
or a list of parts (`{"type": "text"}`, `{"type": "image_url"}`; the Responses API's
`input_image` too), `response_format.type` is `json_object` or `json_schema` for structured
output, `tools` (or the older `functions`) lists the tools offered, and a `tool_choice` that
names one function forces the answer into that function's JSON arguments. The LiteLLM proxy
logs the same body it was sent, so its spend logs are read with these rules too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from probes.simulator.tokens import MEDIA_TOKENS, MESSAGE_OVERHEAD, count_text

IMAGE_PARTS = frozenset({"image_url", "input_image", "image"})
STRUCTURED_FORMATS = frozenset({"json_object", "json_schema"})


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or its text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return ""


def has_image(messages: Iterable[Mapping[str, Any]]) -> bool:
    """True when any message has an image part."""
    return any(
        isinstance(part, Mapping) and part.get("type") in IMAGE_PARTS
        for message in messages
        if isinstance(message.get("content"), list)
        for part in message["content"]
    )


def system_prompt(messages: Iterable[Mapping[str, Any]]) -> str | None:
    """The first system (or developer) message's text, if any."""
    for message in messages:
        if message.get("role") in ("system", "developer"):
            return text_of(message.get("content"))
    return None


def structured(body: Mapping[str, Any]) -> bool:
    """True when the request asks for JSON: a JSON response format or one forced tool."""
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") in STRUCTURED_FORMATS:
        return True
    choice = body.get("tool_choice")
    return isinstance(choice, Mapping) and choice.get("type") == "function"


def offers_tools(body: Mapping[str, Any]) -> bool:
    """True when the request offers tools (or legacy functions)."""
    return bool(body.get("tools") or body.get("functions"))


def estimate_input_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Input tokens by the simulator's rule of thumb: text by characters, images flat, a few
    tokens per message for the chat template."""
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD + count_text(text_of(message.get("content")))
        content = message.get("content")
        if isinstance(content, list):
            total += MEDIA_TOKENS["image"] * sum(
                1
                for part in content
                if isinstance(part, Mapping) and part.get("type") in IMAGE_PARTS
            )
    return total


def estimate_output_tokens(text: str) -> int:
    """Output tokens of an answer's text, by the same rule."""
    return count_text(text)


def message_list(value: Any) -> tuple[Mapping[str, Any], ...] | None:
    """`value` as a tuple of message mappings, or None when it is not a list of mappings."""
    if not isinstance(value, list) or not all(isinstance(m, Mapping) for m in value):
        return None
    return tuple(value)
