"""Review an import's change set: accept or reject each change, see old and new side by side,
then write the accepted ones.

Opened by `advisor catalog import SOURCE --review`, or from the command palette ("Review a
catalog import"), which asks for a source file. Planning and writing run in thread workers,
so the screen never freezes on a large source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static
from textual.worker import get_current_worker

from advisor import home
from advisor.maintain.imports import (
    ImportPlan,
    ImportRequest,
    default_directory,
    plan_import,
    write_import,
)
from advisor.present import catalog
from advisor.present.imports import (
    KIND_LABEL,
    change_summary,
    counts,
    fields_table,
    source_line,
    source_text,
)
from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.dialogs.path_prompt import PathDialog
from catalog import InputError
from catalog.importers import Change, detect
from catalog.importers.base import read_json
from catalog.schema import Offering

Planner = Callable[[], ImportPlan]
Writer = Callable[[ImportPlan, Collection[str]], list[Path]]


class ImportReviewScreen(Screen[None]):
    """The change set as a table, the highlighted change's old and new values beside it."""

    CSS_PATH = "../import_review.tcss"
    BINDINGS = [
        Binding("space", "toggle_change", "Accept/reject", id="review.toggle"),
        Binding("a", "accept_all", "Accept all", id="review.accept_all"),
        Binding("d", "defaults", "Defaults", id="review.defaults"),
        Binding("w", "write", "Write", id="review.write"),
        Binding("escape", "close", "Close", id="review.close"),
    ]

    selected: reactive[frozenset[str]] = reactive(frozenset[str]())
    """The ids of the changes that will be written."""

    def __init__(self, planner: Planner, writer: Writer = write_import) -> None:
        super().__init__(id="import-review")
        self.planner = planner
        self.writer = writer
        self.plan: ImportPlan | None = None
        self.written: list[Path] | None = None
        """The files written, once the accepted changes are."""
        self._changes: dict[str, Change] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the source…", id="review-summary")
        with Horizontal(id="review-body"):
            yield DataTable[Text | str](id="review-changes", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="review-detail"):
                yield Static(id="review-detail-body")
        yield LoadingIndicator(id="review-loading")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#review-changes", DataTable)

    def on_mount(self) -> None:
        self.table.add_column("", key="state", width=1)
        self.table.add_column("offering", key="key")
        self.table.add_column("change", key="kind", width=12)
        self.table.add_column("values", key="what")
        self._plan()

    @work(thread=True, exclusive=True, group="import-review", exit_on_error=False)
    def _plan(self) -> None:
        try:
            plan = self.planner()
        except InputError as error:
            text = Text("\n".join(str(p) for p in error.problems))
            self.app.call_from_thread(self._failed, "Cannot read the import", text)
            return
        except ValueError as error:  # ImportRefused, or a source that is not a catalog
            self.app.call_from_thread(self._failed, "Cannot import", Text(str(error)))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, plan)

    def _failed(self, title: str, body: RenderableType) -> None:
        self.query_one("#review-loading").display = False
        self.query_one("#review-summary", Static).update(Text(title, "red"))
        self.app.push_screen(DetailDialog(title, body, error=True))

    def _show(self, plan: ImportPlan) -> None:
        self.plan = plan
        self._changes = {c.id: c for c in plan.changes.changes}
        self.query_one("#review-loading").display = False
        for change in plan.changes.changes:
            label = "new offering" if change.kind == "new" else change.block
            self.table.add_row(
                "",
                change.key,
                Text(label, _KIND_STYLE[change.kind]),
                change_summary(change),
                key=change.id,
            )
        self.selected = plan.changes.default_selection()
        self.table.focus()
        self._detail()

    def watch_selected(self, selected: frozenset[str]) -> None:
        if self.plan is None:
            return
        for change_id, change in self._changes.items():
            self.table.update_cell(change_id, "state", _mark(change, change_id in selected))
        summary = Text(source_line(self.plan.changes), "bold")
        summary.append(f"\n{counts(self.plan.changes, selected)} · {len(selected):,} accepted")
        if self.written is not None:
            summary.append(f" · written to {len(self.written)} files", "green")
        self.query_one("#review-summary", Static).update(summary)

    @property
    def current(self) -> Change | None:
        """The change under the cursor."""
        if not self._changes or self.table.row_count == 0:
            return None
        row_key, _ = self.table.coordinate_to_cell_key(self.table.cursor_coordinate)
        return self._changes.get(str(row_key.value))

    @on(DataTable.RowHighlighted, "#review-changes")
    def _highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        change = self.current
        body = self.query_one("#review-detail-body", Static)
        body.update(_detail(change, change is not None and change.id in self.selected))

    def action_toggle_change(self) -> None:
        change = self.current
        if change is None or self.written is not None:
            return
        self.selected = self.selected ^ {change.id}
        self._detail()

    def action_accept_all(self) -> None:
        if self.plan is not None and self.written is None:
            self.selected = frozenset(self._changes)
            self._detail()

    def action_defaults(self) -> None:
        if self.plan is not None and self.written is None:
            self.selected = self.plan.changes.default_selection()
            self._detail()

    def action_write(self) -> None:
        if self.plan is None or self.written is not None:
            return
        if not self.selected:
            self.notify("Nothing accepted: Space accepts the highlighted change.")
            return
        self._confirm_and_write()

    @work(group="dialogs", exit_on_error=False)
    async def _confirm_and_write(self) -> None:
        assert self.plan is not None
        count = len(self.selected)
        question = (
            f"Write {count:,} change{'' if count == 1 else 's'} to {self.plan.changes.directory}?"
        )
        if await self.app.push_screen_wait(ConfirmDialog(question, yes="Write")):
            self._write(self.plan, self.selected)

    @work(thread=True, exclusive=True, group="import-review", exit_on_error=False)
    def _write(self, plan: ImportPlan, chosen: frozenset[str]) -> None:
        try:
            written = self.writer(plan, chosen)
        except InputError as error:
            text = Text("\n".join(str(p) for p in error.problems))
            title = "Not written: the accepted changes would make the catalog invalid"
            self.app.call_from_thread(self.app.push_screen, DetailDialog(title, text, error=True))
            return
        self.app.call_from_thread(self._wrote, written)

    def _wrote(self, written: list[Path]) -> None:
        self.written = written
        self.mutate_reactive(ImportReviewScreen.selected)
        self.notify(f"Wrote {len(written)} file{'' if len(written) == 1 else 's'}", timeout=4)

    def action_close(self) -> None:
        self.workers.cancel_group(self, "import-review")
        if len(self.app.screen_stack) > 1:
            self.dismiss(None)
        else:  # opened on its own by `advisor catalog import --review`
            self.app.exit()


_KIND_STYLE = {"new": "green", "update": "yellow", "deprecation": "red", "confirm": "dim"}
"""The change column's colour: what kind of change a row is."""


def _mark(change: Change, selected: bool) -> Text:
    if selected:
        return Text("✔", "green")
    return Text("⚑" if change.held else "✘", "yellow" if change.held else "red")


def _detail(change: Change | None, selected: bool) -> RenderableType:
    if change is None:
        return Text("No changes: the catalog agrees with the source.", "dim")
    state = Text("accepted: will be written", "green") if selected else Text("not accepted", "red")
    head = Text.assemble((change.key, "bold"), f"  {change.block} · {KIND_LABEL[change.kind]}\n")
    head.append_text(state)
    parts: list[RenderableType] = [head]
    if change.held:
        parts.append(Text(f"Held: {change.held}. Space accepts it.", "yellow"))
    if isinstance(change.value, Offering) and change.kind == "new":
        parts.append(Text(f"source: {source_text(change.new_source)}", "dim"))
        parts.append(catalog.offering_detail(change.value))
    elif change.kind == "confirm":
        parts.append(Text("The source gives the same values; only its date moves on."))
    else:
        parts.append(fields_table(change))
    if change.kind != "new":
        parts.append(Text(f"\ncurrent source: {source_text(change.old_source)}", "dim"))
        parts.append(Text(f"proposed source: {source_text(change.new_source)}"))
    return Group(*parts)


def open_import_review(app: App[Any]) -> None:
    """Ask for a source file, then review its import into the bundled catalog.

    The source's kind is told from the file; 'litellm' alone means the installed package's
    price map.
    """
    app.run_worker(_ask_and_review(app), group="dialogs", exit_on_error=False)


async def _ask_and_review(app: App[Any]) -> None:
    path = await app.push_screen_wait(
        PathDialog(
            "Review a catalog import from",
            "litellm",
            hint="a LiteLLM, models.dev or OpenRouter JSON file; 'litellm': the installed one",
            suffixes=(".json",),
        )
    )
    if path is not None:
        app.push_screen(ImportReviewScreen(lambda: _plan_file(path)))


def _plan_file(path: Path) -> ImportPlan:
    if str(path) == "litellm":
        source, file = "litellm", None
    else:
        source, file = detect(read_json(path)) or "", path
        if not source:
            raise ValueError(f"{path}: not a LiteLLM, models.dev or OpenRouter file")
    request = ImportRequest(
        source=source,
        directory=default_directory(),
        layers=home.catalog_layers(),
        today=dt.date.today(),
        file=file,
    )
    return plan_import(request)
