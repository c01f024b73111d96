"""Compare an import with a catalog folder: a reviewable change set, never an overwrite.

A change is one block of one offering (its limits, pricing, lifecycle, capabilities or
determinism), or a whole new offering. It lists every field whose value the source states
differently, old and new side by side, with the old and the new source.

Whether a change is applied by default follows provenance. A block whose `source` was
written by this importer (its ref starts with the importer's prefix), or that holds nothing
yet, may be updated. A block with any other source was edited by hand or taken from another
source: its change is *held* and applied only when the maintainer accepts it. Capabilities and
determinism carry no source, so filling an unknown flag is proposed freely but changing a
known one is always held.

A source never erases: a field it does not state keeps the catalog's value, and the merged
block's note says which values were kept from which source.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from catalog.importers.base import Skip, Snapshot, SourceInfo
from catalog.importers.blocks import flatten, merge, same, stated
from catalog.importers.target import ImportFolder
from catalog.importers.window import read_as_ours
from catalog.lifecycle import status_on
from catalog.schema import (
    Capabilities,
    Determinism,
    Lifecycle,
    Limits,
    Offering,
    Pricing,
    Provider,
    Source,
    split_key,
)

ChangeKind = Literal["new", "update", "deprecation", "confirm"]

Sourced = Limits | Pricing | Lifecycle
"""A block that carries its own source."""

SOURCED_BLOCKS: dict[str, type[BaseModel]] = {
    "limits": Limits,
    "pricing": Pricing,
    "lifecycle": Lifecycle,
}
"""Blocks that carry a `source`, in the order an offering lists them."""

TRAIT_BLOCKS: dict[str, type[BaseModel]] = {
    "capabilities": Capabilities,
    "determinism": Determinism,
}
"""Blocks without a source: compared, but a known value changes only when accepted."""


@dataclass(frozen=True)
class FieldChange:
    """One field of a block: the catalog's value and the source's (None is unknown)."""

    field: str
    """The path within the block, e.g. 'input' or 'batch.output'."""
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """One proposed change to one offering: a whole new offering, or one of its blocks."""

    key: str
    """The offering's key, 'provider/model-id'."""
    block: str
    """'offering' for a new offering, else the block's name, e.g. 'pricing'."""
    kind: ChangeKind
    fields: tuple[FieldChange, ...]
    value: BaseModel
    """The offering (when new) or the block as it will be written if the change is applied."""
    old_source: Source | None = None
    new_source: Source | None = None
    held: str | None = None
    """Why the change waits for acceptance; None when it is applied by default."""

    @property
    def id(self) -> str:
        """Stable id for accepting or rejecting: the key for a new offering, else key#block."""
        return self.key if self.block == "offering" else f"{self.key}#{self.block}"

    @property
    def provider(self) -> str:
        return split_key(self.key)[0]


@dataclass(frozen=True)
class ChangeSet:
    """Everything an import proposes for one catalog folder, for review."""

    info: SourceInfo
    directory: Path
    changes: tuple[Change, ...]
    skipped: tuple[Skip, ...] = ()
    providers: Mapping[str, Provider | str] = field(default_factory=dict)
    """Providers that need a new file: the block to write, or the id of a provider another
    layer defines (written as a reference)."""
    gone: tuple[str, ...] = ()
    """Offerings whose limits came from this importer but which the source no longer lists."""
    entries: int = 0
    """Entries in the source."""
    read: int = 0
    """Offerings the source yielded, before the comparison."""

    def default_selection(self) -> frozenset[str]:
        """The ids of the changes applied when the maintainer accepts nothing explicitly."""
        return frozenset(c.id for c in self.changes if c.held is None)

    def selection(self, accept: Iterable[str] = (), reject: Iterable[str] = ()) -> frozenset[str]:
        """The default selection, plus `accept`, minus `reject`. An offering key stands for
        all of that offering's changes; 'all' for every change.

        Raises KeyError naming an id that matches no change.
        """
        chosen = set(self.default_selection())
        chosen |= self._resolve(accept)
        chosen -= self._resolve(reject)
        return frozenset(chosen)

    def _resolve(self, ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for wanted in ids:
            matches = {c.id for c in self.changes if wanted in ("all", c.id, c.key)}
            if not matches:
                raise KeyError(wanted)
            out |= matches
        return out


def plan_changes(
    snapshot: Snapshot,
    target: ImportFolder,
    *,
    ref_prefix: str,
    providers: Collection[str] | None = None,
    include_new: bool = True,
    only: Collection[str] = (),
) -> ChangeSet:
    """Compare what `snapshot` says with the offerings of `target`.

    `ref_prefix` is how the importer's refs begin: blocks whose source starts with it are the
    importer's own. `providers` limits the import to those provider ids (ours); `include_new`
    False proposes changes to existing offerings only; `only` (shell patterns of offering keys,
    e.g. 'azure/gpt-5*') limits it to the offerings matching one, and a pattern starting with
    '!' leaves out what it matches ('!*-latest').
    """
    wanted = None if providers is None else set(providers)
    in_scope = [
        o
        for o in snapshot.offerings
        if (wanted is None or o.provider in wanted) and _chosen(o.key, only)
    ]
    skipped = list(snapshot.skipped)
    incoming = {o.key for o in in_scope if include_new or o.key in target.offerings}
    known = target.keys | incoming
    ids_by_provider: dict[str, set[str]] = {}
    for key in known:
        provider, model_id = split_key(key)
        ids_by_provider.setdefault(provider, set()).add(model_id)

    changes: list[Change] = []
    new_providers: dict[str, Provider | str] = {}
    for imported in in_scope:
        current = target.offerings.get(imported.key)
        if current is not None:
            changes += offering_changes(
                current, imported, ref_prefix, known, snapshot.info.imported
            )
            continue
        if not include_new:
            continue
        if imported.key in target.aliases:
            # A moving alias the catalog pins to a dated offering: not an offering of its own.
            skipped.append(Skip(imported.key, f"an alias of {target.aliases[imported.key]}"))
            continue
        if imported.provider not in target.provider_files:
            block = _provider_block(imported.provider, target, snapshot)
            if block is None:
                skipped.append(
                    Skip(
                        imported.key,
                        f"provider {imported.provider!r} is not in the catalog and its API "
                        "endpoint is unknown: add a provider block first",
                    )
                )
                continue
            new_providers[imported.provider] = block
        offering = _resolved(imported, known, ids_by_provider[imported.provider])
        changes.append(
            Change(
                key=imported.key,
                block="offering",
                kind="new",
                fields=(),
                value=offering,
                new_source=offering.limits.source,
            )
        )

    covered = set(snapshot.source_providers.values())
    listed = {o.key for o in snapshot.offerings}
    gone = tuple(
        key
        for key, offering in target.offerings.items()
        if offering.provider in covered
        and (wanted is None or offering.provider in wanted)
        and offering.limits.source.ref.startswith(ref_prefix)
        and key not in listed
    )
    return ChangeSet(
        info=snapshot.info,
        directory=target.directory,
        changes=tuple(changes),
        skipped=tuple(skipped),
        providers=new_providers,
        gone=gone,
        entries=snapshot.entries,
        read=len(snapshot.offerings),
    )


def _chosen(key: str, patterns: Collection[str]) -> bool:
    """Whether `key` matches an including pattern (or there are none) and no '!' pattern."""
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    return (not include or any(fnmatch.fnmatchcase(key, p) for p in include)) and not any(
        fnmatch.fnmatchcase(key, p) for p in exclude
    )


def _provider_block(
    provider: str, target: ImportFolder, snapshot: Snapshot
) -> Provider | str | None:
    if provider in target.providers:
        return provider  # defined by another layer: the new file refers to it by id
    return snapshot.providers.get(provider)


def _resolved(offering: Offering, known: frozenset[str] | set[str], ids: set[str]) -> Offering:
    """A new offering whose successor exists and whose aliases do not shadow other ids."""
    update: dict[str, Any] = {}
    aliases = [a for a in offering.aliases if a not in ids]
    if aliases != offering.aliases:
        update["aliases"] = aliases
    life = offering.lifecycle
    if life.successor is not None and life.successor not in known:
        update["lifecycle"] = _without_successor(life)
    return offering.model_copy(update=update) if update else offering


def _without_successor(life: Lifecycle) -> Lifecycle:
    assert life.source is not None
    note = f"{life.source.note}; successor {life.successor!r} is not in the catalog"
    values = {k: getattr(life, k) for k in life.model_fields_set if k not in ("successor",)}
    values["source"] = life.source.model_copy(update={"note": note})
    return Lifecycle(**values)


def offering_changes(
    current: Offering,
    imported: Offering,
    ref_prefix: str,
    known: Collection[str],
    today: dt.date,
) -> list[Change]:
    """Changes of one existing offering, block by block."""
    changes: list[Change] = []
    for name, cls in SOURCED_BLOCKS.items():
        if name not in imported.model_fields_set or getattr(imported, name) is None:
            continue
        new_block = getattr(imported, name)
        if name == "lifecycle" and new_block.successor and new_block.successor not in known:
            new_block = _without_successor(new_block)
        change = _sourced_change(
            current, name, cls, getattr(current, name), new_block, ref_prefix, today
        )
        if change is not None:
            changes.append(change)
    for name, cls in TRAIT_BLOCKS.items():
        change = _trait_change(current, imported, name, cls)
        if change is not None:
            changes.append(change)
    return changes


def _sourced_change(
    current: Offering,
    name: str,
    cls: type[BaseModel],
    old: Sourced | None,
    new: Sourced,
    ref_prefix: str,
    today: dt.date,
) -> Change | None:
    new_values = stated(new)
    if isinstance(old, Limits):
        new_values = read_as_ours(old, new_values)
    old_values = flatten(old) if old is not None else {}
    old_source = old.source if old is not None else None
    new_source = new.source
    assert new_source is not None  # every block an importer states carries its source
    diffs = tuple(
        FieldChange(path, old_values.get(path), value)
        for path, value in new_values.items()
        if not same(old_values.get(path), value)
    )
    empty = old is None or (old_source is None and old == cls())
    owned = empty or (old_source is not None and old_source.ref.startswith(ref_prefix))
    if not diffs:
        newer = (
            old_source is not None
            and old_source.ref != new_source.ref
            and new_source.checked > old_source.checked
        )
        if not (owned and newer):
            return None
        # Same values in a newer version of our own source: move the block's date forward.
        assert old is not None
        confirmed = old.model_copy(update={"source": new_source})
        return Change(
            current.key, name, "confirm", (), confirmed, old_source, new_source, held=None
        )
    merged = merge(cls, old, new_values, new_source)
    if isinstance(merged, Limits):
        merged = _within_context(merged, new_values)
        diffs += tuple(
            FieldChange(name, old_values[name], None)
            for name in ("input", "output")
            if getattr(merged, name) is None and old_values.get(name) is not None
        )
    regression = _regression(old, merged, today) if name == "lifecycle" else None
    if regression:
        held = regression
    elif owned:
        held = None
    elif old_source is None:
        held = "the current values have no source"
    else:
        held = f"the current values come from {old_source.ref}"
    kind: ChangeKind = "update"
    if name == "lifecycle" and _is_deprecation(diffs):
        kind = "deprecation"
    return Change(
        current.key,
        name,
        kind,
        diffs,
        merged,
        old_source,
        getattr(merged, "source", new_source),
        held,
    )


def _within_context(limits: Limits, stated_values: Mapping[str, Any]) -> Limits:
    """A kept output or input cap that the new context window no longer holds is dropped,
    with a note, rather than written into a catalog that would not load."""
    context = limits.context
    dropped = [
        name
        for name in ("output", "input")
        if name not in stated_values
        and context is not None
        and (value := getattr(limits, name)) is not None
        and value > context
    ]
    if not dropped:
        return limits
    note = f"{limits.source.note}; {', '.join(dropped)} left unknown: above the new context"
    update: dict[str, Any] = dict.fromkeys(dropped)
    update["source"] = limits.source.model_copy(update={"note": note})
    return limits.model_copy(update=update)


def _regression(old: Sourced | None, new: BaseModel, today: dt.date) -> str | None:
    """Why a lifecycle change moves an offering back (retired to served, deprecated to active)
    on the import day; None when it does not. Such a change waits for --accept, whoever wrote
    the block: sources drop shutdown dates and retired models more often than they revive
    them."""
    if not isinstance(old, Lifecycle) or not isinstance(new, Lifecycle):
        return None
    order = ("preview", "active", "legacy", "deprecated", "retired")
    for before, after in (
        (status_on(old, today).status, status_on(new, today).status),
        (old.status, new.status),
    ):
        if order.index(after) < order.index(before) and before in order[2:]:
            return (
                f"it moves the offering from {before} back to {after}: "
                "accept it only if the provider did"
            )
    return None


def _is_deprecation(diffs: Iterable[FieldChange]) -> bool:
    for diff in diffs:
        if diff.field == "status" and diff.new in ("deprecated", "retired"):
            return True
        if diff.field == "shutdown_date" and diff.old is None:
            return True
    return False


def _trait_change(
    current: Offering, imported: Offering, name: str, cls: type[BaseModel]
) -> Change | None:
    if name not in imported.model_fields_set:
        return None
    new_values = stated(getattr(imported, name))
    old_block: BaseModel = getattr(current, name)
    old_values = flatten(old_block)
    diffs = tuple(
        FieldChange(path, old_values.get(path), value)
        for path, value in new_values.items()
        if not same(old_values.get(path), value)
    )
    if not diffs:
        return None
    merged = merge(cls, old_block, {d.field: d.new for d in diffs}, getattr(imported, name).source)
    if isinstance(merged, Capabilities) and merged.reasoning.supported is False:
        # A model that does not reason has no reasoning controls (a catalog rule).
        reasoning = merged.reasoning.model_copy(
            update={"effort": None, "budget_tokens": None, "toggle": None}
        )
        merged = merged.model_copy(update={"reasoning": reasoning})
    changed_known = [d.field for d in diffs if d.old is not None]
    held = (
        f"{name} carry no source: changing a known value ({', '.join(changed_known)}) "
        "needs acceptance"
        if changed_known
        else None
    )
    return Change(
        current.key,
        name,
        "update",
        diffs,
        merged,
        None,
        imported.limits.source,  # shown as where the proposed values come from
        held,
    )


def changes_by_offering(changes: Iterable[Change]) -> dict[str, list[Change]]:
    """Changes grouped by offering key, in the order they were planned."""
    out: dict[str, list[Change]] = {}
    for change in changes:
        out.setdefault(change.key, []).append(change)
    return out
