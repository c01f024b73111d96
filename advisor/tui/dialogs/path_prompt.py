"""Ask for a file path, e.g. to open or save a workload file: a path box that completes (Tab,
and a suggestion as you type), over the folder's entries that match what is typed.

Keyboard first: type, Tab completes, ↓ goes into the list, Enter on a folder goes into it and
on a file takes it, ↑ from the top of the list comes back to the box, Esc cancels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from advisor import units
from advisor.tui.dialogs.path_complete import Listing, complete, listing, parent, split

UP = "../"
"""The list's first entry, when the folder has one above it."""


class PathSuggester(Suggester):
    """The first entry that matches what is typed, shown after the cursor (→ takes it)."""

    def __init__(self, suffixes: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.suffixes = tuple(suffixes)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith("/"):
            return None
        found = listing(value, self.suffixes)
        return found.folder + found.entries[0].shown if found.entries else None


class PathInput(Input):
    """The path box: Tab completes, ↓ goes to the entries."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False),
        Binding("down", "entries", "Entries", show=False),
    ]

    def __init__(self, value: str, suffixes: Sequence[str], **kwargs: object) -> None:
        super().__init__(
            value,
            placeholder="path/to/workloads.yaml",
            suggester=PathSuggester(suffixes),
            **kwargs,  # type: ignore[arg-type]
        )
        self.suffixes = tuple(suffixes)

    def action_complete(self) -> None:
        """Complete as far as the entries agree; when that adds nothing, Tab moves on."""
        completed = complete(self.value, self.suffixes)
        if completed != self.value:
            self.value = completed
            self.cursor_position = len(completed)
        else:
            self.screen.focus_next()

    def action_entries(self) -> None:
        entries = self.screen.query_one("#path-entries", OptionList)
        if entries.option_count:
            entries.focus()
            if entries.highlighted is None:
                entries.highlighted = 0


class PathEntries(OptionList):
    """The folder's entries; ↑ on the first goes back to the path box."""

    BINDINGS = [Binding("up", "up_or_back", "Up", show=False)]

    def action_up_or_back(self) -> None:
        if not self.highlighted:
            self.screen.query_one(PathInput).focus()
        else:
            self.action_cursor_up()


class PathDialog(ModalScreen[Path | None]):
    """A path box over the entries of its folder; Enter accepts a file, Escape cancels (None).

    `suffixes` keeps the list to the files a caller can read (folders always show)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, value: str = "", hint: str = "", suffixes: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.suffixes = tuple(suffixes)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield PathInput(self.value, self.suffixes, id="path")
            yield Static(id="path-folder", markup=False)
            yield PathEntries(id="path-entries")
            yield Static(
                (self.hint + " · " if self.hint else "")
                + "Tab completes · ↓ entries · Enter: OK · Esc: cancel",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self._list(self.value)

    @on(Input.Changed, "#path")
    def _changed(self, event: Input.Changed) -> None:
        self._list(event.value)

    def _list(self, text: str) -> None:
        """List the folder of `text`, filtered by the name being typed; a name that is the
        whole of an existing file (the path the dialog opened with) lists its folder whole,
        with that file highlighted."""
        found = listing(text, self.suffixes)
        chosen = None
        unmatched = ""
        if found.prefix and [e.shown for e in found.entries] == [found.prefix]:
            chosen = found.prefix
            found = listing(found.folder, self.suffixes)
        elif found.prefix and not found.entries and not found.error:
            # A new name (save as, export): show what the folder already holds.
            unmatched = found.prefix
            found = listing(found.folder, self.suffixes)
        entries = self.query_one(PathEntries)
        entries.clear_options()
        if Path(found.folder or ".").expanduser().resolve() != Path("/"):
            entries.add_option(Option(Text(UP, style="bold"), id=UP))
        for entry in found.entries:
            style = "bold" if entry.folder else ""
            entries.add_option(Option(Text(entry.shown, style=style), id=entry.shown))
        if chosen is not None:
            entries.highlighted = entries.get_option_index(chosen)
        self.query_one("#path-folder", Static).update(_about(found, unmatched))

    @on(OptionList.OptionSelected, "#path-entries")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or ""
        folder, _ = split(self.query_one(PathInput).value)
        path_input = self.query_one(PathInput)
        if name == UP:
            path_input.value = parent(folder)
        elif name.endswith("/"):
            path_input.value = folder + name
        else:
            self.dismiss(Path(folder + name).expanduser())
            return
        path_input.cursor_position = len(path_input.value)
        path_input.focus()

    @on(Input.Submitted, "#path")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        if path.is_dir() and not text.endswith("/"):
            # A folder is gone into, as in the list: Enter takes files only.
            event.input.value = text + "/"
            event.input.cursor_position = len(event.input.value)
            return
        if not path.is_dir():
            self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _about(found: Listing, unmatched: str = "") -> Text:
    """'in examples/: 1 folder, 2 files' under the path box; `unmatched`: a typed name that
    no entry starts with (a new file)."""
    where = found.folder or "./"
    if found.error:
        return Text(f"in {where}: {found.error}", style="red")

    folders = sum(e.folder for e in found.entries)
    files = len(found.entries) - folders
    parts = [units.count(folders, "folder"), units.count(files, "file")]
    if found.more:
        parts.append(f"{found.more:,} more not listed")
    matching = f" starting with {found.prefix!r}" if found.prefix else ""
    new = f" · {unmatched} is new" if unmatched else ""
    return Text(f"in {where}{matching}: {', '.join(parts)}{new}", style="dim")
