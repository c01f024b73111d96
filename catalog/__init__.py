"""The trait catalog: schema, loader and validation, and the bundled YAML data.

Imports nothing else of the project, so every other package can build on it.
"""

from catalog.loader import BUNDLED_DIR, Catalog, load_catalog
from catalog.problems import InputError, Problem
from catalog.schema import Offering, Provider

__all__ = [
    "BUNDLED_DIR",
    "Catalog",
    "InputError",
    "Offering",
    "Problem",
    "Provider",
    "load_catalog",
]
