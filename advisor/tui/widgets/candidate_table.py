"""The two tables of the Candidates screen: ranked candidates, and exclusions with reasons.

Like the catalog table, columns are laid out for the table's width: the offering column and
the last, free-text column share what the fixed figures leave.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from advisor import units
from advisor.match.matching import Candidate, Exclusion, MatchResult
from advisor.present import match
from advisor.tui.widgets.key_column import KeyFit, fit_keys, show_legend
from catalog.lifecycle import status_on

PADDING = 2  # DataTable's cell padding, one each side
SCROLLBAR = 2
PIN_MARK = "●"
COMPARE_MARK = "◆"


def marks(key: str, pinned: Collection[str], compared: Collection[str]) -> Text:
    """The mark column: pinned for probing, chosen for comparison."""
    return Text.assemble(
        (PIN_MARK if key in pinned else " ", "green"),
        (COMPARE_MARK if key in compared else " ", "cyan"),
    )


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class _ResultTable(DataTable[Text | str]):
    """Rows keyed by offering key, re-laid out when the width changes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._result: MatchResult | None = None
        self._layout_width = 0

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._layout_width:
            self._fill()

    def _fill(self) -> None:
        """Rebuild the rows for the current width."""

    @property
    def current_key(self) -> str | None:
        """The offering key of the row under the cursor, if any."""
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def _keep_cursor(self, key: str | None, cursor_row: int) -> None:
        keys = [str(k.value) for k in self.rows]
        if key in keys:
            self.move_cursor(row=keys.index(key), animate=False)
        elif keys:
            self.move_cursor(row=min(cursor_row, len(keys) - 1), animate=False)


class CandidateTable(_ResultTable):
    """Ranked candidates: marks, rank, offering, score, cost, flags."""

    BINDINGS = [
        Binding("enter", "screen.open_detail", "Detail", show=False, id="candidates.detail"),
    ]

    @dataclass
    class Highlighted(Message):
        candidate: Candidate | None
        rank: int

    FIXED = (("score", 5), ("$/1k", 7), ("$/month", 8))
    """Figures after the offering: (label, width)."""
    MARKS = 2
    RANK = 3
    OFFERING_MIN = 18
    FLAGS_WANT = 24
    """The most the flags take from the keys when both cannot be whole."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pinned: Collection[str] = ()
        self._compared: Collection[str] = ()
        self._keys = KeyFit(short=False, width=self.OFFERING_MIN)
        """How keys are shown: shortened when the table is too narrow for whole ones."""

    def show(self, result: MatchResult, pinned: Collection[str], compared: Collection[str]) -> None:
        """Show `result`'s candidates; the cursor stays on the same offering if it can."""
        same = self._result is not None and self._result.workload.name == result.workload.name
        self._result, self._pinned, self._compared = result, pinned, compared
        self._fill(keep=same)

    def set_marks(self, pinned: Collection[str], compared: Collection[str]) -> None:
        """Redraw the mark column only."""
        self._pinned, self._compared = pinned, compared
        for key in self.rows:
            self.update_cell(key, "marks", marks(str(key.value), pinned, compared))

    def _fill(self, keep: bool = True) -> None:
        key, row = (self.current_key, self.cursor_row) if keep else (None, 0)
        width = self.size.width or 80
        self._layout_width = width
        fixed = self.MARKS + self.RANK + 2 * PADDING + sum(w + PADDING for _, w in self.FIXED)
        room = max(width - fixed - 2 * PADDING - SCROLLBAR, self.OFFERING_MIN + len("flags"))
        candidates = self._result.candidates if self._result else ()
        keys = [c.offering.key for c in candidates]
        flags, self._keys, short = self._lay_out(candidates, keys, room)
        offering_width = self._keys.width
        flags_width = room - offering_width
        self.clear(columns=True)
        self.add_column(" ", width=self.MARKS, key="marks")
        self.add_column("#", width=self.RANK, key="#")
        self.add_column("offering", width=offering_width, key="offering")
        for label, column_width in self.FIXED:
            self.add_column(label, width=column_width, key=label)
        self.add_column("flags", width=flags_width, key="flags")
        for rank, (c, flag_text) in enumerate(zip(candidates, flags, strict=True), start=1):
            deprecated = status_on(c.offering.lifecycle, c.today).status == "deprecated"
            style = "yellow" if deprecated else ""
            self.add_row(
                marks(c.offering.key, self._pinned, self._compared),
                Text(str(rank), justify="right"),
                Text(self._keys.cell(c.offering.key), style=style),
                Text(f"{c.score:.2f}", justify="right"),
                Text(units.usd(c.cost.per_1k), justify="right"),
                Text(units.usd(c.cost.per_month, 0), justify="right"),
                Text(_fit(flag_text, flags_width), style="yellow"),
                key=c.offering.key,
            )
        row_marks = [match.flag_marks(c.flags, c.warnings) for c in candidates] if short else []
        show_legend(self, keys, self._keys, row_marks, match.flag_legend)
        self._keep_cursor(key, row)
        self._announce()

    def _lay_out(
        self, candidates: Sequence[Candidate], keys: list[str], room: int
    ) -> tuple[list[str], KeyFit, bool]:
        """The flags as shown, the key column and whether the flags are in short form.

        The key names the row, so it gets the room first, shortened by the one rule of
        `advisor.columns` when whole keys do not fit. The flags are shown in the README's
        words when they fit beside whole (or shortened) keys, else in their short form, whose
        marks the bottom edge explains; the detail pane always has them in full."""
        for short in (False, True):
            flags = [match.compact_flags(c.flags, c.warnings, short=short) for c in candidates]
            need = max(max(map(len, flags), default=0), len("flags"))
            fit = fit_keys(keys, room - need, self.OFFERING_MIN)
            whole = max((len(fit.shown(k)) for k in keys), default=0) <= fit.width
            if whole and fit.width + need <= room:
                return flags, fit, short
        # Neither fits: the flags keep a third of the room, up to what they need, and the
        # longest keys are cut in their middle (whole in the detail pane).
        floor = max(min(need, self.FLAGS_WANT, room // 3), len("flags"))
        return flags, fit_keys(keys, room - floor, self.OFFERING_MIN), True

    @property
    def current(self) -> tuple[Candidate | None, int]:
        """The candidate under the cursor and its rank (0 when there is none)."""
        key = self.current_key
        candidates = self._result.candidates if self._result else ()
        for rank, c in enumerate(candidates, start=1):
            if c.offering.key == key:
                return c, rank
        return None, 0

    def _announce(self) -> None:
        candidate, rank = self.current
        self.post_message(self.Highlighted(candidate, rank))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()


class ExclusionTable(_ResultTable):
    """Excluded offerings with every reason; Enter shows reasons that do not fit."""

    BINDINGS = [
        Binding("enter", "screen.open_detail", "Reasons", id="exclusions.reasons"),
    ]

    @dataclass
    class Highlighted(Message):
        exclusion: Exclusion | None

    OFFERING_MIN = 20

    def show(self, result: MatchResult) -> None:
        """Show `result`'s exclusions."""
        same = self._result is not None and self._result.workload.name == result.workload.name
        self._result = result
        self._fill(keep=same)

    def _fill(self, keep: bool = True) -> None:
        key, row = (self.current_key, self.cursor_row) if keep else (None, 0)
        width = self.size.width or 80
        self._layout_width = width
        exclusions = self._result.exclusions if self._result else ()
        room = max(width - 2 * PADDING - SCROLLBAR, 2 * self.OFFERING_MIN)
        keys = [e.offering.key for e in exclusions]
        keys_fit = fit_keys(keys, room // 2, self.OFFERING_MIN)
        reasons_width = room - keys_fit.width
        self.clear(columns=True)
        self.add_column("offering", width=keys_fit.width, key="offering")
        self.add_column("reasons (Enter: all)", width=reasons_width, key="reasons")
        for e in exclusions:
            self.add_row(
                keys_fit.cell(e.offering.key),
                Text(_fit("; ".join(e.reasons), reasons_width), style="red"),
                key=e.offering.key,
            )
        show_legend(self, keys, keys_fit)
        self._keep_cursor(key, row)
        self._announce()

    @property
    def current(self) -> Exclusion | None:
        """The exclusion under the cursor, if any."""
        key = self.current_key
        exclusions = self._result.exclusions if self._result else ()
        return next((e for e in exclusions if e.offering.key == key), None)

    def _announce(self) -> None:
        self.post_message(self.Highlighted(self.current))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()
