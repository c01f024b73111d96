"""Offering keys in the TUI's tables, by the one rule of `advisor.columns`, as the CLI shows them.

Whole keys when they fit the room the table gives them; otherwise every key of the table is
shortened by its provider (`openrouter/…` → `or/…`) and the table's bottom edge carries the
same `keys:` legend the CLI prints under its tables (only the abbreviations of the rows in
view when the whole legend is wider than the table). A key that is still too long is cut in its
middle as a last resort (the TUI has no list-of-records form; the detail pane shows it whole).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from textual.widget import Widget
from textual.widgets import DataTable

from advisor.columns import legend, short_key

LEGEND_CLASS = "-short-keys"
"""Set on a table whose keys are shortened: its bottom edge shows the legend."""


def middle_ellipsis(text: str, width: int) -> str:
    """Shorten from the middle: ids differ at their ends (…-001, …:free), not their starts."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


@dataclass(frozen=True)
class KeyFit:
    """How a table shows its keys: shortened or not, in a column of `width`."""

    short: bool
    width: int

    def shown(self, key: str) -> str:
        """The key as the table shows it."""
        return short_key(key) if self.short else key

    def cell(self, key: str) -> str:
        """The key as the table shows it, cut to the column if it must be."""
        return middle_ellipsis(self.shown(key), self.width)


def fit_keys(keys: Sequence[str], room: int, least: int) -> KeyFit:
    """The key column for `keys`: at most `room` wide (when `least` allows), at least `least`;
    keys are shortened when a whole one would not fit."""
    longest = max(map(len, keys), default=0)
    short = bool(keys) and longest > room
    if short:
        longest = max((len(short_key(key)) for key in keys), default=0)
    return KeyFit(short, max(least, min(longest, room)))


def legend_text(keys: Iterable[str], fit: KeyFit) -> str:
    """'keys: or = openrouter · ant = anthropic', or '' when no key was shortened."""
    text = legend(keys) if fit.short else ""
    return f"keys: {text}" if text else ""


MarkLegend = Callable[[str], str]
"""Explains the marks of a column's short form (given all the marks in view), or ''."""

EDGE = 3
"""Columns of a table's bottom edge its legend cannot use: its corners and one to end on."""

_shown: WeakKeyDictionary[Widget, tuple[list[str], KeyFit, list[str], MarkLegend]] = (
    WeakKeyDictionary()
)
"""What each table's legend is made from, to remake it as the table scrolls."""


def show_legend(
    table: Widget,
    keys: Iterable[str],
    fit: KeyFit,
    marks: Sequence[str] = (),
    mark_legend: MarkLegend = lambda _: "",
) -> None:
    """Put the legend of `fit` on `table`'s bottom edge, or take it away; `marks` are the
    short-form marks each row uses, which `mark_legend` explains before the keys. `keys`
    (and `marks`) are the rows' in row order: when the whole legend is wider than the edge,
    it explains only the rows in view, and follows the table as it scrolls."""
    if table not in _shown:
        table.watch(table, "scroll_y", lambda: _draw_legend(table), init=False)
    _shown[table] = (list(keys), fit, list(marks), mark_legend)
    _draw_legend(table)
    # Again once laid out: the legend's own edge takes a row from the rows in view.
    table.call_after_refresh(_draw_legend, table)


def _draw_legend(table: Widget) -> None:
    keys, fit, marks, mark_legend = _shown[table]
    text = _legend_line(keys, fit, marks, mark_legend)
    if (
        len(text) > table.size.width - EDGE
        and isinstance(table, DataTable)
        and len(keys) == table.row_count
    ):
        first = round(table.scroll_y)
        last = first + max(1, table.scrollable_content_region.height - 1)  # less the header
        text = _legend_line(keys[first:last], fit, marks[first:last], mark_legend)
    table.border_subtitle = text or None
    table.set_class(bool(text), LEGEND_CLASS)


def _legend_line(
    keys: Sequence[str], fit: KeyFit, marks: Sequence[str], mark_legend: MarkLegend
) -> str:
    parts = (mark_legend("".join(marks)), legend_text(keys, fit))
    return " · ".join(part for part in parts if part)
