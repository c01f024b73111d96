"""Importers: catalog updates from LiteLLM, models.dev and OpenRouter, as reviewable proposals.

The flow is three pure steps and one write:

    snapshot = read_snapshot("litellm", path, imported=today)       # the source, in our schema
    changes = plan_changes(snapshot, target, ref_prefix=...)          # compared with a folder
    texts = render_changes(changes, changes.selection(accept), target)  # the edited YAML
    write_files(texts)                                                # only what was chosen

One module per source (`litellm`, `modelsdev`, `openrouter`) maps its fields and units,
with the helpers of `base` and the provider table of `providers`; `target` reads the folder
written to; `changes` compares, block by block (`blocks`); `writer` edits the YAML without
losing comments or order, and `emit` writes new entries fast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.importers import litellm, live, modelsdev, openrouter
from catalog.importers.base import ShapeError, Skip, Snapshot, SourceInfo, read_json
from catalog.importers.changes import Change, ChangeSet, FieldChange, plan_changes
from catalog.importers.target import ImportFolder, read_import_folder
from catalog.importers.writer import render_changes, write_files
from catalog.problems import InputError, Problem
from catalog.schema import Offering, Source


@dataclass(frozen=True)
class Importer:
    """One source: how to recognise its refs and how to read its file."""

    name: str
    ref_prefix: str
    """Refs of values this importer wrote start so; any other ref is not its own."""
    convert: Callable[[Any, SourceInfo], Snapshot]
    default_version: Callable[[Path, Any], str]
    """The version cited in refs when none is given, from the file and its content."""
    default_date: Callable[[Any], dt.date | None]
    """The source's own date when none is given; None when the file does not tell."""


def _litellm_version(path: Path, data: Any) -> str:
    bundled = litellm.bundled_file()
    version = litellm.installed_version()
    if bundled is not None and version and path.resolve() == bundled.resolve():
        return version
    # Another copy of the map: cite its content, so a changed file is a different source.
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _dated(newest: Callable[[Any], str | None]) -> Callable[[Path, Any], str]:
    def version(path: Path, data: Any) -> str:
        return newest(data) or "undated"

    return version


def _date_of(newest: Callable[[Any], str | None]) -> Callable[[Any], dt.date | None]:
    def date(data: Any) -> dt.date | None:
        text = newest(data)
        return dt.date.fromisoformat(text) if text else None

    return date


IMPORTERS: dict[str, Importer] = {
    "litellm": Importer(
        "litellm", litellm.REF_PREFIX, litellm.convert, _litellm_version, lambda data: None
    ),
    "models.dev": Importer(
        "models.dev",
        modelsdev.REF_PREFIX,
        modelsdev.convert,
        _dated(modelsdev.newest_date),
        _date_of(modelsdev.newest_date),
    ),
    "openrouter": Importer(
        "openrouter",
        openrouter.REF_PREFIX,
        openrouter.convert,
        _dated(openrouter.newest_date),
        _date_of(openrouter.newest_date),
    ),
}
"""The importers by the name the CLI takes."""


def read_snapshot(
    name: str,
    path: Path,
    *,
    imported: dt.date,
    version: str | None = None,
    date: dt.date | None = None,
) -> Snapshot:
    """Read a source file with the named importer.

    `version` and `date` say which release or snapshot the file is, for the refs and checked
    dates; by default they come from the file (litellm: the installed package's version;
    models.dev and OpenRouter: the newest entry's date, a lower bound of the file's date).
    Raises InputError naming the file when it cannot be read or is not that source's format.
    """
    importer = IMPORTERS[name]
    data = read_json(path)
    info = SourceInfo(
        importer=name,
        version=version or importer.default_version(path, data),
        file=path.name,
        imported=imported,
        date=date or importer.default_date(data),
    )
    try:
        snapshot = importer.convert(data, info)
    except ShapeError as error:
        raise InputError([Problem(str(path), 1, 1, error.field, str(error))]) from None
    return dataclasses.replace(snapshot, offerings=tuple(map(_traits_sourced, snapshot.offerings)))


def _traits_sourced(offering: Offering) -> Offering:
    """Capabilities, modalities and determinism read from the entry the limits were: they
    carry that source (without the limits' remarks)."""
    limits = offering.limits.source
    source = Source(ref=limits.ref, checked=limits.checked, note=(limits.note or "").split(";")[0])
    update: dict[str, Any] = {
        name: getattr(offering, name).model_copy(update={"source": source})
        for name in ("capabilities", "modalities", "determinism")
        if name in offering.model_fields_set
    }
    return offering.model_copy(update=update) if update else offering


def detect(data: Any) -> str | None:
    """Which importer reads a parsed document, told by its shape; None when none does."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("data"), list):
        return "openrouter"
    sample = [v for _, v in zip(range(50), data.values(), strict=False) if isinstance(v, dict)]
    if any(isinstance(v.get("models"), dict) for v in sample):
        return "models.dev"
    if any("litellm_provider" in v for v in sample):
        return "litellm"
    return None


__all__ = [
    "IMPORTERS",
    "Change",
    "ChangeSet",
    "FieldChange",
    "Importer",
    "Skip",
    "Snapshot",
    "SourceInfo",
    "ImportFolder",
    "detect",
    "live",
    "plan_changes",
    "read_snapshot",
    "read_import_folder",
    "render_changes",
    "write_files",
]
