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

# JSON objects arrive as dicts: `type(x) is dict` is several times cheaper than an isinstance
# check against the Mapping ABC, and these run once or more per logged request.
from collections.abc import Iterable, Mapping
from typing import Any

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
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def answer_of(response: Any) -> str:
    """The first choice's message text of a chat completion response ("" when it has none)."""
    if not isinstance(response, Mapping):
        return ""
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        return ""
    message = choices[0].get("message")
    return text_of(message.get("content")) if isinstance(message, Mapping) else ""


def has_image(messages: Iterable[Mapping[str, Any]]) -> bool:
    """True when any message has an image part."""
    for message in messages:
        content = message.get("content")
        if type(content) is list:
            for part in content:
                if type(part) is dict and part.get("type") in IMAGE_PARTS:
                    return True
    return False


def system_prompt(messages: Iterable[Mapping[str, Any]]) -> str | None:
    """The first system (or developer) message's text, if any."""
    for message in messages:
        if message.get("role") in ("system", "developer"):
            return text_of(message.get("content"))
    return None


def structured(body: Mapping[str, Any]) -> bool:
    """True when the request asks for JSON: a JSON response format or one forced tool."""
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in STRUCTURED_FORMATS:
        return True
    choice = body.get("tool_choice")
    return isinstance(choice, dict) and choice.get("type") == "function"


def offers_tools(body: Mapping[str, Any]) -> bool:
    """True when the request offers tools (or legacy functions)."""
    return bool(body.get("tools") or body.get("functions"))


def estimate_input_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Input tokens by the simulator's rule of thumb: text by characters, images flat, a few
    tokens per message for the chat template."""
    # Imported here: the simulator package loads its server on import, a cost only logs
    # without token counts should pay.
    from probes.simulator.tokens import MEDIA_TOKENS, MESSAGE_OVERHEAD, count_text

    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD + count_text(text_of(message.get("content")))
        content = message.get("content")
        if isinstance(content, list):
            total += MEDIA_TOKENS["image"] * sum(
                1 for part in content if isinstance(part, dict) and part.get("type") in IMAGE_PARTS
            )
    return total


def estimate_output_tokens(text: str) -> int:
    """Output tokens of an answer's text, by the same rule."""
    from probes.simulator.tokens import count_text

    return count_text(text)


def message_list(value: Any) -> tuple[Mapping[str, Any], ...] | None:
    """`value` as a tuple of message mappings, or None when it is not a list of mappings."""
    if type(value) is not list:
        return None
    for message in value:
        if type(message) is not dict:
            return None
    return tuple(value)
