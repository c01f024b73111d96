"""Request logs read as `LoggedRequest`s, whichever of the three formats each file is in.

Formats: `openai` (request/response JSON Lines), `litellm` (the proxy's spend logs), `otel`
(GenAI spans as OTLP JSON). `auto` tells them apart per file by its first record. Files are
streamed: one record in memory at a time (see `advisor.traffic.jsonstream`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from advisor.traffic import bodies, litellm_log, openai_log, otel_log
from advisor.traffic.fields import Where
from advisor.traffic.jsonstream import iter_values
from advisor.traffic.records import LogError, LoggedRequest

Format = Literal["auto", "openai", "litellm", "otel"]
FORMATS: tuple[Format, ...] = ("auto", "openai", "litellm", "otel")


@dataclass(frozen=True, slots=True)
class Read:
    """A logged request and, when the log gave no output token count, an estimate of it from
    the answer's text (None when there was no answer text either)."""

    request: LoggedRequest
    output_estimate: int | None


Reader = Callable[[Any, Where], Iterator[Read]]


def _one(module: Any) -> Reader:
    def reader(record: Any, where: Where) -> Iterator[Read]:
        request: LoggedRequest = module.read(record, where)
        if request.output_tokens is not None:
            yield Read(request, None)
            return
        yield Read(request, _estimate(request, module.answer_text(record)))

    return reader


def _otel(record: Any, where: Where) -> Iterator[Read]:
    for request, answer in otel_log.spans(record, where):
        yield Read(request, _estimate(request, answer))


def _estimate(request: LoggedRequest, answer: str) -> int | None:
    if request.output_tokens is not None or not answer:
        return None
    return bodies.estimate_output_tokens(answer)


READERS: dict[str, Reader] = {
    "openai": _one(openai_log),
    "litellm": _one(litellm_log),
    "otel": _otel,
}
_DETECT = (
    ("otel", otel_log.looks_like),
    ("litellm", litellm_log.looks_like),
    ("openai", openai_log.looks_like),
)


def detect(record: Any) -> str | None:
    """The format a record is in, or None."""
    return next((name for name, test in _DETECT if test(record)), None)


def read_records(paths: Iterable[Path], fmt: Format = "auto") -> Iterator[Read]:
    """Every request in `paths`, in file order, with output estimates; raise LogError."""
    for path in paths:
        reader: Reader | None = None if fmt == "auto" else READERS[fmt]
        for line, record in iter_values(path):
            where = Where(path, line)
            if reader is None:
                name = detect(record)
                if name is None:
                    raise LogError(
                        path,
                        line,
                        "format",
                        "not a log format we read (OpenAI request/response JSONL, LiteLLM "
                        "spend logs, OTLP JSON spans); --format names one",
                    )
                reader = READERS[name]
            yield from reader(record, where)


def read_logs(paths: Iterable[Path], fmt: Format = "auto") -> Iterator[LoggedRequest]:
    """Every request in `paths`, streamed; raise LogError (a BadInput) naming file, line and
    field on bad input."""
    return (read.request for read in read_records(paths, fmt))
