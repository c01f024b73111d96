"""Shared helpers for the importer tests: fixture files, a fixed date, a writable catalog."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from catalog import load_catalog
from catalog.importers import (
    IMPORTERS,
    ChangeSet,
    ImportFolder,
    Snapshot,
    plan_changes,
    read_import_folder,
)
from catalog.importers.base import SourceInfo

DATA = Path(__file__).parent / "data" / "import"
TARGET = DATA / "catalog"
"""A one-provider catalog (acme) with comments, imported and hand-edited blocks."""
LITELLM = DATA / "litellm_prices.json"
MODELSDEV = DATA / "modelsdev_api.json"
OPENROUTER = DATA / "openrouter_models.json"

TODAY = dt.date(2026, 11, 25)


def info(importer: str = "litellm", version: str = "1.0.0-fixture") -> SourceInfo:
    """The source info the fixture refs were written with."""
    return SourceInfo(importer, version, "prices.json", TODAY)


def copy_target(tmp_path: Path) -> Path:
    """A writable copy of the fixture catalog folder."""
    folder = tmp_path / "catalog"
    shutil.copytree(TARGET, folder)
    return folder


def target_of(folder: Path) -> ImportFolder:
    return read_import_folder(load_catalog([folder]), folder)


def plan(snapshot: Snapshot, folder: Path, **options: object) -> ChangeSet:
    """Compare a snapshot with a catalog folder loaded on its own."""
    prefix = IMPORTERS[snapshot.info.importer].ref_prefix
    return plan_changes(snapshot, target_of(folder), ref_prefix=prefix, **options)  # type: ignore[arg-type]
