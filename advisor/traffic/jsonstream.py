"""JSON values read one at a time from a file of any size: JSON Lines, a top-level array, or
one document.

Logs come as JSON Lines (one record per line), as one JSON array (the LiteLLM proxy's
`/spend/logs` answer) or as one object (an OTLP export). Arrays are decoded element by
element from a bounded buffer, so a file is never held whole; only a single element (or a
single-object file) must fit in memory, and `MAX_VALUE_CHARS` caps it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from advisor.traffic.records import LogError

CHUNK_CHARS = 1 << 20
MAX_VALUE_CHARS = 64 << 20
"""One record (a line, an array element) larger than this is refused rather than buffered."""

_DECODER = json.JSONDecoder(parse_constant=lambda name: _refuse_constant(name))
_SPACE = " \t\r\n"


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are JSON extensions no log writer should use: refused like bad JSON."""
    raise ValueError(f"{name} is not a finite number")


def iter_values(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line, value) for each record in `path`; raise LogError on bad JSON."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise LogError(path, 1, "file", f"cannot read: {error.strerror or error}") from None
    with handle:
        try:
            yield from _values(path, handle)
        except UnicodeDecodeError:
            raise LogError(path, 1, "file", "not UTF-8 text") from None


def _values(path: Path, handle: IO[str]) -> Iterator[tuple[int, Any]]:
    first = handle.readline()
    line = 1
    while first and not first.strip():
        first = handle.readline()
        line += 1
    if not first:
        return
    if first.lstrip().startswith("["):
        yield from _array(path, handle, first, line)
        return
    try:
        yield line, _loads(first)
    except ValueError:
        # Not a whole value on its first line: one (pretty-printed) document.
        yield line, _document(path, handle, first, line)
        return
    for text in handle:
        line += 1
        if len(text) > MAX_VALUE_CHARS:
            raise LogError(path, line, "record", f"longer than {MAX_VALUE_CHARS:,} characters")
        if not text.strip():
            continue
        try:
            yield line, _loads(text)
        except ValueError as error:
            raise LogError(path, line, "json", _why(error)) from None


def _loads(text: str) -> Any:
    value, end = _DECODER.raw_decode(text, len(text) - len(text.lstrip()))
    if text[end:].strip():
        raise ValueError("extra data after the value")
    return value


def _document(path: Path, handle: IO[str], first: str, line: int) -> Any:
    text = first + handle.read(MAX_VALUE_CHARS)
    if handle.read(1):
        raise LogError(path, line, "record", f"longer than {MAX_VALUE_CHARS:,} characters")
    try:
        return _loads(text)
    except json.JSONDecodeError as error:
        raise LogError(path, line + text.count("\n", 0, error.pos), "json", error.msg) from None
    except ValueError as error:
        raise LogError(path, line, "json", str(error)) from None


def _array(path: Path, handle: IO[str], first: str, line: int) -> Iterator[tuple[int, Any]]:
    """The elements of a top-level array, decoded from a buffer topped up chunk by chunk."""
    buffer = first
    pos = buffer.index("[") + 1
    eof = False
    expect_value = True
    while True:
        while True:  # skip blanks and one comma between elements
            while pos < len(buffer) and buffer[pos] in _SPACE:
                if buffer[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buffer) or eof:
                break
            buffer, pos, eof = _top_up(handle, buffer, pos)
        if pos >= len(buffer):
            raise LogError(path, line, "json", "the array is not closed")
        char = buffer[pos]
        if char == "]":
            _only_space_after(path, handle, buffer[pos + 1 :], line)
            return
        if char == "," and not expect_value:
            pos += 1
            expect_value = True
            continue
        if not expect_value:
            raise LogError(path, line, "json", "expected ',' or ']' between elements")
        while True:
            try:
                value, end = _DECODER.raw_decode(buffer, pos)
            except json.JSONDecodeError as error:
                if eof:
                    where = line + buffer.count("\n", pos, error.pos)
                    raise LogError(path, where, "json", error.msg) from None
                if len(buffer) - pos > MAX_VALUE_CHARS:
                    raise LogError(
                        path, line, "record", f"longer than {MAX_VALUE_CHARS:,} characters"
                    ) from None
                buffer, pos, eof = _top_up(handle, buffer, pos)
                continue
            except ValueError as error:
                raise LogError(path, line, "json", str(error)) from None
            # A number cut at the buffer's end decodes short: read on before trusting it.
            if end == len(buffer) and not eof:
                buffer, pos, eof = _top_up(handle, buffer, pos)
                continue
            break
        yield line, value
        line += buffer.count("\n", pos, end)
        pos = end
        expect_value = False


def _only_space_after(path: Path, handle: IO[str], rest: str, line: int) -> None:
    """Nothing but blanks may follow the closing bracket (a second array would be lost)."""
    while True:
        if rest.strip():
            line += rest[: len(rest) - len(rest.lstrip())].count("\n")
            raise LogError(path, line, "json", "extra data after the array")
        line += rest.count("\n")
        rest = handle.read(CHUNK_CHARS)
        if not rest:
            return


def _top_up(handle: IO[str], buffer: str, pos: int) -> tuple[str, int, bool]:
    """Drop what was consumed and read one more chunk."""
    chunk = handle.read(CHUNK_CHARS)
    return buffer[pos:] + chunk, 0, not chunk


def _why(error: ValueError) -> str:
    return error.msg if isinstance(error, json.JSONDecodeError) else str(error)
