"""A block of an offering as flat fields: what a source stated, whether two values are the
same, and a block with a change merged in.

Fields are named by dotted paths inside their block ('input', 'batch.output',
'structured_output.json_schema'); lists are whole values. These are the units a change set
compares and a review shows side by side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from catalog.schema import Source


def flatten(model: BaseModel, prefix: str = "") -> dict[str, Any]:
    """Every field of a block by dotted path, nested blocks expanded, `source` left out.
    Lists stay whole values (their items as plain dicts)."""
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        if name == "source":
            continue
        out.update(_flat_field(name, getattr(model, name), prefix, set_only=False))
    return out


def stated(model: BaseModel, prefix: str = "") -> dict[str, Any]:
    """Only the fields the source stated: set, and not unknown (None) or empty."""
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        if name == "source" or name not in model.model_fields_set:
            continue
        for path, value in _flat_field(name, getattr(model, name), prefix, set_only=True).items():
            if value is not None and value != []:
                out[path] = value
    return out


def _flat_field(name: str, value: Any, prefix: str, *, set_only: bool) -> dict[str, Any]:
    path = prefix + name
    if isinstance(value, BaseModel):
        return (stated if set_only else flatten)(value, path + ".")
    if isinstance(value, list):
        return {path: [plain(v) for v in value]}
    return {path: value}


def plain(value: Any) -> Any:
    """A list item as plain data: a nested model becomes a dict of its known fields."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_none=True)
    return value


def same(old: Any, new: Any) -> bool:
    """Equal, treating floats that differ only by rounding as equal."""
    if isinstance(old, float | int) and isinstance(new, float | int):
        if isinstance(old, bool) or isinstance(new, bool):
            return old is new
        return math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)
    return bool(old == new)


def merge(
    cls: type[BaseModel],
    old: BaseModel | None,
    values: Mapping[str, Any],
    source: Source | None,
) -> BaseModel:
    """The old block with `values` (dotted paths) set; with a source, the note also names the
    values kept from the old block's source."""
    data: dict[str, Any] = old.model_dump(mode="python") if old is not None else {}
    for path, value in values.items():
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = value
    if source is not None:
        data["source"] = _with_kept(source, old, values)
    return cls.model_validate(data)


def _with_kept(source: Source, old: BaseModel | None, values: Mapping[str, Any]) -> Source:
    """The new source, its note naming old values the import did not state but kept."""
    if old is None:
        return source
    defaults = flatten(type(old).model_construct())
    kept = [
        path
        for path, value in flatten(old).items()
        if path not in values and value not in (None, []) and value != defaults.get(path)
    ]
    old_source: Source | None = getattr(old, "source", None)
    if not kept or old_source is None or old_source.ref == source.ref:
        return source
    note = f"{source.note}; kept from {old_source.ref}: {', '.join(kept)}"
    return source.model_copy(update={"note": note})
