"""Checkboxes, radio buttons and selection lists whose state shows without colour: `X` (or `●`)
when on, blank when off, as well as Textual's colours."""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton

OFF = " "
"""The inside of a button that is off."""


def _button(widget: ToggleButton, inner: str) -> Content:
    button = widget.get_visual_style("toggle--button")
    side = button.__class__(foreground=button.background, background=widget.background_colors[1])
    return Content.assemble(
        (widget.BUTTON_LEFT, side), (inner, button), (widget.BUTTON_RIGHT, side)
    )


class StateCheckbox(Checkbox):
    """A checkbox that shows `X` only when checked."""

    @property
    def _button(self) -> Content:
        return _button(self, self.BUTTON_INNER if self.value else OFF)


class StateRadioButton(RadioButton):
    """A radio button that shows `●` only when chosen."""

    @property
    def _button(self) -> Content:
        return _button(self, self.BUTTON_INNER if self.value else OFF)


class StateSelectionList(SelectionList[str]):
    """A selection list whose unselected entries show an empty box."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        meta = segments[1].style.meta if segments[1].style else {}
        index = meta.get("option")
        if index is None or self.get_option_at_index(index).value in self.selected:
            return strip
        segments[1] = Segment(OFF, segments[1].style)
        return Strip(segments, strip.cell_length)
