"""Path completion for the file dialogs, on plain strings (no Textual): which folder a typed
path lists, its entries that match the name being typed, and what Tab completes it to."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LISTED_MAX = 500
"""Entries listed at most: a huge folder is listed in part, with a count of the rest."""


@dataclass(frozen=True)
class Entry:
    """A folder or file of the listed folder."""

    name: str
    folder: bool

    @property
    def shown(self) -> str:
        """The name as a path reads it: folders end in '/'."""
        return f"{self.name}/" if self.folder else self.name


@dataclass(frozen=True)
class Listing:
    """The entries of `folder` that match `prefix`, folders first; `more` were left out."""

    folder: str
    prefix: str
    entries: list[Entry]
    more: int = 0
    error: str = ""


def split(text: str) -> tuple[str, str]:
    """'examples/wo' → ('examples/', 'wo'): the folder as typed, and the name being typed."""
    head, sep, tail = text.rpartition("/")
    return (head + sep, tail)


def listing(text: str, suffixes: Sequence[str] = ()) -> Listing:
    """The entries a typed path could go on to: in its folder (the working folder when none is
    typed), names starting with what is typed; hidden ones only once a '.' is typed; files
    only with one of `suffixes` when any are given."""
    folder, prefix = split(text)
    where = Path(os.path.expanduser(folder or "."))
    entries: list[Entry] = []
    more = 0
    try:
        with os.scandir(where) as found:
            for item in found:
                name = item.name
                if not name.startswith(prefix) or (name.startswith(".") and not prefix[:1] == "."):
                    continue
                try:
                    is_folder = item.is_dir()
                except OSError:
                    continue
                if not is_folder and suffixes and not name.endswith(tuple(suffixes)):
                    continue
                if len(entries) >= LISTED_MAX:
                    more += 1
                    continue
                entries.append(Entry(name, is_folder))
    except OSError as error:
        return Listing(folder, prefix, [], error=error.strerror or str(error))
    entries.sort(key=lambda e: (not e.folder, e.name.lower(), e.name))
    return Listing(folder, prefix, entries, more)


def complete(text: str, suffixes: Sequence[str] = ()) -> str:
    """What Tab makes of `text`: the longest start all matching entries share; a single folder
    gets its '/', so that the next Tab goes into it. `text` itself when nothing matches."""
    found = listing(text, suffixes)
    if not found.entries:
        return text
    if len(found.entries) == 1:
        return found.folder + found.entries[0].shown
    common = os.path.commonprefix([e.name for e in found.entries])
    return found.folder + common if len(common) > len(found.prefix) else text


def parent(folder: str) -> str:
    """The folder above `folder` as typed ('a/b/' → 'a/', 'a/' → '', '' → '../')."""
    if folder.startswith("~"):
        folder = os.path.expanduser(folder).rstrip("/") + "/"
    if folder in ("", "./"):
        return "../"
    if folder == "/" or folder.endswith("../"):
        return folder if folder == "/" else folder + "../"
    head, _, _ = folder.rstrip("/").rpartition("/")
    return head + "/" if head else ("/" if folder.startswith("/") else "")


def shown(path: Path) -> str:
    """`path` relative to the working folder when it is inside it: shorter to read and edit."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(path)
