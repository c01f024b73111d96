"""The state the TUI's screens share: one workload file, its workloads, their match results
and the candidates pinned for probing.

Headless (no Textual), so every screen's behaviour rests on code tested without a screen.
Screens read a session and change it only through its methods; each change bumps `version`,
which is how a screen tells that what it shows is out of date.

Saving the file that was opened is a round trip (ruamel.yaml): comments, order, quoting and
the author's explicit values stay as written, and only the fields that were edited change; a
file saved unedited is left byte for byte the same. A new file, or one saved elsewhere, is
written afresh: `workloads: [...]`, fields in the documented order, only values that differ
from the defaults, and `response_schema` / `samples` still pointing at the files they were
read from.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from advisor.match.matching import MatchResult, match
from advisor.workload.model import Workload, load_workloads
from catalog import Catalog
from catalog.errors import BadInput
from catalog.files import WORKLOAD_FILE_MAX, read_input, write_atomically
from catalog.problems import load_yaml

_FILE_FIELDS = ("response_schema", "samples")
"""Fields that may name a file, relative to the workload file."""

_KEPT_FIELDS = ("name", "task")
"""Written even at their default value: a reader looks for them first."""

_NUMBER_GROUPS = ("latency", "budget", "volume", "weights")
"""Nested fields that hold numbers pydantic keeps as floats."""


class WouldOverwrite(BadInput):
    """Saving would replace a file the user did not open; ask before saving again with
    `overwrite=True`."""

    title = "would overwrite"

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} exists and is not the file that was opened")


@dataclass(frozen=True)
class FileRef:
    """A field that named a file when loaded: the name as written, and what it resolved to."""

    path: str
    value: Any


@dataclass
class WorkloadDocument:
    """A workload file as read from disk: its workloads, and which fields named files."""

    path: Path
    workloads: list[Workload]
    refs: dict[str, dict[str, FileRef]] = field(default_factory=dict)
    """Per workload name, per field, the file reference it was read from."""
    text: str | None = None
    """The file's text as read, so that saving can change only what was edited."""


def read_document(path: Path) -> WorkloadDocument:
    """Read and validate a workload file; raise InputError with every problem.

    Does file I/O only and touches no session, so it may run in a thread.
    """
    workloads = load_workloads(path)
    refs: dict[str, dict[str, FileRef]] = {}
    # load_workloads replaced file names with their contents; read the names back so that
    # saving writes the reference, not a copy of the file.
    text = read_input(path, WORKLOAD_FILE_MAX, "workload file")
    raw = load_yaml(path, text)
    for workload, entry in zip(workloads, raw["workloads"], strict=True):
        for name in _FILE_FIELDS:
            written = entry.get(name)
            if isinstance(written, str):
                refs.setdefault(workload.name, {})[name] = FileRef(written, getattr(workload, name))
    return WorkloadDocument(path, workloads, refs, text)


class Session:
    """The current workload file, its workloads, their match results and pinned candidates."""

    def __init__(self, catalog: Catalog, *, today: dt.date | None = None) -> None:
        self.catalog = catalog
        """The catalog every workload is matched against."""
        self.today = today
        """The date matching judges lifecycles by; None means the real today."""
        self.path: Path | None = None
        """The file the workloads were opened from or last saved to."""
        self.workloads: list[Workload] = []
        self.selected: str | None = None
        """The workload the screens show, by name."""
        self.dirty = False
        """True when there are changes not yet saved."""
        self.version = 0
        """Bumped on every change; screens compare it with the version they last showed."""
        self.logs: list[Path] = []
        """The request logs last opened on the Traffic screen or replayed through a plan."""
        self._results: dict[str, MatchResult] = {}
        self._pins: dict[str, list[str]] = {}
        self._refs: dict[str, dict[str, FileRef]] = {}
        self._source: tuple[str, dict[str, Workload]] | None = None
        """The opened file's text and its workloads as read: what a round-trip save keeps."""
        self._written: tuple[Path, str, dict[str, Workload]] | None = None
        """The text `prepare_save` made last, for `saved` to round-trip against next time."""

    # Reading

    def names(self) -> list[str]:
        """Workload names in file order."""
        return [w.name for w in self.workloads]

    def get(self, name: str) -> Workload | None:
        """The workload called `name`, if any."""
        return next((w for w in self.workloads if w.name == name), None)

    def current(self) -> Workload | None:
        """The selected workload, else the first one, else None."""
        return (self.get(self.selected) if self.selected else None) or (
            self.workloads[0] if self.workloads else None
        )

    def result(self, name: str) -> MatchResult:
        """The match result of workload `name`, computed once per version of the workload."""
        if name not in self._results:
            workload = self.get(name)
            if workload is None:
                raise KeyError(name)
            self._results[name] = match(workload, self.catalog, today=self.today)
        return self._results[name]

    def unique_name(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`... whichever no workload has yet."""
        taken = set(self.names())
        if base not in taken:
            return base
        number = 2
        while f"{base}-{number}" in taken:
            number += 1
        return f"{base}-{number}"

    # Changing

    def open(self, document: WorkloadDocument) -> None:
        """Replace everything with a file's contents; pins and results start afresh."""
        self.path = document.path
        self.workloads = list(document.workloads)
        self._refs = dict(document.refs)
        self._source = (
            (document.text, {w.name: w for w in document.workloads}) if document.text else None
        )
        self._results.clear()
        self._pins.clear()
        self.selected = self.workloads[0].name if self.workloads else None
        self.dirty = False
        self.version += 1

    def select(self, name: str | None) -> None:
        """Make workload `name` the one the screens show; KeyError if there is none."""
        if name == self.selected:
            return
        if name is not None and self.get(name) is None:
            raise KeyError(name)
        self.selected = name
        self.version += 1

    def load(self, path: Path) -> None:
        """Open a workload file; raise InputError (and change nothing) when it is bad."""
        self.open(read_document(path))

    def add(self, workload: Workload) -> None:
        """Append a workload and select it; ValueError if its name is taken."""
        if self.get(workload.name) is not None:
            raise ValueError(f"a workload is already named {workload.name!r}")
        self.workloads.append(workload)
        self.selected = workload.name
        self._changed()

    def replace(self, name: str, workload: Workload) -> None:
        """Put `workload` in the place of workload `name`; a new name carries the pins along.

        Raises KeyError when there is no workload `name`, ValueError when the new name is
        another workload's.
        """
        names = self.names()
        if name not in names:
            raise KeyError(name)
        index = names.index(name)
        if workload.name != name and self.get(workload.name) is not None:
            raise ValueError(f"a workload is already named {workload.name!r}")
        if self.workloads[index] == workload:
            return
        self.workloads[index] = workload
        self._results.pop(name, None)
        if workload.name != name:
            if name in self._pins:
                self._pins[workload.name] = self._pins.pop(name)
            if name in self._refs:
                self._refs[workload.name] = self._refs.pop(name)
            if self.selected == name:
                self.selected = workload.name
        self._changed()

    def remove(self, name: str) -> None:
        """Delete workload `name` with its pins; select its neighbour."""
        names = self.names()
        index = names.index(name)
        del self.workloads[index]
        self._results.pop(name, None)
        self._pins.pop(name, None)
        self._refs.pop(name, None)
        if self.selected == name:
            rest = self.names()
            self.selected = rest[min(index, len(rest) - 1)] if rest else None
        self._changed()

    def _changed(self) -> None:
        self.dirty = True
        self.version += 1

    # Pins: offerings chosen for probing, per workload, in the order they were pinned.

    def pinned(self, name: str) -> tuple[str, ...]:
        """Offering keys pinned for workload `name`."""
        return tuple(self._pins.get(name, ()))

    def toggle_pin(self, name: str, key: str) -> bool:
        """Pin or unpin offering `key` for workload `name`; return whether it is now pinned."""
        if self.get(name) is None:
            raise KeyError(name)
        pins = self._pins.setdefault(name, [])
        if key in pins:
            pins.remove(key)
            now = False
        else:
            pins.append(key)
            now = True
        self.version += 1  # pins are not written to the workload file: not dirty
        return now

    # Saving

    def needs_confirmation(self, path: Path) -> bool:
        """True when saving to `path` would replace a file other than the one opened."""
        return path.exists() and not (self.path is not None and _same_file(path, self.path))

    def dump(self, path: Path) -> str:
        """The workloads as YAML for a file at `path` (file references are relative to it):
        the opened file with only its edited fields changed, or a fresh file elsewhere."""
        if self._source is not None and self.path is not None and _same_file(path, self.path):
            text, loaded = self._source
            if [w.name for w in self.workloads] == list(loaded) and all(
                loaded[w.name] == w for w in self.workloads
            ):
                return text  # nothing edited: the file as the author wrote it
            return self._round_trip(text, loaded, path.parent)
        base = path.parent
        # One workload at a time, so that a blank line can part them as people write them.
        items = [
            textwrap.indent(
                yaml.dump(
                    [self._entry(w, base)],
                    Dumper=_Dumper,
                    sort_keys=False,
                    default_flow_style=None,
                    allow_unicode=True,
                    width=100,
                ),
                "  ",
            )
            for w in self.workloads
        ]
        return "workloads:\n" + "\n".join(items)

    def _round_trip(self, text: str, loaded: dict[str, Workload], base: Path) -> str:
        """`text` with each edited field of each workload replaced, new workloads appended and
        removed ones dropped; everything else (comments, order, quoting) as it was."""
        rt = YAML()
        rt.preserve_quotes = True
        rt.width = 100
        rt.indent(mapping=2, sequence=4, offset=2)
        document = rt.load(text)
        entries = document["workloads"]
        by_name = {str(e.get("name")): e for e in entries}
        kept = []
        for workload in self.workloads:
            entry = by_name.get(workload.name)
            original = loaded.get(workload.name)
            fresh = self._entry(workload, base)
            if entry is None or original is None:
                kept.append(CommentedMap(fresh))
                continue
            for name in Workload.model_fields:
                if getattr(original, name) != getattr(workload, name):
                    _set_field(entry, name, fresh.get(name))
            kept.append(entry)
        if [id(e) for e in kept] != [id(e) for e in entries]:
            entries.clear()
            entries.extend(kept)
        out = io.StringIO()
        rt.dump(document, out)
        return out.getvalue()

    def save(self, path: Path | None = None, *, overwrite: bool = False) -> Path:
        """Write the workloads to `path` (default: the opened file), atomically.

        Raises what `prepare_save` raises, and OSError when writing fails.
        """
        target, text = self.prepare_save(path, overwrite=overwrite)
        write_atomically(target, text)
        self.saved(target)
        return target

    def prepare_save(
        self, path: Path | None = None, *, overwrite: bool = False
    ) -> tuple[Path, str]:
        """Check a save and make the file's text, without writing it (a worker may write it).

        Raises WouldOverwrite when `path` exists, is not the opened file and `overwrite` is
        False; ValueError when there is no path or no workload (a workload file needs one).
        """
        target = path or self.path
        if target is None:
            raise ValueError("no file to save to")
        if not self.workloads:
            raise ValueError("nothing to save: a workload file needs at least one workload")
        if not overwrite and self.needs_confirmation(target):
            raise WouldOverwrite(target)
        text = self.dump(target)
        self._written = (target, text, {w.name: w for w in self.workloads})
        return target, text

    def saved(self, path: Path, version: int | None = None) -> None:
        """Record that the workloads were written to `path`.

        `version` is the session's version when the text was made: if the workloads changed
        since, the session stays dirty.
        """
        if self.path is not None and not _same_file(path, self.path):
            self._rebase_refs(self.path.parent, path.parent)
        # The next save round-trips against what was just written there.
        written = self._written
        self._source = (
            (written[1], written[2]) if written and _same_file(written[0], path) else None
        )
        self._written = None
        self.path = path
        if version is None or version == self.version:
            self.dirty = False
        self.version += 1

    def _rebase_refs(self, old: Path, new: Path) -> None:
        for refs in self._refs.values():
            for name, ref in refs.items():
                refs[name] = FileRef(_relative(old / ref.path, new), ref.value)

    def _entry(self, workload: Workload, base: Path) -> dict[str, Any]:
        data = workload.model_dump(mode="json", exclude_defaults=True)
        entry: dict[str, Any] = {name: getattr(workload, name) for name in _KEPT_FIELDS}
        entry.update(data)
        for group in _NUMBER_GROUPS:
            if group in entry:
                entry[group] = {k: _plain_number(v) for k, v in entry[group].items()}
        for name, ref in self._refs.get(workload.name, {}).items():
            if getattr(workload, name) == ref.value:
                old_base = self.path.parent if self.path else base
                entry[name] = _relative(old_base / ref.path, base)
        return _Block((name, entry[name]) for name in Workload.model_fields if name in entry)


def _set_field(entry: Any, name: str, value: Any) -> None:
    """Set one field of a round-tripped entry; within a mapping only the keys that changed."""
    if value is None:
        entry.pop(name, None)
    elif isinstance(value, dict) and isinstance(entry.get(name), dict):
        current = entry[name]
        for key in [k for k in current if k not in value]:
            del current[key]
        for key, item in value.items():
            if current.get(key) != item:
                current[key] = item
    else:
        entry[name] = value


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _relative(target: Path, base: Path) -> str:
    """`target` relative to `base` when it can be, else absolute, with forward slashes."""
    try:
        return Path(os.path.relpath(target.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return target.resolve().as_posix()


def _plain_number(value: Any) -> Any:
    """800.0 → 800: pydantic keeps budgets as floats, people write them as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Block(dict[str, Any]):
    """A mapping always written in block style: one workload field per line."""


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as the example files do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_block(dumper: yaml.SafeDumper, data: _Block) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(_Block, _represent_block)
