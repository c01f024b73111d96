"""Offering keys in the TUI's tables follow the CLI's rule: whole when they fit, else shortened
by their provider (`or/…`) with a `keys:` legend on the table's bottom edge."""

from __future__ import annotations

from pathlib import Path

from advisor import home
from advisor.columns import short_key
from advisor.tui.app import AdvisorApp
from advisor.tui.widgets.candidate_table import CandidateTable
from advisor.tui.widgets.key_column import LEGEND_CLASS, fit_keys, legend_text
from advisor.tui.widgets.plan_table import PlanTable
from advisor.tui.widgets.probe_progress import target_progress
from tests.tui.conftest import TODAY, settle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workloads.yaml"
LONG = "openrouter/meta-llama/llama-3.1-8b-instruct"


def test_keys_are_whole_when_they_fit_and_shortened_together_when_one_does_not() -> None:
    keys = [LONG, "google/gemma-3-27b-it"]
    whole = fit_keys(keys, room=60, least=10)
    assert (whole.short, whole.width) == (False, len(LONG))
    assert legend_text(keys, whole) == ""
    short = fit_keys(keys, room=40, least=10)
    assert (short.short, short.width) == (True, len(short_key(LONG)))
    assert [short.cell(k) for k in keys] == [short_key(LONG), "goog/gemma-3-27b-it"]
    assert legend_text(keys, short) == "keys: or = openrouter · goog = google"
    # Cut in the middle only when even the short form does not fit.
    assert fit_keys(keys, room=20, least=10).cell(LONG) == "or/meta-l…b-instruct"
    assert fit_keys([], room=-5, least=10).short is False


def test_probe_progress_shortens_keys_with_the_legend_under_the_rows() -> None:
    from rich.console import Console

    console = Console(width=60, color_system=None)
    with console.capture() as capture:
        console.print(target_progress({LONG: 2}, {LONG: 14, "google/gemma-3-27b-it": 14}, 60))
    text = capture.get()
    assert "or/meta-llama/" in text and "openrouter/" not in text
    assert text.rstrip().endswith("keys: or = openrouter · goog = google")


async def test_plan_at_80_columns_shortens_keys_by_provider_with_a_legend() -> None:
    app = AdvisorApp(
        catalog=home.load_catalog(), workloads_path=EXAMPLE, today=TODAY, screen="plan"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(PlanTable)
        keys = [r.what for r in table.plan_rows if not r.prose]
        assert any(k.startswith("openrouter/") for k in keys)
        shown = [str(table.get_row(r.key)[1]) for r in table.plan_rows if not r.prose]
        assert shown == [short_key(k) for k in keys]  # whole short keys, nothing cut
        assert table.has_class(LEGEND_CLASS)
        assert str(table.border_subtitle).startswith("keys: or = openrouter")
        await pilot.resize_terminal(160, 45)
        await pilot.pause()
        shown = [str(table.get_row(r.key)[1]) for r in table.plan_rows if not r.prose]
        assert shown == keys  # room for whole keys: no legend
        assert not table.has_class(LEGEND_CLASS) and not table.border_subtitle


async def test_candidates_at_80_columns_carry_the_legend() -> None:
    app = AdvisorApp(
        catalog=home.load_catalog(), workloads_path=EXAMPLE, today=TODAY, screen="candidates"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CandidateTable)
        first = str(table.get_row_at(0)[2])
        assert not first.startswith("openrouter/")
        assert "keys: " in str(table.border_subtitle)  # after the flags' marks, if any
        assert "or = openrouter" in str(table.border_subtitle)


async def test_sample_columns_of_one_provider_stay_apart_at_80_columns() -> None:
    from textual.app import App, ComposeResult

    from advisor.present.probe import SampleComparison
    from advisor.tui.widgets.probe_tables import SamplesCompareTable

    keys = [
        "google/gemma-3-27b-it",
        LONG,
        "openrouter/meta-llama/llama-4-scout",
    ]

    class Harness(App[None]):
        def compose(self) -> ComposeResult:
            yield SamplesCompareTable()

    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(SamplesCompareTable)
        table.show(SampleComparison(keys, ["a"], [{}]))
        await pilot.pause()
        labels = [str(c.label) for c in table.columns.values()][2:]
        widths = [c.width for c in table.columns.values()][2:]
        assert all(len(label) <= width for label, width in zip(labels, widths, strict=True))
        assert len(set(labels)) == 3  # no two headers read the same
        assert labels[1].startswith("or/") and labels[1].endswith("instruct")
        assert str(table.border_subtitle) == "keys: goog = google · or = openrouter"
