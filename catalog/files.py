"""Files as the advisor writes them: whole or not at all.

Every file the advisor writes (a workload file, an export, an imported catalog file, the
catalog cache) goes through `write_atomically`, so a crash or a full disk leaves the old file
or the new one, never half of one, and no reader ever sees a partial file.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from catalog.errors import AdvisorError


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
