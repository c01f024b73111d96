"""What an error answer means, read from its status and the provider's message.

Only one kind matters to the advisor so far: a prompt (plus the output asked for) longer than
the model's window. Planning reacts to it with a context fallback, a probe reports it apart
from other refusals, and it reads differently on every server:

- OpenAI: 400 `context_length_exceeded`, "This model's maximum context length is N tokens";
- vLLM: 400, "This model's maximum context length is N tokens. However, you requested ..."
  or "... is longer than the maximum model length of N" (`--max-model-len`);
- Anthropic: 400 "prompt is too long: N tokens > M maximum";
- Gemini: 400 "The input token count (N) exceeds the maximum number of tokens allowed (M)".
"""

from __future__ import annotations

import re

_CONTEXT = re.compile(
    r"context_length_exceeded|maximum context length|context length|max(imum)?[ _-]model[ _-]len"
    r"|prompt is too long|exceeds the maximum number of tokens|too many (input )?tokens",
    re.IGNORECASE,
)


def is_context_error(status: int | None, message: str | None) -> bool:
    """Whether an error answer says the request does not fit the model's context window."""
    return status is not None and 400 <= status < 500 and bool(_CONTEXT.search(message or ""))
