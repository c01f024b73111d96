"""Where user state lives: `ADVISOR_HOME` if set, else the platform's user directories.

Nothing here creates a directory until something is about to be written into it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "model-advisor"


def home() -> Path:
    """The root of all user state (runs, providers file, catalog overlays)."""
    override = os.environ.get("ADVISOR_HOME")
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def user_catalog_dir() -> Path:
    """User catalog overlays, loaded on top of the bundled catalog when the folder exists."""
    return home() / "catalog"


def runs_db() -> Path:
    """The SQLite run store."""
    return home() / "runs.sqlite"


def providers_file() -> Path:
    """Per-provider overrides: base URLs, proxies, local servers."""
    return home() / "providers.yaml"


def cache_dir() -> Path:
    """The validated catalog, cached by the content of its files: a warm start parses nothing."""
    return home() / "cache"
