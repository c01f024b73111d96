"""Which catalog layers a command loads: bundled, then the user's folder, then `--catalog` dirs."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

from advisor import paths
from catalog import BUNDLED_DIR, Catalog
from catalog.cache import load_catalog_cached


def catalog_layers(extra: Sequence[Path] = ()) -> list[Path]:
    """The layers in the order they apply; later ones add to and override earlier ones."""
    layers = [BUNDLED_DIR]
    user_dir = paths.user_catalog_dir()
    if user_dir.is_dir():
        layers.append(user_dir)
    layers += list(extra)
    return layers


def load(extra: Sequence[Path] = ()) -> Catalog:
    """Load the bundled catalog with the user's overlays; raises catalog.InputError.

    A catalog whose files have not changed since it was last validated comes from the cache
    under ADVISOR_HOME, so a warm start parses no YAML.

    The catalog lives as long as the process, so its objects are moved out of the cyclic
    collector's view: otherwise every full collection rescans thousands of offerings, which
    doubles the time to match a large catalog (docs/benchmarks.md).
    """
    catalog = load_catalog_cached(catalog_layers(extra), paths.cache_dir())
    gc.freeze()
    return catalog
