"""Reading the user's files with bounds: only regular files, never more than a stated size.

A path in a workload or an overlay may name anything: `/dev/zero` would be read until memory
runs out, a FIFO would block for ever. Each kind of file has a ceiling far above any real
one, so reaching it means the path is wrong, and the message says which limit was hit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from catalog.problems import InputError, Problem

MB = 1024 * 1024

CATALOG_FILE_MAX = 64 * MB
"""A catalog layer: the bundled ones are tens of KB; LiteLLM's whole price map is about 1 MB."""
WORKLOAD_FILE_MAX = 4 * MB
SAMPLES_FILE_MAX = 64 * MB
"""JSONL samples: thousands of long prompts fit."""
SCHEMA_FILE_MAX = 1 * MB
"""A response JSON Schema."""


class FileTooLarge(OSError):
    """A file past its ceiling, or one that is not a regular file."""


def read_bounded(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of `path`, a regular file of at most `limit` bytes. OSError (with a
    message fit for the user) when it is not a regular file, is larger, or cannot be read;
    UnicodeDecodeError when it is not UTF-8."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; on a regular file it is a no-op.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileTooLarge(f"not a regular file; a {what} must be one")
        if info.st_size > limit:
            raise FileTooLarge(f"{_size(info.st_size)}, over the {_size(limit)} limit for a {what}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, MB))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while being read
            raise FileTooLarge(f"over the {_size(limit)} limit for a {what}")
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


def read_input(path: Path, limit: int, what: str) -> str:
    """`read_bounded`, with every failure as an InputError at PATH:1:1."""
    try:
        return read_bounded(path, limit, what)
    except FileTooLarge as error:
        raise InputError([Problem(str(path), 1, 1, "", str(error))]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(str(path), 1, 1, "", f"cannot read: {_why(error)}")]) from None


def _why(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n:,} bytes"
