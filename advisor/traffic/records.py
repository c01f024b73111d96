"""One logged request, whatever format recorded it, and the error a bad log raises.

Every reader (`advisor.traffic.read`) yields `LoggedRequest`s; summaries and replays read
nothing else, so a new log format is one new reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.errors import BadInput


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as a log recorded it; None where the log does not say."""

    source: str  # "path:line" for messages
    at: float | None  # arrival, seconds since the epoch (UTC)
    route: str | None  # what the caller asked for: the model alias / model group / route
    model: str | None  # the model that served it, as logged
    system_prompt: str | None
    messages: tuple[Mapping[str, Any], ...]  # chat messages as sent; () when no bodies kept
    input_tokens: int | None
    output_tokens: int | None
    latency_s: float | None  # total time to the answer
    ttft_s: float | None
    status: int | None  # HTTP status, None when unknown
    structured: bool  # response_format json_object / json_schema, or a tool forcing JSON
    tools: bool  # tools offered
    images: bool  # any image part in the input
    cost_usd: float | None


class LogError(BadInput):
    """A log line that cannot be read: names the file, the line and the field."""

    title = "bad log"

    def __init__(self, path: Path | str, line: int, field: str, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}:{line}: {field}: {problem}")
