"""Text for an import's change set, shared by `advisor catalog import` and the review screen."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from advisor.units import UNKNOWN
from catalog.importers import Change, ChangeSet, Skip
from catalog.importers.changes import changes_by_offering
from catalog.schema import Offering, Source

KIND_MARK = {"new": "+", "update": "~", "deprecation": "!", "confirm": "="}
"""One character per kind of change, as in a diff."""

KIND_LABEL = {
    "new": "new offering",
    "update": "update",
    "deprecation": "deprecation",
    "confirm": "confirmed",
}


def value_text(value: Any) -> str:
    """A field value for people: '128,000', '2.5', '2027-01-14', '[low, high]', '?'."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def source_text(source: Source | None) -> str:
    """'REF (checked DATE)', or 'no source'."""
    if source is None:
        return "no source"
    return f"{source.ref} (checked {source.checked})"


def change_summary(change: Change) -> str:
    """One line: what changes, e.g. 'input 2.5 → 3; output 10 → 12'."""
    if change.kind == "new":
        assert isinstance(change.value, Offering)
        return new_offering_summary(change.value)
    if change.kind == "confirm" and change.new_source is not None:
        return f"same values, checked {change.new_source.checked} in {change.new_source.ref}"
    return "; ".join(f"{f.field} {value_text(f.old)} → {value_text(f.new)}" for f in change.fields)


def new_offering_summary(offering: Offering) -> str:
    limits, pricing = offering.limits, offering.pricing
    parts = [
        f"context {value_text(limits.context)}",
        f"output {value_text(limits.output)}",
        f"in {value_text(pricing.input if pricing else None)}",
        f"out {value_text(pricing.output if pricing else None)} USD/1M",
    ]
    if offering.lifecycle.status != "active":
        parts.append(offering.lifecycle.status)
    return " · ".join(parts)


def change_lines(changeset: ChangeSet, selected: Collection[str]) -> list[str]:
    """The change set as text, one block per offering, each change with its fields."""
    lines: list[str] = []
    for key, changes in changes_by_offering(changeset.changes).items():
        if len(changes) == 1 and changes[0].kind == "new":
            change = changes[0]
            mark = "" if change.id in selected else "   (rejected)"
            lines.append(f"+ {key}: {change_summary(change)}{mark}")
            continue
        lines.append(key)
        for change in changes:
            lines += _change_block(change, change.id in selected)
    return lines


def _change_block(change: Change, selected: bool) -> list[str]:
    state = "accepted" if selected else ("held" if change.held else "rejected")
    if change.kind == "confirm":  # nothing to compare: one line
        return [f"  = {change.block}: {change_summary(change)} [{state}]"]
    head = f"  {KIND_MARK[change.kind]} {change.block}: {KIND_LABEL[change.kind]} [{state}]"
    lines = [head]
    if change.held and not selected:
        lines.append(f"      held: {change.held}; --accept {change.id} applies it")
    width = max((len(f.field) for f in change.fields), default=0)
    for field in change.fields:
        before, after = value_text(field.old), value_text(field.new)
        lines.append(f"      {field.field:<{width}}  {before} → {after}")
    old, new = change.old_source, change.new_source
    if old is not None and new is not None and (old.ref, old.checked) == (new.ref, new.checked):
        lines.append(f"      source: {source_text(new)}")
        return lines
    if old is not None:
        lines.append(f"      was: {source_text(old)}")
    if new is not None:
        lines.append(f"      now: {source_text(new)}")
    return lines


def counts(changeset: ChangeSet, selected: Collection[str]) -> str:
    """'3 new offerings, 5 updates, 1 deprecation; 2 held'."""
    by_kind = Counter[str](c.kind for c in changeset.changes)
    parts = [
        _plural(by_kind[kind], label)
        for kind, label in (
            ("new", "new offering"),
            ("update", "update"),
            ("deprecation", "deprecation"),
            ("confirm", "confirmation"),
        )
        if by_kind[kind]
    ]
    held = sum(1 for c in changeset.changes if c.held and c.id not in selected)
    text = ", ".join(parts) or "no changes"
    return text + (f"; {held} held" if held else "")


def _plural(count: int, label: str) -> str:
    return f"{count:,} {label}{'' if count == 1 else 's'}"


def skipped_reasons(skipped: Iterable[Skip], top: int = 6) -> list[str]:
    """The most common reasons entries were skipped, with counts."""
    reasons = Counter(s.reason for s in skipped)
    lines = [f"{count:>6,}  {reason}" for reason, count in reasons.most_common(top)]
    rest = sum(reasons.values()) - sum(c for _, c in reasons.most_common(top))
    if rest:
        lines.append(f"{rest:>6,}  for {len(reasons) - top} other reasons (see --json)")
    return lines


def source_line(changeset: ChangeSet) -> str:
    """'litellm 1.110.2 (FILE), imported DATE → FOLDER': what was read, and for which folder."""
    info = changeset.info
    date = f", dated {info.date}" if info.date else ""
    folder = changeset.directory
    with contextlib.suppress(ValueError):
        folder = folder.resolve().relative_to(Path.cwd())  # shorter, when it is under here
    return (
        f"{info.importer} {info.version} ({info.file}{date}), imported {info.imported} → {folder}"
    )


def change_json(change: Change, selected: bool) -> dict[str, Any]:
    return {
        "id": change.id,
        "key": change.key,
        "block": change.block,
        "kind": change.kind,
        "selected": selected,
        "held": change.held,
        "fields": [
            {"field": f.field, "old": _json(f.old), "new": _json(f.new)} for f in change.fields
        ],
        "old_source": _source_json(change.old_source),
        "new_source": _source_json(change.new_source),
        "value": change.value.model_dump(mode="json", exclude_defaults=True)
        if change.kind == "new"
        else None,
    }


def changeset_json(changeset: ChangeSet, selected: Collection[str]) -> dict[str, Any]:
    info = changeset.info
    return {
        "source": {
            "importer": info.importer,
            "version": info.version,
            "file": info.file,
            "date": info.date.isoformat() if info.date else None,
            "imported": info.imported.isoformat(),
        },
        "directory": str(changeset.directory),
        "entries": changeset.entries,
        "changes": [change_json(c, c.id in selected) for c in changeset.changes],
        "providers": sorted(changeset.providers),
        "gone": list(changeset.gone),
        "skipped": [{"key": s.key, "reason": s.reason} for s in changeset.skipped],
    }


def _source_json(source: Source | None) -> dict[str, Any] | None:
    return source.model_dump(mode="json", exclude_none=True) if source else None


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def fields_table(change: Change) -> Table:
    """Old and new values side by side."""
    table = Table(box=None, pad_edge=False, expand=True, show_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("current", overflow="fold")
    table.add_column("proposed", overflow="fold")
    for field in change.fields:
        table.add_row(field.field, value_text(field.old), Text(value_text(field.new), "green"))
    return table
