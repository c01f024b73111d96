"""Write chosen changes into catalog YAML, keeping the files' comments, key order and style.

Existing offerings are edited in place through ruamel.yaml's round trip: only the fields a
change names are set (new keys go where the schema orders them) and the block's `source` is
replaced, so everything else (comments, blank lines, quoting, flow style) stays as written.
New offerings are appended to their provider's file as text from `emit` (the round trip is
too slow for thousands of them); a provider new to the folder gets a file of its own. New
values follow the bundled catalog's style: blocks in block style; sources, modalities, flag
groups and tiers in flow style.

Rendering is separate from writing: `render_changes` returns the new text of every file it
touches, so a caller can validate the result before anything on disk changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from catalog.files import write_atomically
from catalog.importers import emit
from catalog.importers.changes import Change, ChangeSet
from catalog.importers.target import ImportFolder
from catalog.jsonschema import CATALOG_SCHEMA_NAME, SCHEMA_DIR
from catalog.problems import load_yaml
from catalog.schema import Capabilities, Lifecycle, Offering, Provider, Source

FLOW_KEYS = emit.FLOW_KEYS


def yaml_round_trip() -> YAML:
    """A ruamel.yaml instance that reproduces the catalog files byte for byte."""
    yaml = YAML()
    yaml.preserve_quotes = True
    # One date object shared by many sources must not become a YAML anchor and aliases.
    yaml.representer.ignore_aliases = lambda data: True
    yaml.width = 4096  # never fold the long one-line `source` mappings
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def render_changes(
    changeset: ChangeSet, chosen: Collection[str], target: ImportFolder
) -> dict[Path, str]:
    """The new text of every file the chosen changes touch, by path."""
    changes = [c for c in changeset.changes if c.id in chosen]
    keys = target.keys | {c.key for c in changes if c.kind == "new"}
    changes = [_with_existing_successor(c, keys) for c in changes]
    by_file: dict[Path, list[Change]] = {}
    for change in changes:
        by_file.setdefault(_file_for(change, target), []).append(change)
    out: dict[Path, str] = {}
    for path, file_changes in by_file.items():
        updates = [c for c in file_changes if c.kind != "new"]
        new = [_offering_data(c) for c in file_changes if c.kind == "new"]
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if updates:
                text = _edited(text, updates)
            out[path] = _appended(text, new)
        else:
            out[path] = _new_file(changeset, file_changes[0].provider, path, new)
    return out


def write_files(texts: Mapping[Path, str]) -> list[Path]:
    """Write each file atomically (a temporary file renamed over it); return the paths."""
    for path, text in texts.items():
        write_atomically(path, text)
    return list(texts)


def _file_for(change: Change, target: ImportFolder) -> Path:
    existing = target.files.get(change.key) or target.provider_files.get(change.provider)
    if existing is not None:
        return existing
    path = target.directory / f"{change.provider}.yaml"
    taken = set(target.provider_files.values())
    number = 2
    while path.exists() and path not in taken:  # a file of that name holds another provider
        path = target.directory / f"{change.provider}-{number}.yaml"
        number += 1
    return path


def _with_existing_successor(change: Change, keys: Collection[str]) -> Change:
    """Drop a successor whose offering will not be in the catalog (e.g. its own change was
    rejected), saying so in the note, so the written catalog stays valid."""
    value = change.value
    life = value.lifecycle if isinstance(value, Offering) else value
    if not isinstance(life, Lifecycle) or life.successor is None or life.successor in keys:
        return change
    assert life.source is not None
    note = f"{life.source.note}; successor {life.successor!r} is not in the catalog"
    fixed = life.model_copy(
        update={"successor": None, "source": life.source.model_copy(update={"note": note})}
    )
    if isinstance(value, Offering):
        return dataclasses.replace(change, value=value.model_copy(update={"lifecycle": fixed}))
    fields = tuple(f for f in change.fields if f.field != "successor")
    return dataclasses.replace(change, value=fixed, fields=fields, new_source=fixed.source)


def _offering_data(change: Change) -> dict[str, Any]:
    assert isinstance(change.value, Offering)
    data = change.value.model_dump(mode="python", exclude_defaults=True)
    data.pop("provider", None)
    return data


def _new_file(
    changeset: ChangeSet, provider: str, path: Path, offerings: Sequence[dict[str, Any]]
) -> str:
    info = changeset.info
    header = [
        f"# Imported from {info.importer} {info.version} ({info.file}) on {info.imported}",
        "# by `advisor catalog import`. Review the values before relying on them.",
    ]
    schema = _schema_path(path.parent)
    if schema:
        header.insert(0, f"# yaml-language-server: $schema={schema}")
    block = changeset.providers.get(provider, provider)
    if isinstance(block, Provider):
        provider_text = emit.mapping_block(
            "provider", block.model_dump(mode="python", exclude_defaults=True)
        )
    else:
        provider_text = f"provider: {emit.scalar(block)}\n"
    items = "".join(emit.offering_item(o) for o in offerings)
    return "\n".join(header) + "\n\n" + provider_text + "\nofferings:\n" + items


def _schema_path(folder: Path) -> str | None:
    try:
        return Path(os.path.relpath(SCHEMA_DIR / CATALOG_SCHEMA_NAME, folder)).as_posix()
    except ValueError:  # another drive on Windows: no relative path
        return None


def _edited(text: str, changes: Sequence[Change]) -> str:
    """Apply changes to existing offerings through a round trip that keeps everything else."""
    yaml = yaml_round_trip()
    document = yaml.load(text)
    items = document.get("offerings") if isinstance(document, CommentedMap) else None
    by_id = {o.get("id"): o for o in items or [] if isinstance(o, CommentedMap)}
    for change in changes:
        node = by_id.get(change.key.partition("/")[2])
        if node is None:
            raise ValueError(f"{change.key} is not in its file")  # the file changed meanwhile
        _update(node, change)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


_OFFERINGS_LINE = re.compile(r"^offerings:[ \t]*(#.*)?$", re.MULTILINE)
_ITEM_LINE = re.compile(r"^( *)- ", re.MULTILINE)


def _appended(text: str, offerings: Sequence[dict[str, Any]]) -> str:
    """The file with new offerings at the end of its `offerings` list.

    The usual layout (a block `offerings:` list, last in the file) takes the new items as
    text, indented like the existing ones. Any other layout goes through the round trip.
    """
    if not offerings:
        return text
    data = load_yaml("<import>", text)
    header = _OFFERINGS_LINE.search(text)
    if isinstance(data, dict) and "offerings" not in data:
        items = "".join(emit.offering_item(o) for o in offerings)
        return text.rstrip("\n") + "\n\nofferings:\n" + items
    if (
        isinstance(data, dict)
        and list(data)[-1] == "offerings"
        and isinstance(data["offerings"], list)
        and data["offerings"]
        and header is not None
    ):
        first_item = _ITEM_LINE.search(text, header.end())
        dash = len(first_item[1]) if first_item else 2
        items = "".join(emit.offering_item(o, dash) for o in offerings)
        return text.rstrip("\n") + "\n" + items
    yaml = yaml_round_trip()
    document = yaml.load(text)
    sequence = document.get("offerings")
    if not isinstance(sequence, CommentedSeq) or sequence.fa.flow_style():
        sequence = document["offerings"] = CommentedSeq(list(sequence or []))
    sequence.extend(_node(o, None) for o in offerings)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def _update(offering: CommentedMap, change: Change) -> None:
    """Set the fields the change names in the offering's block, and replace its source."""
    value = change.value
    block = offering.get(change.block)
    if not isinstance(block, CommentedMap):
        data = value.model_dump(mode="python", exclude_defaults=True)
        _insert(offering, change.block, _node(data, change.block), Offering)
        return
    for diff in change.fields:
        _set_path(block, diff.field.split("."), value)
    if isinstance(value, Capabilities) and value.reasoning.supported is False:
        reasoning = block.get("reasoning")
        for key in ("effort", "budget_tokens", "toggle"):
            if isinstance(reasoning, CommentedMap) and key in reasoning:
                del reasoning[key]
    source = getattr(value, "source", None)
    if isinstance(source, Source):
        block["source"] = _node(source.model_dump(mode="python", exclude_none=True), "source")


def _set_path(mapping: CommentedMap, path: list[str], model: BaseModel) -> None:
    """Set `path` in `mapping` to the value it has in `model`, creating nested mappings."""
    head, *rest = path
    value = getattr(model, head)
    if rest:
        child = mapping.get(head)
        if not isinstance(child, CommentedMap):
            child = _node({}, head)
            _insert(mapping, head, child, type(model))
        _set_path(child, rest, value)
        return
    if value is None:  # the change makes it unknown: unknown is written by leaving it out
        mapping.pop(head, None)
        return
    node = _node(_plain(value), head)
    if head in mapping:
        mapping[head] = node
    else:
        _insert(mapping, head, node, type(model))


def _insert(mapping: CommentedMap, key: str, value: Any, model: type[BaseModel]) -> None:
    """Insert `key` after the last existing key the schema orders before it."""
    order = list(model.model_fields)
    rank = order.index(key) if key in order else len(order)
    position = 0
    for index, existing in enumerate(mapping):
        if (order.index(existing) if existing in order else -1) < rank:
            position = index + 1
    mapping.insert(position, key, value)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_defaults=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _node(value: Any, key: str | None) -> Any:
    """Plain data as ruamel nodes in the catalog's style."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _node(v, k)
        if key in FLOW_KEYS or key == "[]":
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(_node(v, "[]") for v in value)
        if all(not isinstance(v, dict | list) for v in value):
            sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 2.0 is written 2, as by hand
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        # Quote as the emitter (and the bundled files) would: only when needed, singly.
        quoted = emit.scalar(value)
        if quoted.startswith("'"):
            return SingleQuotedScalarString(value)
        if quoted.startswith('"'):
            return DoubleQuotedScalarString(value)
    return value
