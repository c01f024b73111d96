"""The one table layout rule of both front ends, on plain strings (no Rich, no Textual).

Given a table's columns, its rows and the width it may take:

1. Columns without data (every cell `None`) are hidden: a probe kind that did not run takes
   no room.
2. If the rest does not fit, offering keys are shortened by one rule a user can read back:
   the provider part becomes its abbreviation (`openrouter/…` → `or/…`), and a legend line
   lists the abbreviations used. Keys are never cut or folded otherwise.
3. If it still does not fit, the table becomes a list of records: each row's key on a line
   of its own, then its other cells as `header value` pairs.

The offering column is never dropped. The CLI's Rich tables (`advisor.present.layout`) and the
TUI's data tables apply the same `fit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Cell = str | None
"""A cell's plain text; `None` when there is no data (shown as `–`)."""

NO_DATA = "–"
"""How a cell without data is shown."""

GAP = 2
"""Columns between two cells of a row."""

PROVIDER_ABBREVIATIONS = {
    "anthropic": "ant",
    "deepseek": "ds",
    "google": "goog",
    "groq": "groq",
    "local-vllm": "vllm",
    "mistral": "mis",
    "openai": "oai",
    "openrouter": "or",
    "together": "tog",
    "vertex": "vtx",
    "xai": "xai",
}
"""Short forms of provider ids, used only when a table would not fit otherwise."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, and how its cells behave when space is short."""

    header: str
    right: bool = False
    """Numbers align right."""
    key: bool = False
    """The offering column: never dropped, never cut, shortened only by `short_key`."""
    wrap: int = 0
    """Free text that may wrap, down to this many columns; 0 for cells kept on one line."""


def short_key(key: str) -> str:
    """'openrouter/meta-llama/llama-3.1-8b-instruct' → 'or/meta-llama/llama-3.1-8b-instruct'.

    Only the provider part (before the first '/') changes, so the model id reads as in the
    catalog; a provider without a known abbreviation keeps its id."""
    provider, sep, rest = key.partition("/")
    if not sep:
        return key
    return f"{PROVIDER_ABBREVIATIONS.get(provider, provider)}/{rest}"


def legend(keys: Iterable[str]) -> str:
    """'or = openrouter · ant = anthropic' for the abbreviations `short_key` used on `keys`."""
    used: dict[str, str] = {}
    for key in keys:
        provider, sep, _ = key.partition("/")
        short = PROVIDER_ABBREVIATIONS.get(provider, provider)
        if sep and short != provider:
            used[short] = provider
    return " · ".join(f"{short} = {provider}" for short, provider in used.items())


@dataclass(frozen=True)
class Fit:
    """How a table is shown at a given width."""

    shown: list[int]
    """Indices of the columns shown, in order."""
    short_keys: bool
    """Whether key cells go through `short_key` (say so with `legend`)."""
    records: bool
    """Whether the table is shown as a list of records instead."""

    def key(self, value: str) -> str:
        """A key cell as this layout shows it."""
        return short_key(value) if self.short_keys else value


def natural_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> list[int]:
    """Each column's width with no wrapping: its widest cell or its header."""
    widths = [len(c.header) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            text = NO_DATA if cell is None else cell
            widths[i] = max(widths[i], *(len(line) for line in text.split("\n")))
    return widths


def _least_width(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], shown: list[int], short: bool
) -> int:
    if short:
        rows = [
            [
                short_key(cell) if columns[i].key and cell is not None else cell
                for i, cell in enumerate(row)
            ]
            for row in rows
        ]
    widths = natural_widths(columns, rows)
    least = [
        min(widths[i], max(columns[i].wrap, len(columns[i].header)))
        if columns[i].wrap
        else widths[i]
        for i in shown
    ]
    return sum(least) + GAP * (len(shown) - 1)


def fit(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int) -> Fit:
    """Apply the rule above: hide empty columns, then shorten keys, then fall back to records."""
    shown = [
        i
        for i, column in enumerate(columns)
        if column.key or not rows or any(row[i] is not None for row in rows)
    ]
    if _least_width(columns, rows, shown, short=False) <= width:
        return Fit(shown, short_keys=False, records=False)
    if _least_width(columns, rows, shown, short=True) <= width:
        return Fit(shown, short_keys=True, records=False)
    return Fit(shown, short_keys=False, records=True)
