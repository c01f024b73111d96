"""Catalog imports as the CLI and the TUI run them: find the source, plan, validate, write.

The catalog package does the work (`catalog.importers`); this module decides the files and
layers: which source file (the installed litellm package's price map by default), which
folder the changes go to (the bundled catalog unless told otherwise), and which catalog that
folder is compared with. Nothing is written before the result has been validated as the
catalog it would become.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor import home
from catalog import BUNDLED_DIR, InputError, load_catalog
from catalog.errors import BadInput
from catalog.importers import (
    IMPORTERS,
    ChangeSet,
    ImportFolder,
    Snapshot,
    live,
    plan_changes,
    read_import_folder,
    read_snapshot,
    render_changes,
    write_files,
)
from catalog.importers import litellm as litellm_importer
from catalog.loader import catalog_files
from catalog.problems import Problem

SOURCES = tuple(IMPORTERS)
"""The source names `advisor catalog import` takes."""


class ImportRefused(BadInput, ValueError):
    """An import that cannot run as asked: a missing package, an unknown provider or id."""

    title = "import refused"


@dataclass(frozen=True)
class ImportRequest:
    """What to import, from where, into which folder."""

    source: str
    directory: Path
    """The catalog folder changes are proposed for and written to."""
    layers: Sequence[Path]
    """The catalog the folder belongs to (bundled, the user's, `--catalog` folders)."""
    today: dt.date
    file: Path | None = None
    """The source file; None for litellm means the installed package's copy."""
    providers: tuple[str, ...] = ()
    include_new: bool = True
    only: tuple[str, ...] = ()
    """Shell patterns of offering keys to import; empty imports every offering."""
    version: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class ImportPlan:
    """A planned import: the change set and the folder it applies to."""

    request: ImportRequest
    changes: ChangeSet
    target: ImportFolder
    layers: tuple[Path, ...]
    """The layers the folder was compared with, the folder last."""
    fetched: live.Fetched | None = None
    """Where the source came from when fetched from its live API (or its cache)."""


def source_file(source: str, file: Path | None) -> Path:
    """The file to read: `file`, or for litellm the installed package's price map."""
    if file is not None:
        return file
    if source == "litellm":
        bundled = litellm_importer.bundled_file()
        if bundled is None:
            raise ImportRefused(
                "litellm is not installed, so its price map cannot be found: "
                "pip install litellm, or pass --from FILE"
            )
        return bundled
    raise ImportRefused(f"{source} needs --from FILE (e.g. a saved {_example(source)})")


def _example(source: str) -> str:
    return "api.json" if source == "models.dev" else "/api/v1/models response"


def _fetch(request: ImportRequest) -> live.Fetched | None:
    """The live API's copy of the source when no file is given and it has one."""
    if request.file is not None or request.source not in live.URLS:
        return None
    try:
        return live.fetch(request.source, home.cache_dir() / "sources", today=request.today)
    except live.Unreachable as error:
        raise ImportRefused(str(error)) from None


def layers_for(layers: Sequence[Path], directory: Path) -> tuple[Path, ...]:
    """The layers up to and including `directory`, which is added last when it is not one;
    later layers would hide what the folder itself defines."""
    folder = directory.resolve()
    for index, layer in enumerate(layers):
        if layer.resolve() == folder:
            return tuple(layers[: index + 1])
    return (*layers, directory) if directory.is_dir() else tuple(layers)


def plan_import(request: ImportRequest) -> ImportPlan:
    """Read the source and compare it with the folder. Raises InputError for a bad source
    file or catalog, ImportRefused for a request that cannot run."""
    fetched = _fetch(request)
    path = fetched.path if fetched else source_file(request.source, request.file)
    date = request.date or (fetched.day if fetched else None)
    snapshot = read_snapshot(
        request.source, path, imported=request.today, version=request.version, date=date
    )
    providers = _providers(snapshot, request.providers) if request.providers else None
    layers = layers_for(request.layers, request.directory)
    target = read_import_folder(load_catalog(layers), request.directory)
    changes = plan_changes(
        snapshot,
        target,
        ref_prefix=IMPORTERS[request.source].ref_prefix,
        providers=providers,
        include_new=request.include_new,
        only=request.only,
    )
    return ImportPlan(request, changes, target, layers, fetched)


def _providers(snapshot: Snapshot, wanted: Sequence[str]) -> list[str]:
    """Our provider ids for the names given, each either ours or the source's own."""
    ours = set(snapshot.source_providers.values())
    out: list[str] = []
    for name in wanted:
        if name in ours:
            out.append(name)
        elif name in snapshot.source_providers:
            out.append(snapshot.source_providers[name])
        else:
            known = sorted(ours)
            shown = ", ".join(known[:12]) + (
                f" and {len(known) - 12} more" if len(known) > 12 else ""
            )
            raise ImportRefused(f"unknown provider {name!r}: {snapshot.info.importer} has {shown}")
    return out


def selection(plan: ImportPlan, accept: Collection[str], reject: Collection[str]) -> frozenset[str]:
    """The changes to write: the default ones, plus accepted, minus rejected ids."""
    try:
        return plan.changes.selection(accept, reject)
    except KeyError as error:
        raise ImportRefused(
            f"no change has the id {error.args[0]!r} (ids are shown as KEY#BLOCK, "
            "or use an offering key or 'all')"
        ) from None


def write_import(plan: ImportPlan, chosen: Collection[str]) -> list[Path]:
    """Write the chosen changes, after checking that the catalog stays valid.

    Raises InputError, with the problems as they would appear in the written files, when it
    would not; nothing is written then.
    """
    texts = render_changes(plan.changes, chosen, plan.target)
    if texts:
        check(plan, texts)
    return write_files(texts)


def check(plan: ImportPlan, texts: dict[Path, str]) -> None:
    """Load the catalog as it would be with `texts` written; raise InputError if invalid."""
    directory = plan.request.directory
    with tempfile.TemporaryDirectory() as scratch:
        mirror = Path(scratch) / "catalog"
        mirror.mkdir()
        existing = catalog_files([directory]) if directory.is_dir() else []
        for path in existing:
            shutil.copyfile(path, mirror / path.name)
        for path, text in texts.items():
            (mirror / path.name).write_text(text, encoding="utf-8")
        layers = [layer for layer in plan.layers if layer.resolve() != directory.resolve()]
        try:
            load_catalog([*layers, mirror])
        except InputError as error:
            raise InputError([_unmirrored(p, mirror, directory) for p in error.problems]) from None


def _unmirrored(problem: Problem, mirror: Path, directory: Path) -> Problem:
    path = Path(problem.path)
    if path.parent == mirror:
        return Problem(
            str(directory / path.name),
            problem.line,
            problem.col,
            problem.field,
            problem.message,
            problem.severity,
        )
    return problem


def default_directory() -> Path:
    """Where imports go unless told otherwise: the bundled catalog, which maintainers keep."""
    return BUNDLED_DIR
