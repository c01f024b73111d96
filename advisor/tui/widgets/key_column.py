"""Offering keys in the TUI's tables, by the one rule of `advisor.columns`, as the CLI shows them.

Whole keys when they fit the room the table gives them; otherwise every key of the table is
shortened by its provider (`openrouter/…` → `or/…`) and the table's bottom edge carries the
same `keys:` legend the CLI prints under its tables. A key that is still too long is cut in its
middle as a last resort (the TUI has no list-of-records form; the detail pane shows it whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual.widget import Widget

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


def show_legend(table: Widget, keys: Iterable[str], fit: KeyFit) -> None:
    """Put the legend of `fit` on `table`'s bottom edge, or take it away."""
    text = legend_text(keys, fit)
    table.border_subtitle = text or None
    table.set_class(bool(text), LEGEND_CLASS)
