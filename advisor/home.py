"""Where user state lives, and which catalog layers a command loads.

User state lives under `ADVISOR_HOME` if set, else the platform's user directories. Nothing
here creates a directory until something is about to be written into it.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from catalog import BUNDLED_DIR, Catalog
from catalog.cache import load_catalog_cached

APP_NAME = "model-advisor"


def root() -> Path:
    """The root of all user state (runs, providers file, catalog overlays)."""
    override = os.environ.get("ADVISOR_HOME")
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def user_catalog_dir() -> Path:
    """User catalog overlays, loaded on top of the bundled catalog when the folder exists."""
    return root() / "catalog"


def runs_db() -> Path:
    """The SQLite run store."""
    return root() / "runs.sqlite"


def providers_file() -> Path:
    """Per-provider overrides: base URLs, proxies, local servers."""
    return root() / "providers.yaml"


def cache_dir() -> Path:
    """The validated catalog, cached by the content of its files: a warm start parses nothing."""
    return root() / "cache"


def catalog_layers(extra: Sequence[Path] = ()) -> list[Path]:
    """The layers in the order they apply: bundled, the user's folder, then `--catalog` dirs.

    Later ones add to and override earlier ones.
    """
    layers = [BUNDLED_DIR]
    user_dir = user_catalog_dir()
    if user_dir.is_dir():
        layers.append(user_dir)
    layers += list(extra)
    return layers


def load_catalog(extra: Sequence[Path] = ()) -> Catalog:
    """Load the bundled catalog with the user's overlays; raises catalog.InputError.

    A catalog whose files have not changed since it was last validated comes from the cache
    under ADVISOR_HOME, so a warm start parses no YAML.

    The catalog lives as long as the process, so its objects are moved out of the cyclic
    collector's view: otherwise every full collection rescans thousands of offerings, which
    doubles the time to match a large catalog (docs/benchmarks.md).
    """
    catalog = load_catalog_cached(catalog_layers(extra), cache_dir())
    gc.freeze()
    return catalog
