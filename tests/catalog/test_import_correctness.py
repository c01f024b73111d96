"""Importers against the bundled catalog: no lifecycle regression without acceptance, no
copied-window output limits, and an input cap never read as a smaller window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from catalog import BUNDLED_DIR, Catalog, load_catalog
from catalog.importers import (
    IMPORTERS,
    ChangeSet,
    Snapshot,
    plan_changes,
    read_import_folder,
    read_snapshot,
)
from catalog.importers import litellm as litellm_importer
from catalog.lint import LintConfig, lint_catalog

SOURCES = Path(__file__).parent / "data" / "sources"
MODELSDEV = SOURCES / "modelsdev_api_subset.json"
OPENROUTER = SOURCES / "openrouter_models_subset.json"
TODAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def litellm_snapshot() -> Snapshot:
    path = litellm_importer.bundled_file()
    assert path is not None, "make test installs litellm"
    return read_snapshot("litellm", path, imported=TODAY)


def changes(name: str, path: Path, bundled: Catalog) -> ChangeSet:
    snapshot = read_snapshot(name, path, imported=TODAY)
    target = read_import_folder(bundled, BUNDLED_DIR)
    return plan_changes(snapshot, target, ref_prefix=IMPORTERS[name].ref_prefix)


def test_retired_offerings_are_not_moved_back_without_acceptance(bundled: Catalog) -> None:
    plan = changes("models.dev", MODELSDEV, bundled)
    for key in ("anthropic/claude-3-7-sonnet-20250219", "google/gemini-2.0-flash"):
        life = [c for c in plan.changes if c.key == key and c.block == "lifecycle"]
        assert life, key  # models.dev says deprecated where the catalog says retired
        assert all(c.held and "back to" in c.held for c in life), life
        assert not {c.id for c in life} & plan.default_selection()
        assert {c.id for c in life} <= plan.selection(accept=[f"{key}#lifecycle"])


@pytest.mark.parametrize("name, path", [("models.dev", MODELSDEV), ("openrouter", OPENROUTER)])
def test_no_source_gives_an_output_limit_copied_from_the_window(name: str, path: Path) -> None:
    snapshot = read_snapshot(name, path, imported=TODAY)
    copied = [o for o in snapshot.offerings if "copied value" in (o.limits.source.note or "")]
    assert copied  # the excerpts hold such entries (Mistral, Granite)
    for offering in snapshot.offerings:
        limits = offering.limits
        assert limits.output is None or limits.output not in (limits.context, limits.input)


def test_an_input_cap_is_not_proposed_as_a_smaller_window(
    bundled: Catalog, litellm_snapshot: Snapshot
) -> None:
    snapshot = litellm_snapshot
    target = read_import_folder(bundled, BUNDLED_DIR)
    plan = plan_changes(snapshot, target, ref_prefix="litellm ", only=["openai/gpt-5*"])
    for change in plan.changes:
        if change.block == "limits":
            assert "context" not in {f.field for f in change.fields}, change


def test_lint_with_three_sources_reads_input_caps_as_caps(
    bundled: Catalog, litellm_snapshot: Snapshot
) -> None:
    references = [
        litellm_snapshot,
        read_snapshot("models.dev", MODELSDEV, imported=TODAY),
        read_snapshot("openrouter", OPENROUTER, imported=TODAY),
    ]
    problems = lint_catalog(bundled, LintConfig(today=TODAY), references)
    capped = {(str(path), i) for path, i in _offerings_with_an_input_cap()}
    assert capped
    window = [
        p
        for p in problems
        if p.field.endswith(("limits.context", "limits.input"))
        and (p.path, int(p.field.split("[")[1].split("]")[0])) in capped
    ]
    # LiteLLM states only max_input_tokens, an input cap (GPT-5: 272,000 within 400,000)
    assert window == []


def _offerings_with_an_input_cap() -> list[tuple[Path, int]]:
    out = []
    for path in sorted(BUNDLED_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for index, item in enumerate(data.get("offerings") or []):
            if (item.get("limits") or {}).get("input") is not None:
                out.append((path, index))
    return out
