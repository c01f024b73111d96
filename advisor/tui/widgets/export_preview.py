"""The Plan screen's Export tab: a format picker, where the file would go, the file itself,
syntax-highlighted exactly as it would be written, and writing it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import RadioButton, RadioSet, Static

from advisor.export import (
    DEFAULT_NAMES,
    FORMATS,
    ExportTarget,
    check_no_secrets,
    render,
    write,
    write_companions,
)
from advisor.plan.model import Plan
from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.path_complete import shown
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.widgets.toggles import StateRadioButton
from catalog import Catalog
from catalog.errors import AdvisorError
from catalog.files import CannotWrite

LEXERS = {
    "litellm": "yaml",
    "tensorzero": "toml",
    "portkey": "json",
    "openrouter": "json",
    "report": "markdown",
}
"""The language each format's file is written in, for highlighting."""

THEME = "monokai"


class ExportPreview(Vertical):
    """Formats as radio buttons (RadioSet.Changed bubbles to the screen), an info line and a
    scrollable preview of the plan in the picked format."""

    text = ""
    """The text on show: what writing the file would write."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Kept here, not read back from the buttons: they report a change a message later,
        # so `f` pressed quickly would read a stale format. `_echoes` counts the reports still
        # to come of picks made here, so that only a click changes the format on its report.
        self._format = FORMATS[0]
        self._echoes = 0

    def compose(self) -> ComposeResult:
        with RadioSet(id="export-formats", compact=True):
            for fmt in FORMATS:
                yield StateRadioButton(
                    fmt, value=fmt == FORMATS[0], id=f"format-{fmt}", compact=True
                )
        yield Static(id="export-info")
        with VerticalScroll(id="export-scroll"):
            yield Static(id="export-text")

    @property
    def format(self) -> str:
        """The format picked."""
        return self._format

    def pick(self, fmt: str) -> None:
        """Pick `fmt` as if its button were pressed."""
        self._format = fmt
        button = self.query_one(f"#format-{fmt}", RadioButton)
        if not button.value:
            self._echoes += 1
            button.value = True

    @on(RadioSet.Changed, "#export-formats")
    def _picked(self, event: RadioSet.Changed) -> None:
        # The event bubbles on to the screen, which shows `format`.
        if self._echoes:
            self._echoes -= 1
        else:
            self._format = FORMATS[event.index]

    def show(self, plan: Plan, catalog: Catalog, folder: Path) -> None:
        """Show `plan` in the picked format, and where `w` would write it in `folder`."""
        fmt = self.format
        try:
            text = render(fmt, plan, catalog)
        except Exception as error:  # an exporter's failure is shown, never fatal
            self.show_error(f"cannot render {fmt}: {error}")
            return
        self.text = text
        self.query_one("#export-info", Static).update(
            Text.assemble(
                ("w writes ", "dim"),
                (shown(folder / DEFAULT_NAMES[fmt]), "bold"),
                " · ",
                (plan.figures_label, "yellow bold" if plan.simulated else "dim"),
            )
        )
        syntax = Syntax(
            text,
            LEXERS[fmt],
            theme=THEME,
            line_numbers=True,
            word_wrap=True,
            background_color="default",
        )
        self.query_one("#export-text", Static).update(syntax)
        self.query_one("#export-scroll", VerticalScroll).scroll_home(animate=False)

    def show_error(self, message: str) -> None:
        """Say why there is nothing to preview."""
        self.text = ""
        self.query_one("#export-info", Static).update(Text(message, style="red"))
        self.query_one("#export-text", Static).update("")

    @work(group="dialogs", exit_on_error=False)
    async def write_file(self, plan: Plan, catalog: Catalog, folder: Path) -> None:
        """Ask where, check the text holds no key's value, ask before replacing a file, and
        write it atomically; every problem is a notification."""
        fmt = self.format
        path = await self.app.push_screen_wait(
            PathDialog(f"Export the plan as {fmt}", shown(folder / DEFAULT_NAMES[fmt]))
        )
        if path is None:
            return
        try:
            text = render(fmt, plan, catalog, path)  # a report named *.json is JSON
            check_no_secrets(text, plan)
        except AdvisorError as error:
            self.notify(str(error), title="Not exported", severity="error", markup=False)
            return
        force = path.exists()
        if force and not await self.app.push_screen_wait(
            ConfirmDialog(f"{path} exists. Replace it?", yes="Replace")
        ):
            self.notify(f"Not exported: {path} is unchanged", timeout=3, markup=False)
            return
        try:
            await asyncio.to_thread(write, path, text, force=force)
            # The LiteLLM canary plugin, which the config names: beside it, or no proxy start.
            beside = await asyncio.to_thread(write_companions, fmt, plan, path, force=force)
        except ExportTarget as error:  # no such folder: the same rule as the CLI's
            self.notify(str(error), title=f"Cannot write {path}", severity="error", markup=False)
            return
        except CannotWrite as error:
            reason = str(
                error.__cause__.strerror if isinstance(error.__cause__, OSError) else error
            )
            self.notify(reason, title=f"Cannot write {path}", severity="error", markup=False)
            return
        except AdvisorError as error:
            self.notify(str(error), title="Not exported", severity="error", markup=False)
            return
        also = "".join(f" and {p.name} beside it" for p in beside)
        self.notify(f"Wrote {path}{also} ({fmt}; {plan.figures_label})", timeout=4, markup=False)
