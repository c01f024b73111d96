"""Key-shaped text hidden wherever we echo what a user wrote.

The run store hides the values of the key variables in use (probes.store.Redactor); this
hides keys we were never told about: one pasted into a workload's system prompt or sample,
or into a field where a name belonged, and echoed back in JSON, tables or error messages.
The shapes are the providers' published key prefixes, long enough that prose never matches.
"""

from __future__ import annotations

import re
from typing import Any

KEY_SHAPES = re.compile(
    r"\b(?:"
    r"sk-[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic (sk-ant-), OpenRouter (sk-or-), DeepSeek
    r"|AIza[0-9A-Za-z_-]{35}"  # Google
    r"|gsk_[A-Za-z0-9]{20,}"  # Groq
    r"|xai-[A-Za-z0-9]{20,}"  # xAI
    r"|hf_[A-Za-z0-9]{20,}"  # Hugging Face
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r")"
    r"|(?<=Bearer )[A-Za-z0-9._~+/-]{20,}=*"
)

REDACTED = "[redacted key]"


def redact_keys(text: str) -> str:
    """`text` with every key-shaped run replaced."""
    return KEY_SHAPES.sub(REDACTED, text)


def redact_value(value: Any) -> Any:
    """A JSON-like value with key-shaped text replaced in every string, keys included."""
    if isinstance(value, str):
        return redact_keys(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


class RedactingWriter:
    """A text stream that hides key-shaped text on its way to `stream` (a console's file).
    Rich writes a whole rendering at once, so a key is never split across two writes."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact_keys(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:
        return str(getattr(self._stream, "encoding", "utf-8"))
