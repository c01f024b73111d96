"""The import review screen, driven by keys: accept or reject each change, then write."""

from __future__ import annotations

import io
from collections.abc import Collection
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Static

from advisor.maintain.imports import ImportPlan, ImportRequest, plan_import
from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.screens.import_review import ImportReviewScreen, Writer, open_import_review
from catalog import Catalog, InputError, Problem
from tests.catalog.importing import LITELLM, OPENROUTER, TARGET, TODAY
from tests.tui.conftest import settle

HELD = "acme/acme-small-2#pricing"


def fixture_plan(directory: Path = TARGET) -> ImportPlan:
    """The LiteLLM fixture compared with the fixture catalog (planning writes nothing)."""
    request = ImportRequest(
        source="litellm",
        directory=directory,
        layers=[],
        today=TODAY,
        file=LITELLM,
        version="1.0.0-fixture",
    )
    return plan_import(request)


class Recorder:
    """A writer that records what it was asked to write."""

    def __init__(self) -> None:
        self.calls: list[frozenset[str]] = []

    def __call__(self, plan: ImportPlan, chosen: Collection[str]) -> list[Path]:
        self.calls.append(frozenset(chosen))
        return [plan.changes.directory / "acme.yaml"]


def review_app(catalog: Catalog, planner: object, writer: Writer) -> AdvisorApp:
    """The app as `advisor catalog import --review` opens it."""
    app = AdvisorApp(catalog=catalog, today=TODAY, screen="import-review")
    app.add_mode("import-review", lambda: ImportReviewScreen(planner, writer))  # type: ignore[arg-type]
    return app


def screen(app: AdvisorApp) -> ImportReviewScreen:
    assert isinstance(app.screen, ImportReviewScreen)
    return app.screen


def detail(app: AdvisorApp) -> str:
    body = app.screen.query_one("#review-detail-body", Static)
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(body.content)
    return console.export_text()


async def test_every_change_is_a_row_with_the_default_choice(tiny_catalog: Catalog) -> None:
    plan = fixture_plan()
    app = review_app(tiny_catalog, lambda: plan, Recorder())
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#review-changes", DataTable)
        assert table.row_count == len(plan.changes.changes)
        assert screen(app).selected == plan.changes.default_selection()
        assert HELD not in screen(app).selected
        assert str(table.get_cell(HELD, "state")) == "⚑"


async def test_old_and_new_side_by_side_then_accept(tiny_catalog: Catalog) -> None:
    plan = fixture_plan()
    app = review_app(tiny_catalog, lambda: plan, Recorder())
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#review-changes", DataTable)
        table.move_cursor(row=table.get_row_index(HELD))
        await pilot.pause()
        text = detail(app)
        assert "Held: the current values come from https://acme.invalid/pricing" in text
        assert "input" in text and "0.15" in text and "0.2" in text
        assert "(checked 2026-11-01)" in text and "(checked 2026-11-25)" in text  # both sources
        await pilot.press("space")
        await pilot.pause()
        assert HELD in screen(app).selected
        assert str(table.get_cell(HELD, "state")) == "✔"
        assert "accepted: will be written" in detail(app)
        await pilot.press("space")
        assert HELD not in screen(app).selected


async def test_write_asks_then_writes_the_accepted_changes(tiny_catalog: Catalog) -> None:
    plan = fixture_plan()
    writer = Recorder()
    app = review_app(tiny_catalog, lambda: plan, writer)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("a")  # accept all, the held change too
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert writer.calls == [frozenset(c.id for c in plan.changes.changes)]
        assert screen(app).written == [TARGET / "acme.yaml"]
        await pilot.press("w")  # written once: the plan is stale now
        await settle(pilot)
        assert len(writer.calls) == 1


async def test_defaults_and_declining_to_write(tiny_catalog: Catalog) -> None:
    plan = fixture_plan()
    writer = Recorder()
    app = review_app(tiny_catalog, lambda: plan, writer)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("a", "d")
        assert screen(app).selected == plan.changes.default_selection()
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert writer.calls == []


async def test_an_invalid_result_is_reported_not_written(tiny_catalog: Catalog) -> None:
    plan = fixture_plan()

    def refuse(plan: ImportPlan, chosen: Collection[str]) -> list[Path]:
        raise InputError([Problem("acme.yaml", 3, 5, "offerings[0]", "made-up problem")])

    app = review_app(tiny_catalog, lambda: plan, refuse)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DetailDialog)
        assert "would make the catalog invalid" in app.screen.title_text
        assert screen_under(app).written is None


def screen_under(app: AdvisorApp) -> ImportReviewScreen:
    review = app.screen_stack[-2]
    assert isinstance(review, ImportReviewScreen)
    return review


async def test_a_source_that_cannot_be_read_is_shown(tiny_catalog: Catalog) -> None:
    def broken() -> ImportPlan:
        raise InputError([Problem("prices.json", 2, 9, "", "invalid JSON: Expecting value")])

    app = review_app(tiny_catalog, broken, Recorder())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DetailDialog)
        assert app.screen.title_text == "Cannot read the import"


async def test_escape_closes_the_review_opened_on_its_own(tiny_catalog: Catalog) -> None:
    plan = fixture_plan()
    app = review_app(tiny_catalog, lambda: plan, Recorder())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0


async def test_the_palette_entry_asks_for_a_file_and_reviews_it(
    app: AdvisorApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(140, 36)) as pilot:
        open_import_review(app)
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        field = app.screen.query_one("#path")
        field.value = str(OPENROUTER)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        review = screen(app)
        assert review.plan is not None and review.plan.changes.info.importer == "openrouter"
        assert review.plan.changes.changes  # new OpenRouter offerings for the bundled catalog
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ImportReviewScreen)
