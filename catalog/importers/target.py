"""The catalog folder an import writes into, and what the rest of the catalog already holds.

An import compares its source with the offerings defined in one folder (the bundled catalog
for maintainers, or a user's overlay) and resolves references (successors, provider blocks)
against the whole layered catalog the folder belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.files import CATALOG_FILE_MAX, read_bounded
from catalog.loader import Catalog
from catalog.problems import InputError, load_yaml
from catalog.schema import Offering, Provider


@dataclass(frozen=True)
class ImportFolder:
    """One catalog folder, seen through the catalog it is loaded with."""

    directory: Path
    offerings: Mapping[str, Offering]
    """The offerings defined in the folder's files, by key."""
    files: Mapping[str, Path]
    """Each of those offerings' file."""
    provider_files: Mapping[str, Path]
    """Per provider id, the folder's file that defines it or holds its offerings."""
    providers: Mapping[str, Provider]
    """Every provider of the layered catalog."""
    keys: frozenset[str]
    """Every offering key of the layered catalog."""
    aliases: Mapping[str, str]
    """Every alias of the layered catalog as a key ('provider/alias') → the offering's key."""


def read_import_folder(catalog: Catalog, directory: Path) -> ImportFolder:
    """The part of `catalog` defined in `directory`.

    `catalog` must have been loaded with `directory` as its last layer, so that what it holds
    for a key is what the folder defines. Files are read again only for their provider id and
    offering ids, which the loaded catalog does not record per file.
    """
    offerings: dict[str, Offering] = {}
    files: dict[str, Path] = {}
    provider_files: dict[str, Path] = {}
    folder = directory.resolve()
    for path in catalog.files:
        if path.resolve().parent != folder:
            continue
        provider_id, ids = _ids(path)
        if provider_id is None:
            continue
        provider_files.setdefault(provider_id, path)
        for model_id in ids:
            key = f"{provider_id}/{model_id}"
            offering = catalog.get(key)
            if offering is not None:
                offerings[key] = offering
                files[key] = path
    return ImportFolder(
        directory=directory,
        offerings=offerings,
        files=files,
        provider_files=provider_files,
        providers=dict(catalog.providers),
        keys=frozenset(o.key for o in catalog.offerings),
        aliases={f"{o.provider}/{a}": o.key for o in catalog.offerings for a in o.aliases},
    )


def _ids(path: Path) -> tuple[str | None, list[str]]:
    """A catalog file's provider id and its offerings' ids (the file is known to be valid)."""
    try:
        data: Any = load_yaml(path, read_bounded(path, CATALOG_FILE_MAX, "catalog file"))
    except (OSError, UnicodeDecodeError, InputError):
        return None, []
    if not isinstance(data, dict):
        return None, []
    provider = data.get("provider")
    provider_id = provider.get("id") if isinstance(provider, dict) else provider
    items = data.get("offerings") or []
    ids = [o["id"] for o in items if isinstance(o, dict) and isinstance(o.get("id"), str)]
    return (provider_id if isinstance(provider_id, str) else None), ids
