"""A warm-start cache of loaded catalogs, keyed on the content of their files.

Parsing and validating YAML is most of a cold load. When no file changed since the last
load, the validated Catalog can be read back from a pickle instead: the key hashes every
file's path and bytes, the layer order, and the catalog package's own code and versions, so
an edited file, another overlay or a changed schema never reads a stale catalog.

Reading a pickle of pydantic models calls each model's `__setstate__`, about three times the
cost of a small Python function per model, and a 5,000-offering catalog has 80,000 models.
So each model is pickled as a call to `_rebuild`, which sets its attributes directly; the
unpickler only resolves the classes this package defines (and a few standard ones).

The cache belongs to the caller, who passes the folder (the application keeps it under its
user state folder). A missing, unreadable or corrupt cache file is a cache miss, never an
error; writing the cache is best effort.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel

from catalog import schema
from catalog.errors import AdvisorError
from catalog.files import write_atomically
from catalog.loader import Catalog, catalog_files, load_catalog
from catalog.perf import gc_paused

FORMAT = 1
"""Bumped when what is pickled changes shape."""

KEEP = 8
"""How many cache files to keep; older ones are deleted when a new one is written."""

PACKAGE_DIR = Path(__file__).parent


def load_catalog_cached(layers: Sequence[Path | Sequence[Path]], cache_dir: Path | None) -> Catalog:
    """`load_catalog(layers)`, read from `cache_dir` when no file changed since it was saved.

    Without a cache folder this is a plain load. Errors in the files raise InputError as
    usual (a catalog with errors is never cached).
    """
    if cache_dir is None:
        return load_catalog(layers)
    key = cache_key(layers)
    path = cache_dir / f"catalog-{key}.pickle"
    cached = _read(path)
    if cached is not None:
        return cached
    catalog = load_catalog(layers)
    _write(path, catalog)
    return catalog


def cache_key(layers: Sequence[Path | Sequence[Path]]) -> str:
    """A hash of everything a loaded catalog depends on."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT} {sys.version} {pydantic.VERSION}".encode())
    for code in sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(code.read_bytes())
    for number, layer in enumerate(layers):
        paths = [layer] if isinstance(layer, Path) else list(layer)
        digest.update(f"\0layer {number}".encode())
        for path in catalog_files(paths):
            digest.update(f"\0{path}\0".encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"\0unreadable")  # the load reports it; the key stays distinct
    return digest.hexdigest()[:32]


_MODELS: dict[type[BaseModel], None] = {
    value: None
    for value in vars(schema).values()
    if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel
}


def _rebuild(cls: type[BaseModel], values: dict[str, Any], fields_set: set[str]) -> BaseModel:
    """A validated model as it was pickled, without validating it again."""
    model = object.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", fields_set)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


def _same(model: BaseModel) -> BaseModel:
    """An equal model pickled earlier: one frozen instance stands for all its copies."""
    return model


def _dumps(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    field_sets: dict[tuple[type, frozenset[str]], set[str]] = {}
    first: dict[tuple[type, BaseModel], BaseModel] = {}

    def reduce(model: BaseModel) -> tuple[Any, ...]:
        # Frozen models are values: equal ones (e.g. the one source of an offering's blocks)
        # are stored once, a fifth fewer models to build on a warm start. Models holding a
        # list are unhashable and stored as they are.
        try:
            earlier = first.setdefault((type(model), model), model)
        except TypeError:
            earlier = model
        if earlier is not model:
            return _same, (earlier,)
        # Models of one class mostly set the same fields: one shared set pickles once.
        fields = model.__pydantic_fields_set__
        shared = field_sets.setdefault((type(model), frozenset(fields)), fields)
        return _rebuild, (type(model), model.__dict__, shared)

    pickler.dispatch_table = {cls: reduce for cls in _MODELS}
    pickler.dump(catalog)
    return buffer.getvalue()


_ALLOWED = {
    ("catalog.cache", "_rebuild"),
    ("catalog.cache", "_same"),
    ("catalog.loader", "Catalog"),
    ("catalog.problems", "Problem"),
    ("datetime", "date"),
    ("pathlib", "Path"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
}


class _Unpickler(pickle.Unpickler):
    """Resolves only the classes a cached catalog holds, so a tampered file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or (
            module == "catalog.schema" and getattr(schema, name, None) in _MODELS
        ):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a cached catalog")


def _read(path: Path) -> Catalog | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        with gc_paused():
            catalog = _Unpickler(io.BytesIO(data)).load()
    except Exception:  # a corrupt or foreign file is only a cache miss
        return None
    return catalog if isinstance(catalog, Catalog) else None


def _write(path: Path, catalog: Catalog) -> None:
    try:
        with gc_paused():
            data = _dumps(catalog)
        write_atomically(path, data)
        _prune(path.parent)
    except (AdvisorError, OSError, pickle.PicklingError):
        pass  # best effort: the next load is cold again


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("catalog-*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)
