"""Tables laid out by the one rule of `advisor.columns`, as Rich renderables for the CLI."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from advisor.columns import NO_DATA, Column, fit, legend

RichCell = str | Text | None
"""A cell as a renderer builds it: plain, styled, or `None` for no data."""


def _plain(cell: RichCell) -> str | None:
    return cell.plain if isinstance(cell, Text) else cell


def laid_out(
    columns: Sequence[Column],
    rows: Sequence[Sequence[RichCell]],
    width: int,
    *,
    title: str | None = None,
    caption: str | None = None,
) -> RenderableType:
    """A table of `rows` that fits `width`: empty columns hidden, keys shortened with a legend
    when needed, or one record per row below that."""
    plain = [[_plain(cell) for cell in row] for row in rows]
    layout = fit(columns, plain, width)
    keys = [cell for row in plain for i, cell in enumerate(row) if columns[i].key and cell]
    parts: list[RenderableType] = []
    if title:
        parts.append(Text(title, style="bold"))
    if layout.records:
        for row in rows:
            title_cells = [
                _plain(row[i]) or "" for i in layout.shown if columns[i].key and row[i] is not None
            ]
            parts.append(Text("  ".join(title_cells), style="bold"))
            pairs: list[Text] = []
            for i in layout.shown:
                cell = row[i]
                if columns[i].key or cell is None:
                    continue
                pair = Text(f"{columns[i].header} ", style="dim")
                pair.append(cell if isinstance(cell, Text) else Text(cell))
                pairs.append(pair)
            parts.append(Padding(_pack(pairs, width - 2), (0, 0, 0, 2), expand=False))
    else:
        table = Table(
            box=box.SIMPLE_HEAD,
            header_style="bold",
            pad_edge=False,
            show_edge=False,
            collapse_padding=True,
            expand=False,
        )
        for i in layout.shown:
            column = columns[i]
            table.add_column(
                column.header,
                justify="right" if column.right else "left",
                no_wrap=not column.wrap,
                overflow="fold" if column.wrap else "ellipsis",
                min_width=column.wrap or None,
            )
        for row in rows:
            cells: list[RenderableType] = []
            for i in layout.shown:
                cell = row[i]
                if cell is None:
                    cells.append(Text(NO_DATA, style="dim"))
                elif columns[i].key and isinstance(cell, str):
                    cells.append(layout.key(cell))
                else:
                    cells.append(cell)
            table.add_row(*cells)
        parts.append(table)
    if layout.short_keys and (text := legend(keys)):
        parts.append(Text(f"keys: {text}", style="dim"))
    if caption:
        parts.append(Text(caption, style="dim"))
    return Group(*parts)


def _pack(pairs: list[Text], width: int) -> Text:
    """`header value` pairs joined by ' · ', a new line rather than splitting a pair."""
    out = Text()
    line = 0
    for pair in pairs:
        if line and line + 3 + pair.cell_len > width:
            out.append("\n")
            line = 0
        elif line:
            out.append(" · ", style="dim")
            line += 3
        out.append_text(pair)
        line += pair.cell_len
    return out
