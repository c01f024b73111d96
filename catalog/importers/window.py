"""Context window versus input cap, as sources state them.

Our `limits` keep two numbers apart: the context window (input and output together) and, when
the API caps the prompt below it, the input cap (GPT-5: 272,000 input within 400,000).
Sources state one number where we keep two: LiteLLM's `max_input_tokens` is an input cap that
we take as the window only when nothing better is known, and models.dev and OpenRouter
sometimes give a window where another gives the cap. So when an offering has an input cap and
a source states only a "context" nearer that cap than our window, the source is stating the
cap: it is compared with (and proposed for) `input`, never shrinking the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.schema import Limits


def states_input_cap(ours: Limits | None, context: Any, input_cap: Any = None) -> bool:
    """Whether a source's `context` (with no input cap of its own) is our input cap."""
    if ours is None or ours.input is None or ours.context is None or input_cap is not None:
        return False
    if not isinstance(context, int) or context >= ours.context:
        return False
    return abs(context - ours.input) <= abs(context - ours.context)


def read_as_ours(ours: Limits | None, stated: Mapping[str, Any]) -> dict[str, Any]:
    """A source's stated limit values (`context`, `input`, `output`) as our fields: a context
    that `states_input_cap` becomes `input`."""
    out = dict(stated)
    if states_input_cap(ours, out.get("context"), out.get("input")):
        out["input"] = out.pop("context")
    return out
