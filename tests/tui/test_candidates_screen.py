"""The Candidates screen, driven by keys only: ranking, exclusions, detail, pins, compare."""

from __future__ import annotations

import io
import re

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Select, Static, TabbedContent

from advisor.session import Session
from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.dialogs.template_picker import TemplateDialog
from advisor.tui.screens.candidates import CandidatesScreen
from advisor.tui.screens.compare import CompareScreen
from advisor.tui.widgets.candidate_table import CandidateTable, ExclusionTable
from advisor.workload.model import Workload
from catalog import BUNDLED_DIR, load_catalog
from tests.tui.conftest import TODAY, settle


def text(renderable: RenderableType, width: int = 100) -> str:
    """A renderable as plain text."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def static_text(app: AdvisorApp, selector: str, width: int = 100) -> str:
    """What a Static shows, as plain text."""
    content = app.screen.query_one(selector, Static).content
    assert isinstance(content, Group | Table | Text)  # what these panes are given
    return text(content, width)


def keys(table: CandidateTable | ExclusionTable) -> list[str]:
    return [str(key.value) for key in table.rows]


def screen(app: AdvisorApp) -> CandidatesScreen:
    assert isinstance(app.screen, CandidatesScreen)
    return app.screen


async def test_opening_a_file_shows_the_first_workloads_ranked_candidates(
    workloads_app: AdvisorApp,
) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        s = screen(app)
        expected = [c.offering.key for c in app.session.result("ticket-triage").candidates]
        assert keys(s.candidate_table) == expected and len(expected) == 3
        assert s.candidate_table.has_focus
        assert s.query_one("#workload-select", Select).value == "ticket-triage"
        tabs = s.query_one(TabbedContent)
        assert str(tabs.get_tab("tab-candidates").label) == "Candidates (3)"
        assert str(tabs.get_tab("tab-excluded").label) == "Excluded (3)"
        first = s.candidate_table.get_row_at(0)
        assert str(first[1]).strip() == "1" and str(first[2]) == expected[0]


async def test_brackets_cycle_through_workloads(workloads_app: AdvisorApp) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        s = screen(app)
        assert app.session.selected == "doc-qa"
        assert s.query_one("#workload-select", Select).value == "doc-qa"
        assert keys(s.candidate_table) == ["acme/acme-large-2", "acme/acme-small-2"]
        await pilot.press("right_square_bracket")  # wraps around
        await pilot.pause()
        assert app.session.selected == "ticket-triage"
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.session.selected == "doc-qa"


async def test_the_detail_pane_breaks_the_score_down_and_shows_the_cost(
    workloads_app: AdvisorApp,
) -> None:
    app = workloads_app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        top = app.session.result("ticket-triage").candidates[0]
        detail = static_text(app, "#candidate-detail-body")
        assert f"#1 {top.offering.key}" in detail
        for part in top.components:
            assert f"{part.name} " in detail
            assert f"{part.points:.3f}" in detail
        assert f"{top.score:.3f}" in detail
        assert "a request" in detail and "per 1k" in detail and "a month" in detail
        assert "prices checked 2026-" in detail
        assert "needs probe: structured_output" in detail
        await pilot.press("down")
        await pilot.pause()
        second = app.session.result("ticket-triage").candidates[1]
        assert f"#2 {second.offering.key}" in static_text(app, "#candidate-detail-body")


async def test_excluded_tab_lists_every_reason_and_enter_opens_them(
    workloads_app: AdvisorApp,
) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        s = screen(app)
        assert s.active_tab == "excluded" and s.exclusion_table.has_focus
        assert keys(s.exclusion_table) == [
            "acme/acme-large-1",
            "acme/acme-small-1",
            "hostel/opal-70b:free",
        ]
        detail = static_text(app, "#candidate-detail-body")
        assert re.search(r"• lifecycle +shuts down 2027-02-01, within 90 days", detail)
        assert re.search(
            r"• budget +costs \$12\.48 per 1k requests, over the \$5\.00 budget", detail
        )

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailDialog)
        body = static_text(app, "#dialog-body")
        assert "excluded because:" in body
        assert "shuts down 2027-02-01" in body and "over the $5.00 budget" in body
        assert "Acme Large 1" in body  # and every trait of the offering below
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert screen(app).active_tab == "candidates"


async def test_space_pins_a_candidate_for_probing(workloads_app: AdvisorApp) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        s = screen(app)
        first, second = keys(s.candidate_table)[:2]
        await pilot.press("space", "down", "space")
        await pilot.pause()
        assert app.session.pinned("ticket-triage") == (first, second)
        assert str(s.candidate_table.get_row_at(0)[0]).startswith("●")
        assert "● pinned" in static_text(app, "#candidate-detail-body")
        assert "● 2 pinned" in static_text(app, "#candidates-summary")
        await pilot.press("space")
        await pilot.pause()
        assert app.session.pinned("ticket-triage") == (first,)
        assert not app.session.dirty  # pins are for probing, not part of the file


async def test_compare_two_offerings_side_by_side(workloads_app: AdvisorApp) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        s = screen(app)
        first, second, _ = keys(s.candidate_table)
        await pilot.press("c", "v")  # one marked is not enough
        await pilot.pause()
        assert isinstance(app.screen, CandidatesScreen)
        await pilot.press("down", "c", "v")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert [c.offering.key for c in app.screen.candidates] == [first, second]
        header = static_text(app, "#compare-header", width=160)
        assert first in header and second in header
        table = static_text(app, "#compare-table", width=160)
        for label in ("score", "$ per 1k", "context", "max output", "tools / parallel",
                      "temp / seed", "status", "task_fit"):  # fmt: skip
            assert label in table
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CandidatesScreen)
        await pilot.press("c")  # unmark the second: compare is refused again
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, CandidatesScreen)


async def test_compare_holds_at_most_four() -> None:
    session_catalog = load_catalog([BUNDLED_DIR])
    app = AdvisorApp(catalog=session_catalog, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.add(Workload(name="plain"))
        await pilot.press("f4")
        await pilot.pause()
        s = screen(app)
        await pilot.press(*["c", "down"] * 5)
        await pilot.pause()
        assert len(s.compared) == 4
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert len(app.screen.candidates) == 4


async def test_without_workloads_the_screen_says_how_to_get_some(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        s = screen(app)
        assert s.query_one("#candidates-empty").display
        assert not s.query_one("#candidates-body").display
        await pilot.press("e", "v", "space", "c", "right_square_bracket")  # nothing to act on
        await pilot.pause()
        assert isinstance(app.screen, CandidatesScreen)


async def test_done_when_by_keyboard_alone(app: AdvisorApp) -> None:
    """Create a workload from a template, see its candidates, open the exclusion reasons,
    compare two offerings side by side."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "n")
        await pilot.pause()
        assert isinstance(app.screen, TemplateDialog)
        await pilot.press("down", "down", "down", "enter")  # chat
        await pilot.press(*"support-bot", "f4")
        await pilot.pause()
        s = screen(app)
        assert app.session.names() == ["support-bot"]
        result = app.session.result("support-bot")
        assert keys(s.candidate_table) == [c.offering.key for c in result.candidates]
        assert len(result.candidates) >= 2

        await pilot.press("e", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailDialog)
        assert "excluded because:" in static_text(app, "#dialog-body")
        await pilot.press("escape", "e", "c", "down", "c", "v")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert [c.offering.key for c in app.screen.candidates] == [
            c.offering.key for c in result.candidates[:2]
        ]


async def test_a_change_elsewhere_shows_when_the_screen_returns(
    workloads_app: AdvisorApp,
) -> None:
    app = workloads_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        session: Session = app.session
        await pilot.press("f3")
        await pilot.pause()
        workload = session.get("ticket-triage")
        assert workload is not None
        session.replace(
            "ticket-triage", workload.model_copy(update={"modalities": ["text", "image"]})
        )
        await pilot.press("f4")
        await pilot.pause()
        assert keys(screen(app).candidate_table) == ["acme/acme-large-2"]
