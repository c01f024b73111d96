"""Files as the advisor reads and writes them: bounded on the way in, whole on the way out.

Reading: a path in a workload or an overlay may name anything: `/dev/zero` would be read until
memory runs out, a FIFO would block for ever. Only regular files are read, and each kind of
file has a ceiling far above any real one, so reaching it means the path is wrong, and the
message says which limit was hit.

Writing: every file the advisor writes (a workload file, an export, an imported catalog file,
the catalog cache) goes through `write_atomically`, so a crash or a full disk leaves the old
file or the new one, never half of one, and no reader ever sees a partial file.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from pathlib import Path

from catalog.errors import AdvisorError
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


class CannotWrite(AdvisorError):
    """The file system refused a write (no folder, no permission, no space)."""

    title = "cannot write"


def write_atomically(
    path: Path, data: str | bytes, *, replace: bool = True, parents: bool = True
) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    A new file gets the permissions the user's umask gives (not mkstemp's private 0600: a
    workload file or an export is not a secret); a replaced one keeps its own. With
    `replace=False` an existing file is never replaced, even one that appears while writing
    (FileExistsError). With `parents=False` a missing folder is an error, not created.
    OS failures are raised as `CannotWrite`, naming the path.
    """
    if not replace and path.exists():
        raise FileExistsError(path)
    try:
        if parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = _open_temporary(path)
    except OSError as error:  # a file where a folder should be is a FileExistsError too
        raise CannotWrite(f"{path}: {error.strerror or error}") from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            if path.exists():
                shutil.copymode(path, name)
            os.replace(name, path)
        else:
            os.link(name, path)  # fails if the path appeared meanwhile: never overwrite
            name.unlink()
    except FileExistsError:
        name.unlink(missing_ok=True)
        raise
    except OSError as error:
        name.unlink(missing_ok=True)
        raise CannotWrite(f"{path}: {error.strerror or error}") from error
    except BaseException:
        name.unlink(missing_ok=True)
        raise


def _open_temporary(path: Path) -> tuple[int, Path]:
    while True:
        name = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), name
        except FileExistsError:
            continue
