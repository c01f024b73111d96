"""Columns a user can read at 80 and 160 columns: the Candidates flags in the README's words
when they fit and in a short form explained on the table's edge when they do not; the keys
legend naming the rows in view when the whole one would be cut; the canary's rollback rule
without a fixed request count."""

from __future__ import annotations

from rich.console import Console
from textual.widgets import Static

from advisor import home
from advisor.present.match import compact_flags, flag_legend, flag_marks
from advisor.tui.app import AdvisorApp
from advisor.tui.widgets.candidate_table import CandidateTable
from advisor.tui.widgets.key_column import EDGE
from advisor.tui.widgets.plan_table import PlanTable
from catalog import Catalog
from tests.tui.conftest import TODAY, WORKLOADS, settle
from tests.tui.test_plan_screen import EXAMPLE

FLAGS = ["needs probe: latency", "needs probe: context", "unverified: cost"]


def test_short_flags_put_a_mark_for_each_kind_and_the_legend_reads_them_back() -> None:
    assert compact_flags(FLAGS, ["old prices"]) == (
        "needs probe: latency, context · unverified: cost · ⚠ 1"
    )
    assert compact_flags(FLAGS, ["old prices"], short=True) == "? latency, context · ~ cost · ⚠ 1"
    assert flag_marks(FLAGS, ["old prices"]) == "?~⚠"
    assert flag_legend("??⚠") == "flags: ? = needs probe · ⚠ = warnings"
    assert flag_legend("") == ""


def candidates_app() -> AdvisorApp:
    return AdvisorApp(
        catalog=home.load_catalog(), workloads_path=EXAMPLE, today=TODAY, screen="candidates"
    )


def flags_column(table: CandidateTable) -> list[str]:
    return [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]


async def test_flags_read_whole_at_160_columns_where_they_fit() -> None:
    app = candidates_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CandidateTable)
        flags = flags_column(table)
        # Short marks when the README's words do not fit, never the words cut after 9 letters.
        assert not any(f.startswith("needs pro…") for f in flags), flags
        assert "? latency" in flags
        assert str(table.border_subtitle).startswith("flags: ? = needs probe")
        assert all(len(line) >= len("? latency") for line in flags if line)


async def test_flags_in_the_words_of_the_readme_where_they_fit(tiny_catalog: Catalog) -> None:
    app = AdvisorApp(
        catalog=tiny_catalog, workloads_path=WORKLOADS, today=TODAY, screen="candidates"
    )
    async with app.run_test(size=(200, 45)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CandidateTable)
        flags = flags_column(table)
        assert any(f.startswith("needs probe: ") for f in flags), flags
        assert all("…" not in f and not f.startswith("? ") for f in flags), flags
        assert "flags:" not in str(table.border_subtitle or "")


async def test_the_legend_at_80_columns_names_the_rows_in_view_and_follows_the_scroll() -> None:
    app = candidates_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CandidateTable)
        first = str(table.border_subtitle)
        assert len(first) <= table.size.width - EDGE, first
        assert "or = openrouter" in first and "goog = google" in first
        assert "mis = mistral" not in first  # no Mistral offering among the first rows
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        later = str(table.border_subtitle)
        assert "mis = mistral" in later, later
        assert len(later) <= table.size.width - EDGE, later


async def test_the_canary_row_points_to_advisor_gate_without_a_fixed_request_count() -> None:
    app = AdvisorApp(
        catalog=home.load_catalog(), workloads_path=EXAMPLE, today=TODAY, screen="plan"
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("c", *"0.05", "enter")
        await pilot.pause()
        table = app.screen.query_one(PlanTable)
        assert table.current is not None and table.current.role.startswith("canary")
        console = Console(width=200, color_system=None)
        with console.capture() as capture:
            console.print(app.screen.query_one("#plan-detail-text", Static).content)
        detail = capture.get()
        rule = next(line for line in detail.splitlines() if "advisor gate" in line)
        assert rule.lstrip().startswith("Judge with `advisor gate`"), rule  # no "after 500 …"
        assert "requests." not in detail, detail
