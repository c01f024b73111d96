"""Imports propose changes: held where a value is not the importer's own, applied only when
chosen, written without losing a comment, and a re-import of the same source is a no-op."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml_rs

from catalog import load_catalog
from catalog.importers import ChangeSet, Snapshot, litellm, render_changes, write_files
from catalog.importers.changes import FieldChange
from tests.catalog.importing import LITELLM, TARGET, copy_target, info, plan, target_of


@pytest.fixture
def snapshot() -> Snapshot:
    return litellm.convert(json.loads(LITELLM.read_text()), info())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_target(tmp_path)


def apply(changes: ChangeSet, folder: Path, chosen: frozenset[str]) -> None:
    write_files(render_changes(changes, chosen, target_of(folder)))


def by_id(changes: ChangeSet) -> dict[str, object]:
    return {c.id: c for c in changes.changes}


def test_the_change_set_per_offering(snapshot: Snapshot, folder: Path) -> None:
    changes = plan(snapshot, folder)
    found = {c.id: (c.kind, c.held is not None) for c in changes.changes}
    assert found == {
        "acme/acme-large-2#pricing": ("update", False),
        "acme/acme-large-2#capabilities": ("update", False),
        "acme/acme-small-2#pricing": ("update", True),
        "acme/acme-large-1#lifecycle": ("deprecation", False),
        "acme/acme-next": ("new", False),
        "acme/acme-mini:free": ("new", False),
        "acme/acme-typo": ("new", False),
    }
    skipped = {s.key: s.reason for s in changes.skipped}
    assert "endpoint is unknown" in skipped["mystery/model-x"]


def test_changed_fields_show_old_and_new(snapshot: Snapshot, folder: Path) -> None:
    change = next(c for c in plan(snapshot, folder).changes if c.id == "acme/acme-large-2#pricing")
    fields = {f.field: f for f in change.fields}
    assert fields["input"] == FieldChange("input", 3, 3.5)
    assert fields["cache_read"] == FieldChange("cache_read", None, 0.35)
    assert fields["tiers"].new == [{"above_input_tokens": 128_000, "input": 7.0, "output": 22.5}]
    assert change.old_source is not None and change.old_source.checked.isoformat() == "2026-10-01"


def test_a_hand_priced_block_is_held_with_the_reason(snapshot: Snapshot, folder: Path) -> None:
    change = next(c for c in plan(snapshot, folder).changes if c.id == "acme/acme-small-2#pricing")
    assert change.held == "the current values come from https://acme.invalid/pricing"
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("input", 0.15, 0.2),
        ("output", 0.6, 0.8),
    ]


def test_only_chosen_changes_are_written(snapshot: Snapshot, folder: Path) -> None:
    changes = plan(snapshot, folder)
    apply(changes, folder, changes.default_selection())
    catalog = load_catalog([folder])
    large = catalog.get("acme/acme-large-2")
    small = catalog.get("acme/acme-small-2")
    assert large is not None and large.pricing is not None and large.pricing.input == 3.5
    assert small is not None and small.pricing is not None and small.pricing.input == 0.15
    assert catalog.get("acme/acme-next") is not None
    old = catalog.get("acme/acme-large-1")
    assert old is not None and old.lifecycle.successor == "acme/acme-large-2"


def test_a_hand_edited_price_survives_a_re_import_unless_accepted(
    snapshot: Snapshot, folder: Path
) -> None:
    changes = plan(snapshot, folder)
    apply(changes, folder, changes.default_selection())
    # A maintainer corrects the imported price by hand and says where it comes from.
    path = folder / "acme.yaml"
    text = path.read_text()
    start = text.index("  - id: acme-large-2")
    block = text[start : text.index("  - id:", start + 1)]
    edited = block.replace("input: 3.5", "input: 3.25", 1).replace(
        "ref: 'litellm 1.0.0-fixture prices.json \"acme-large-2\"', checked: 2026-11-25, "
        "note: 'imported 2026-11-25; LiteLLM cites https://acme.invalid/pricing'",
        "ref: 'https://acme.invalid/pricing', checked: 2026-11-26",
    )
    assert edited.count("3.25") == 1 and edited.count("https://acme.invalid/pricing'") == 1
    path.write_text(text.replace(block, edited))

    again = plan(snapshot, folder)
    change = next(c for c in again.changes if c.id == "acme/acme-large-2#pricing")
    assert change.held and [(f.field, f.old, f.new) for f in change.fields] == [
        ("input", 3.25, 3.5)
    ]
    apply(again, folder, again.default_selection())
    price = load_catalog([folder]).get("acme/acme-large-2").pricing  # type: ignore[union-attr]
    assert price is not None and price.input == 3.25

    apply(again, folder, again.selection(accept=["acme/acme-large-2#pricing"]))
    price = load_catalog([folder]).get("acme/acme-large-2").pricing  # type: ignore[union-attr]
    assert price is not None and price.input == 3.5
    assert price.source.ref.startswith("litellm ")


def test_importing_the_same_source_twice_changes_nothing(snapshot: Snapshot, folder: Path) -> None:
    changes = plan(snapshot, folder)
    apply(changes, folder, changes.selection(accept=["all"]))
    assert plan(snapshot, folder).changes == ()


def test_comments_and_key_order_survive(snapshot: Snapshot, folder: Path) -> None:
    before = (TARGET / "acme.yaml").read_text()
    changes = plan(snapshot, folder)
    apply(changes, folder, changes.selection(accept=["all"]))
    after = (folder / "acme.yaml").read_text()
    comments = [line[line.index("#") :] for line in before.splitlines() if "#" in line]
    assert len(comments) == 7
    for comment in comments:
        assert comment in after, f"comment lost: {comment!r}"
    assert "      input: 0.2        # hand-checked" in after  # a new value, its comment kept
    # Keys of a changed offering keep their order; a new one goes where the schema puts it.
    document: Any = yaml_rs.loads(after, parse_datetime=False)
    large = document["offerings"][0]
    assert list(large) == ["id", "model", "name", "limits", "capabilities", "pricing"]
    assert list(large["capabilities"]) == ["tool_calling", "structured_output"]
    assert list(large["pricing"]) == ["input", "output", "cache_read", "tiers", "batch", "source"]
    assert "# end of file" in after


def test_only_changed_lines_change(snapshot: Snapshot, folder: Path) -> None:
    changes = plan(snapshot, folder)
    only = frozenset({"acme/acme-large-1#lifecycle"})
    apply(changes, folder, only)
    before = (TARGET / "acme.yaml").read_text().splitlines()
    after = (folder / "acme.yaml").read_text().splitlines()
    added = [line for line in after if line not in before]
    assert [line for line in before if line not in after] == []
    assert added[0] == "    lifecycle:" and "      successor: acme/acme-large-2" in added
    assert len(added) == 5  # lifecycle:, status, shutdown_date, successor, source


def test_a_successor_whose_offering_is_rejected_is_dropped(folder: Path) -> None:
    entry = {"litellm_provider": "acme", "mode": "chat", "max_input_tokens": 1000}
    snapshot = litellm.convert(
        {
            "acme-retiring": {
                **entry,
                "deprecation_date": "2027-01-01",
                "successor_model": "acme-new",
            },
            "acme-new": entry,
        },
        info(),
    )
    changes = plan(snapshot, folder)
    retiring = next(c for c in changes.changes if c.key == "acme/acme-retiring")
    assert retiring.value.lifecycle.successor == "acme/acme-new"  # type: ignore[attr-defined]
    apply(changes, folder, changes.default_selection() - {"acme/acme-new"})
    catalog = load_catalog([folder])  # still valid: no successor that does not exist
    written = catalog.get("acme/acme-retiring")
    assert catalog.get("acme/acme-new") is None
    assert written is not None and written.lifecycle.successor is None
    assert written.lifecycle.shutdown_date is not None
    assert "'acme/acme-new' is not in the catalog" in (written.lifecycle.source.note or "")  # type: ignore[union-attr]


def test_no_new_offerings_when_asked(snapshot: Snapshot, folder: Path) -> None:
    changes = plan(snapshot, folder, include_new=False)
    assert all(c.kind != "new" for c in changes.changes)
    only_acme = plan(snapshot, folder, providers=["mystery"])
    assert only_acme.changes == ()


def test_a_new_provider_gets_its_own_file(tmp_path: Path) -> None:
    snapshot = litellm.convert(
        {
            "gpt-test": {
                "litellm_provider": "openai",
                "mode": "chat",
                "max_input_tokens": 1000,
                "input_cost_per_token": 1e-06,
                "output_cost_per_token": 2e-06,
            }
        },
        info(),
    )
    folder = tmp_path / "empty"
    folder.mkdir()
    changes = plan(snapshot, folder)
    assert changes.providers["openai"].base_url == "https://api.openai.com/v1"  # type: ignore[union-attr]
    apply(changes, folder, changes.default_selection())
    text = (folder / "openai.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert "provider:\n  id: openai\n" in text and "offerings:\n  - id: gpt-test\n" in text
    offering = load_catalog([folder]).get("openai/gpt-test")
    assert offering is not None and offering.pricing is not None and offering.pricing.output == 2


def test_selection_by_key_and_all(snapshot: Snapshot, folder: Path) -> None:
    changes = plan(snapshot, folder)
    assert "acme/acme-small-2#pricing" in changes.selection(accept=["acme/acme-small-2"])
    assert changes.selection(accept=["all"]) == {c.id for c in changes.changes}
    assert "acme/acme-next" not in changes.selection(reject=["acme/acme-next"])
    with pytest.raises(KeyError):
        changes.selection(accept=["acme/nope"])


def test_a_kept_output_above_a_smaller_new_context_is_dropped(folder: Path) -> None:
    entry = {"litellm_provider": "acme", "mode": "chat", "max_input_tokens": 16_000}
    snapshot = litellm.convert({"acme-large-2": entry}, info())
    change = next(c for c in plan(snapshot, folder).changes if c.id == "acme/acme-large-2#limits")
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("context", 200_000, 16_000),
        ("output", 32_000, None),  # LiteLLM says nothing of it, and 32,000 no longer fits
    ]
    apply(plan(snapshot, folder), folder, frozenset({change.id}))
    limits = load_catalog([folder]).get("acme/acme-large-2").limits  # type: ignore[union-attr]
    assert (limits.context, limits.output) == (16_000, None)
    assert "output left unknown: above the new context" in (limits.source.note or "")
