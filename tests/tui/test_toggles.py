"""Checkbox, radio and selection-list state reads without colour: `X`/`●` on, blank off."""

from __future__ import annotations

from textual.app import App, ComposeResult

from advisor.tui.widgets.toggles import StateCheckbox, StateRadioButton, StateSelectionList


class Toggles(App[None]):
    def compose(self) -> ComposeResult:
        yield StateCheckbox("on", value=True, id="on")
        yield StateCheckbox("off", id="off")
        yield StateRadioButton("chosen", value=True, id="chosen")
        yield StateRadioButton("other", id="other")
        yield StateSelectionList(("a", "a", True), ("b", "b", False), id="list")


async def test_state_shows_in_the_characters() -> None:
    app = Toggles()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert app.query_one("#on", StateCheckbox)._button.plain == "▐X▌"
        assert app.query_one("#off", StateCheckbox)._button.plain == "▐ ▌"
        assert app.query_one("#chosen", StateRadioButton)._button.plain == "▐●▌"
        assert app.query_one("#other", StateRadioButton)._button.plain == "▐ ▌"
        selection = app.query_one("#list", StateSelectionList)
        lines = [selection.render_line(y).text for y in range(2)]
        assert lines[0].startswith("▐X▌ a") and lines[1].startswith("▐ ▌ b")
