"""The Workloads screen, driven by keys only: templates, live validation, delete, save, load."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Input, Static

from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.dialogs.template_picker import TemplateDialog
from advisor.tui.screens.candidates import CandidatesScreen
from advisor.tui.screens.workloads import WorkloadsScreen
from advisor.tui.widgets.candidate_table import CandidateTable
from advisor.tui.widgets.workload_form import WorkloadForm
from advisor.tui.widgets.workload_list import WorkloadList
from advisor.workload.model import load_workloads
from catalog import Catalog
from tests.tui.conftest import TODAY, settle


def error_under(app: AdvisorApp, widget_id: str) -> str:
    """The message under a form field ('' when it is hidden)."""
    label = app.screen.query_one(f"#err-{widget_id}", Static)
    return str(label.content) if label.has_class("-shown") else ""


def form_status(app: AdvisorApp) -> str:
    content = app.screen.query_one("#form-status", Static).content
    return Text.from_markup(content).plain if isinstance(content, str) else str(content)


def budget_of(app: AdvisorApp, name: str) -> float | None:
    workload = app.session.get(name)
    assert workload is not None
    return workload.budget.usd_per_1k_requests


def candidate_keys(app: AdvisorApp) -> list[str]:
    table = app.screen.query_one(CandidateTable)
    return [str(key.value) for key in table.rows]


async def test_f3_shows_every_workload_and_the_first_in_the_editor(
    workloads_app: AdvisorApp,
) -> None:
    async with workloads_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        app = workloads_app
        assert isinstance(app.screen, WorkloadsScreen)
        table = app.screen.query_one(WorkloadList)
        assert [str(k.value) for k in table.rows] == ["ticket-triage", "doc-qa"]
        assert table.has_focus
        assert app.screen.query_one("#f-name", Input).value == "ticket-triage"
        assert app.screen.query_one("#f-output-tokens", Input).value == "20"
        await pilot.press("down")
        await pilot.pause()
        assert app.screen.query_one("#f-name", Input).value == "doc-qa"
        assert app.session.selected == "doc-qa"


async def test_create_a_workload_from_a_template_by_keys(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "n")
        await pilot.pause()
        assert isinstance(app.screen, TemplateDialog)
        await pilot.press("down", "down", "down", "down", "down", "down", "enter")  # vision
        await pilot.pause()
        assert isinstance(app.screen, WorkloadsScreen)
        workload = app.session.get("new-vision")
        assert workload is not None and workload.modalities == ["text", "image"]
        name = app.screen.query_one("#f-name", Input)
        assert name.has_focus
        await pilot.press("ctrl+a", "ctrl+k", *"photo-tags")
        await pilot.pause()
        assert app.session.names() == ["photo-tags"]
        assert "applied" in form_status(app)
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, CandidatesScreen)
        assert candidate_keys(app) == ["acme/acme-large-2"]  # the one offering taking images


async def test_an_invalid_value_is_shown_and_not_applied_then_a_valid_one_is(
    workloads_app: AdvisorApp,
) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert set(candidate_keys(app)) == {
            "acme/acme-large-2",
            "acme/acme-small-2",
            "hostel/opal-70b",
        }
        await pilot.press("f3", "enter")  # edit: the cursor is in the name field
        await pilot.press(*["tab"] * 15)  # down to the budget per 1k requests
        budget = app.screen.query_one("#f-budget-usd-per-1k-requests", Input)
        assert budget.has_focus and budget.value == "5"
        await pilot.press("minus", "1")  # the value is selected on focus: typing replaces it
        await pilot.pause()
        assert error_under(app, "f-budget-usd-per-1k-requests") == (
            "must be greater than or equal to 0 (got -1.0)"
        )
        assert "not applied" in form_status(app)
        assert budget_of(app, "ticket-triage") == 5.0
        assert not app.session.dirty

        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert budget_of(app, "ticket-triage") is None  # blank is valid: no budget
        await pilot.press(*"$1")
        await pilot.pause()
        assert error_under(app, "f-budget-usd-per-1k-requests") == ""
        assert "applied · 2 candidates" in form_status(app)
        assert budget_of(app, "ticket-triage") == 1.0
        assert app.session.dirty and "(modified)" in app.sub_title
        await pilot.press("f4")
        await pilot.pause()
        # Acme Large 2 costs $4.80 per 1k requests: over the new budget.
        assert set(candidate_keys(app)) == {"acme/acme-small-2", "hostel/opal-70b"}


async def test_a_check_across_fields_lands_on_the_field_it_names(
    workloads_app: AdvisorApp,
) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "enter", "tab", "tab", "tab")  # largest input
        await pilot.press("ctrl+a", "ctrl+k", *"100")
        await pilot.pause()
        assert error_under(app, "f-max-context-tokens") == (
            "max_context_tokens (100) is below context_tokens (1500)"
        )
        await pilot.press("ctrl+a", "ctrl+k")  # blank: same as the typical input
        await pilot.pause()
        workload = app.session.get("ticket-triage")
        assert workload is not None and workload.max_context_tokens is None


async def test_a_taken_name_is_refused(workloads_app: AdvisorApp) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "enter", *"doc-qa")
        await pilot.pause()
        assert error_under(app, "f-name") == "a workload is already named 'doc-qa'"
        assert app.session.names() == ["doc-q", "doc-qa"]  # each valid keystroke applies
        await pilot.press("minus", "2")
        await pilot.pause()
        assert app.session.names() == ["doc-qa-2", "doc-qa"]
        assert error_under(app, "f-name") == ""


async def test_a_name_that_is_no_alias_says_the_rule_in_words(workloads_app: AdvisorApp) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "enter", "B")
        await pilot.pause()
        assert error_under(app, "f-name") == (
            "should be lowercase letters, digits, '.', '_' and '-', starting with a letter or "
            "digit (e.g. billing-classifier) (got 'B')"
        )
        assert app.session.names() == ["ticket-triage", "doc-qa"]


async def test_checkboxes_and_selects_apply_too(workloads_app: AdvisorApp) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "down", "enter")  # doc-qa
        form = app.screen.query_one(WorkloadForm)
        form.query_one("#m-image").focus()
        await pilot.press("space")
        await pilot.pause()
        workload = app.session.get("doc-qa")
        assert workload is not None and workload.modalities == ["text", "image"]
        form.query_one("#f-determinism").focus()
        await pilot.press("enter", "up", "up", "enter")  # any → strict
        await pilot.pause()
        workload = app.session.get("doc-qa")
        assert workload is not None and workload.determinism == "strict"


async def test_delete_asks_first(workloads_app: AdvisorApp) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.session.names() == ["ticket-triage", "doc-qa"]
        await pilot.press("d", "y")
        await pilot.pause()
        assert app.session.names() == ["doc-qa"]
        assert app.screen.query_one("#f-name", Input).value == "doc-qa"


async def test_save_then_reload_the_file(tiny_catalog: Catalog, workloads_copy: Path) -> None:
    app = AdvisorApp(catalog=tiny_catalog, workloads_path=workloads_copy, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "enter", "tab", "tab", "tab", "tab", "ctrl+a", "ctrl+k", *"64")
        await pilot.press("ctrl+s")  # the opened file: saved without a question
        await settle(pilot)
        assert not app.session.dirty
        saved = load_workloads(workloads_copy)
        assert saved[0].output_tokens == 64
        assert "(modified)" not in app.sub_title

        assert app.screen.query_one("#f-output-tokens", Input).has_focus
        await pilot.press("ctrl+a", "ctrl+k", *"999")  # not saved
        await pilot.pause()
        assert app.session.dirty
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)  # unsaved changes would be lost
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        assert app.screen.query_one(Input).value == str(workloads_copy)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkloadsScreen)
        workload = app.session.get("ticket-triage")
        assert workload is not None and workload.output_tokens == 64
        assert app.screen.query_one("#f-output-tokens", Input).value == "64"


async def test_save_asks_for_a_path_and_before_replacing_another_file(
    app: AdvisorApp, tmp_path: Path
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("# someone else's file\n", encoding="utf-8")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "n", "enter")  # classification
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        await pilot.press("ctrl+a", "ctrl+k", *str(other), "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert other.read_text(encoding="utf-8") == "# someone else's file\n"
        assert app.session.path is None and app.session.dirty

        await pilot.press("ctrl+s", "ctrl+a", "ctrl+k", *str(other), "enter", "y")
        await settle(pilot)
        assert [w.name for w in load_workloads(other)] == ["new-classification"]
        assert app.session.path == other and not app.session.dirty


async def test_a_bad_file_shows_its_problems_and_the_app_still_opens(
    tiny_catalog: Catalog, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("workloads:\n  - name: Not A Slug\n    output_tokens: lots\n", encoding="utf-8")
    app = AdvisorApp(catalog=tiny_catalog, workloads_path=bad, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DetailDialog)
        body = str(app.screen.query_one("#dialog-body", Static).content)
        assert f"{bad}:2:11: workloads[0].name:" in body
        assert f"{bad}:3:20: workloads[0].output_tokens:" in body
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CandidatesScreen)
        assert app.session.workloads == []
        assert app.screen.query_one("#candidates-empty").display


async def test_quit_with_unsaved_changes_asks(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "n", "enter")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, WorkloadsScreen)
        assert app.is_running


async def test_going_back_to_the_old_value_clears_the_complaint(
    workloads_app: AdvisorApp,
) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "enter", "tab", "tab", "tab", "tab", "end", "x")  # 20x
        await pilot.pause()
        assert "not applied" in form_status(app)
        await pilot.press("backspace")
        await pilot.pause()
        assert form_status(app) == "" and error_under(app, "f-output-tokens") == ""
        assert not app.session.dirty
