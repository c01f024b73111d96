"""The Workloads screen: the workloads of the file, and an editor for the selected one."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Static

from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.template_picker import TemplateDialog
from advisor.tui.screens.session_screen import SessionScreen
from advisor.tui.widgets.workload_form import WorkloadForm
from advisor.tui.widgets.workload_list import WorkloadList
from advisor.workload.model import Task
from advisor.workload.templates import from_template


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class WorkloadsScreen(SessionScreen):
    """Declare and edit workloads; each valid edit is applied to the session at once."""

    BINDINGS = [
        Binding("escape", "to_list", "List", show=False, id="workloads.list"),
        Binding("z", "maximize_pane", "Zoom", show=False, id="workloads.zoom"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="workloads-body"):
            yield WorkloadList(id="workload-list")
            yield WorkloadForm(id="workload-form")
        yield Static(id="workloads-status")
        yield Footer(compact=True, show_command_palette=False)  # room for the keys at 80 columns

    @property
    def workload_list(self) -> WorkloadList:
        return self.query_one(WorkloadList)

    @property
    def form(self) -> WorkloadForm:
        return self.query_one(WorkloadForm)

    def on_mount(self) -> None:
        self.sync()
        self.workload_list.focus()

    def show_session(self) -> None:
        current = self.session.current()
        self.workload_list.show(self.session.workloads, current.name if current else None)
        if self.form.generation == 0 or self.form.workload != current:
            self.form.load(current)
        self._show_status()

    def _show_status(self) -> None:
        s = self.session
        count = len(s.workloads)
        hint = "n: new from a template"
        self.query_one("#workloads-status", Static).update(
            Text.assemble(
                shown_path(s.path) if s.path else "not saved yet",  # no markup: '[' is allowed
                (" · modified", "bold yellow") if s.dirty else "",
                f" · {count} workload{'' if count == 1 else 's'}",
                ("" if count else f" · {hint}", "dim"),
            )
        )

    @on(WorkloadList.Highlighted)
    def _highlighted(self, event: WorkloadList.Highlighted) -> None:
        if event.name is None or event.name == self.session.selected:
            return
        self.session.select(event.name)
        self.form.load(self.session.get(event.name))
        self.announce()

    @on(WorkloadForm.Edited)
    def _edited(self, event: WorkloadForm.Edited) -> None:
        current = self.session.current()
        if event.generation != self.form.generation or current is None:
            return  # the form has been loaded with another workload since
        try:
            self.session.replace(current.name, event.workload)
        except ValueError as error:  # another workload has the name
            self.form.show_errors({"name": str(error)})
            return
        self.workload_list.show(self.session.workloads, event.workload.name)
        result = self.session.result(event.workload.name)
        self.form.set_status(
            f"[b green]✓ applied[/] · {len(result.candidates)} candidates, "
            f"{len(result.offerings) - len(result.candidates)} excluded · [dim]F4: see them[/]"
        )
        self._show_status()
        self.announce()

    def action_new(self) -> None:
        self.app.push_screen(TemplateDialog(), self._create)

    def _create(self, task: Task | None) -> None:
        if task is None:
            return
        workload = from_template(task, self.session.unique_name(f"new-{task}"))
        self.session.add(workload)
        self.show_session()
        self.announce()
        self.form.focus_first()
        self.form.set_status(f"[b green]✓ created[/] from the {task} template · edit any field")

    def action_delete(self) -> None:
        name = self.workload_list.current
        if name is None:
            return

        def delete(yes: bool | None) -> None:
            if yes and self.session.get(name) is not None:
                self.session.remove(name)
                self.show_session()
                self.announce()
                self.workload_list.focus()

        self.app.push_screen(ConfirmDialog(f"Delete workload {name}?", yes="Delete"), delete)

    def action_edit(self) -> None:
        if self.form.workload is not None:
            self.form.focus_first()

    def action_to_list(self) -> None:
        if self.maximized is not None:
            self.minimize()
        self.workload_list.focus()

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.form if self.form.has_focus_within else self.workload_list)
