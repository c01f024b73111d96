"""The session the TUI's screens share: workloads, cached results, pins, and saving files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from advisor.session import Session, WouldOverwrite
from advisor.workload.model import Workload, load_workloads
from catalog import Catalog, InputError
from catalog.files import CannotWrite

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "workloads.yaml"
DATA = ROOT / "tests" / "data" / "workloads"
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def session(tiny_catalog: Catalog) -> Session:
    s = Session(tiny_catalog, today=TODAY)
    s.load(EXAMPLE)
    return s


def test_load_selects_the_first_workload_and_is_clean(session: Session) -> None:
    assert session.names()[:2] == ["billing-classifier", "support-chat"]
    assert session.selected == "billing-classifier"
    assert session.current() == session.get("billing-classifier")
    assert session.path == EXAMPLE and not session.dirty


def test_a_bad_file_raises_and_changes_nothing(session: Session, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("workloads:\n  - name: Bad Name\n", encoding="utf-8")
    version = session.version
    with pytest.raises(InputError) as caught:
        session.load(bad)
    assert str(caught.value.problems[0]).startswith(f"{bad}:2:")
    assert session.path == EXAMPLE and len(session.workloads) == 5
    assert session.version == version


def test_results_are_cached_until_the_workload_changes(session: Session) -> None:
    first = session.result("brainstorm")
    assert session.result("brainstorm") is first
    assert first.today == TODAY
    workload = session.get("brainstorm")
    assert workload is not None
    session.replace("brainstorm", workload.model_copy(update={"output_tokens": 20_000}))
    again = session.result("brainstorm")
    assert again is not first
    assert {c.offering.key for c in again.candidates} < {c.offering.key for c in first.candidates}
    with pytest.raises(KeyError):
        session.result("nope")


def test_replacing_with_an_equal_workload_is_no_change(session: Session) -> None:
    version = session.version
    workload = session.get("brainstorm")
    assert workload is not None
    session.replace("brainstorm", workload.model_copy())
    assert session.version == version and not session.dirty


def test_renaming_carries_pins_and_selection(session: Session) -> None:
    session.selected = "brainstorm"
    assert session.toggle_pin("brainstorm", "acme/acme-large-2") is True
    workload = session.get("brainstorm")
    assert workload is not None
    session.replace("brainstorm", workload.model_copy(update={"name": "ideas"}))
    assert session.names()[2] == "ideas"
    assert session.pinned("ideas") == ("acme/acme-large-2",)
    assert session.pinned("brainstorm") == ()
    assert session.selected == "ideas" and session.dirty


def test_names_stay_unique(session: Session) -> None:
    workload = session.get("brainstorm")
    assert workload is not None
    with pytest.raises(ValueError, match="already named"):
        session.replace("brainstorm", workload.model_copy(update={"name": "support-chat"}))
    with pytest.raises(ValueError, match="already named"):
        session.add(Workload(name="support-chat"))
    with pytest.raises(KeyError):
        session.replace("nope", workload)
    assert session.unique_name("fresh") == "fresh"
    assert session.unique_name("brainstorm") == "brainstorm-2"
    session.add(Workload(name="brainstorm-2"))
    assert session.unique_name("brainstorm") == "brainstorm-3"
    assert session.selected == "brainstorm-2"


def test_removing_selects_the_next_one_and_drops_its_pins(session: Session) -> None:
    session.selected = "brainstorm"
    session.toggle_pin("brainstorm", "hostel/opal-70b")
    session.remove("brainstorm")
    assert "brainstorm" not in session.names()
    assert session.selected == "invoice-extraction"
    session.add(Workload(name="brainstorm"))
    assert session.pinned("brainstorm") == ()
    session.remove("brainstorm")  # the last one: its neighbour is the one before
    assert session.selected == "nightly-digest"


def test_pins_toggle_and_do_not_make_the_file_dirty(session: Session) -> None:
    assert session.toggle_pin("support-chat", "a/x") is True
    assert session.toggle_pin("support-chat", "b/y") is True
    assert session.pinned("support-chat") == ("a/x", "b/y")
    assert session.toggle_pin("support-chat", "a/x") is False
    assert session.pinned("support-chat") == ("b/y",)
    assert not session.dirty
    with pytest.raises(KeyError):
        session.toggle_pin("nope", "a/x")


def test_save_round_trips_and_writes_only_what_differs_from_defaults(
    session: Session, tmp_path: Path
) -> None:
    target = tmp_path / "out.yaml"
    session.save(target, overwrite=False)
    assert session.path == target and not session.dirty
    text = target.read_text(encoding="utf-8")
    assert text.startswith("workloads:\n  - name: billing-classifier\n    task: classification\n")
    assert "\n\n  - name: support-chat\n" in text  # workloads parted by a blank line
    assert "    latency: {ttft_p95_ms: 800, e2e_p95_ms: 1200}\n" in text
    assert "open_weights" not in text and "weights" not in text and "reasoning" not in text
    assert load_workloads(target) == load_workloads(EXAMPLE)


def test_file_references_are_kept_and_follow_the_file(
    tiny_catalog: Catalog, tmp_path: Path
) -> None:
    for name in ("with-paths.yaml", "schema.json", "samples.jsonl"):
        shutil.copy(DATA / name, tmp_path / name)
    session = Session(tiny_catalog)
    session.load(tmp_path / "with-paths.yaml")
    original = session.workloads
    session.save()
    text = (tmp_path / "with-paths.yaml").read_text(encoding="utf-8")
    assert "response_schema: schema.json\n" in text and "samples: samples.jsonl\n" in text

    elsewhere = tmp_path / "sub" / "copy.yaml"
    session.save(elsewhere)
    text = elsewhere.read_text(encoding="utf-8")
    assert "response_schema: ../schema.json\n" in text
    assert load_workloads(elsewhere) == original
    session.save()  # the references now point from the new place
    assert "samples: ../samples.jsonl\n" in elsewhere.read_text(encoding="utf-8")


def test_a_changed_referenced_value_is_written_inline(
    tiny_catalog: Catalog, tmp_path: Path
) -> None:
    for name in ("with-paths.yaml", "schema.json", "samples.jsonl"):
        shutil.copy(DATA / name, tmp_path / name)
    session = Session(tiny_catalog)
    session.load(tmp_path / "with-paths.yaml")
    schema = {"type": "object"}
    workload = session.workloads[0]
    session.replace("labeller", workload.model_copy(update={"response_schema": schema}))
    session.save()
    (reloaded,) = load_workloads(tmp_path / "with-paths.yaml")
    assert reloaded.response_schema == schema
    assert reloaded.sample_list == workload.sample_list


def test_save_never_replaces_a_file_that_was_not_opened(session: Session, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("keep me\n", encoding="utf-8")
    assert session.needs_confirmation(other)
    with pytest.raises(WouldOverwrite):
        session.save(other)
    assert other.read_text(encoding="utf-8") == "keep me\n"
    session.save(other, overwrite=True)
    assert load_workloads(other) == session.workloads
    assert not session.needs_confirmation(other)  # now it is the session's own file
    session.save()


def test_save_is_atomic(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.yaml"
    session.save(target)
    before = target.read_text(encoding="utf-8")
    workload = session.workloads[0]
    session.replace(workload.name, workload.model_copy(update={"output_tokens": 11}))

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(CannotWrite, match="disk full"):
        session.save()
    assert target.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yaml"]  # no temporary left
    assert session.dirty


def test_save_needs_a_path_and_a_workload(tiny_catalog: Catalog, tmp_path: Path) -> None:
    session = Session(tiny_catalog)
    session.add(Workload(name="only"))
    with pytest.raises(ValueError, match="no file"):
        session.save()
    session.remove("only")
    with pytest.raises(ValueError, match="at least one"):
        session.save(tmp_path / "empty.yaml")
    assert not (tmp_path / "empty.yaml").exists()


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(
    session: Session, tmp_path: Path
) -> None:
    old_mask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.yaml"
        session.save(fresh)
        assert fresh.stat().st_mode & 0o777 == 0o644
        fresh.chmod(0o600)
        session.save()
        assert fresh.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old_mask)


@pytest.fixture
def opened_copy(tiny_catalog: Catalog, tmp_path: Path) -> tuple[Session, Path, str]:
    """A session on a copy of the example file (with its sample files), and its text."""
    for item in EXAMPLE.parent.iterdir():
        if item.is_file():
            shutil.copy(item, tmp_path / item.name)
    path = tmp_path / EXAMPLE.name
    s = Session(tiny_catalog, today=TODAY)
    s.load(path)
    return s, path, path.read_text(encoding="utf-8")


def test_saving_an_unedited_file_leaves_it_byte_for_byte(
    opened_copy: tuple[Session, Path, str],
) -> None:
    session, path, text = opened_copy
    session.save()
    assert path.read_text(encoding="utf-8") == text


def test_editing_one_field_changes_only_its_line(opened_copy: tuple[Session, Path, str]) -> None:
    session, path, text = opened_copy
    first = session.workloads[0]
    session.replace(first.name, first.model_copy(update={"output_tokens": 12}))
    session.save()
    before, after = text.splitlines(), path.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("    output_tokens: 10", "    output_tokens: 12")]
    assert after[0].startswith("#")  # the comments stay


def test_editing_a_nested_value_keeps_the_rest_of_its_mapping(
    opened_copy: tuple[Session, Path, str],
) -> None:
    session, path, text = opened_copy
    first = session.workloads[0]
    latency = first.latency.model_copy(update={"e2e_p95_ms": 1500})
    session.replace(first.name, first.model_copy(update={"latency": latency}))
    session.save()
    before, after = text.splitlines(), path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            "    latency: {ttft_p95_ms: 800, e2e_p95_ms: 1200}",
            "    latency: {ttft_p95_ms: 800, e2e_p95_ms: 1500}",
        )
    ]
    assert "budget: {usd_per_1k_requests: 0.50}" in after[13]  # 0.50 as written
