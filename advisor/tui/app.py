"""The Textual app: one screen per pipeline stage, reachable by key and from the command palette.

The app owns the session (catalog, workload file, workloads, match results, pins); screens
get it when they are made, change it through its methods and post `SessionChanged`. Opening
and saving files is the app's job, so every screen has the same Ctrl+O and Ctrl+S. Only
`advisor.tui` imports Textual.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from advisor import units
from advisor.session import Session, read_document
from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.detail import DetailDialog
from advisor.tui.dialogs.path_complete import shown
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.messages import SessionChanged
from advisor.tui.screens.candidates import CandidatesScreen
from advisor.tui.screens.catalog import CatalogScreen
from advisor.tui.screens.help import HelpScreen
from advisor.tui.screens.import_review import open_import_review
from advisor.tui.screens.plan import PlanScreen
from advisor.tui.screens.probes import ProbesScreen
from advisor.tui.screens.session_screen import WorkloadScreen
from advisor.tui.screens.traffic import TrafficScreen
from advisor.tui.screens.workloads import WorkloadsScreen
from catalog import Catalog
from catalog.errors import AdvisorError
from catalog.files import write_atomically

WORKLOAD_SUFFIXES = (".yaml", ".yml")
"""The files the open and save dialogs list (folders always show)."""


class AdvisorApp(App[None]):
    """Model Advisor's terminal UI."""

    TITLE = "Model Advisor"
    CSS_PATH = [
        "app.tcss",
        "workloads.tcss",
        "candidates.tcss",
        "probes.tcss",
        "plan.tcss",
        "dialogs.tcss",
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    MODES = {"catalog": CatalogScreen}
    DEFAULT_MODE = "catalog"
    # The footer shows the app's keys first: quit, help and the palette are always visible;
    # the screens' F-keys are listed by F1 and the palette, leaving the footer to the keys of
    # the screen on view (at 80 columns there is no room for both).
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f1", "help", "Help", id="help"),
        Binding("question_mark", "help", "Help", show=False, id="help.question"),
        Binding("q", "quit", "Quit", show=False, id="quit.q"),
        Binding("j", "cursor('down')", "Down", show=False, id="cursor.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="cursor.up"),
        Binding("ctrl+p", "command_palette", "Commands", id="palette"),
        Binding("f2", "switch_mode('catalog')", "Catalog", show=False, id="catalog"),
        Binding("f3", "switch_mode('workloads')", "Workloads", show=False, id="workloads"),
        Binding("f4", "switch_mode('candidates')", "Candidates", show=False, id="candidates"),
        Binding("f5", "switch_mode('probes')", "Probes", show=False, id="probes"),
        Binding("f6", "switch_mode('plan')", "Plan", show=False, id="plan"),
        Binding("f7", "switch_mode('traffic')", "Traffic", show=False, id="traffic"),
        Binding("ctrl+o", "open_file", "Open", show=False, priority=True, id="open"),
        Binding("ctrl+s", "save", "Save", show=False, priority=True, id="save"),
    ]

    def __init__(
        self,
        catalog: Catalog,
        workloads_path: Path | None = None,
        *,
        today: dt.date | None = None,
        probe_target: str | None = None,
        screen: str | None = None,
        layers: Sequence[Path] | None = None,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.probe_target = probe_target
        self.start_screen = screen
        """The screen to open on; by default Candidates when a file is named, else Catalog."""
        """Where probes would go: 'simulator at URL' when no provider key is set, else None."""
        """The catalog every screen reads: bundled data plus the user's overlays."""
        self.session = Session(catalog, today=today)
        """The workload file, its workloads, match results and pins, shared by the screens."""
        self.workloads_path = workloads_path
        """The workload file to open at start, if any."""
        self.add_mode("workloads", lambda: WorkloadsScreen(self.session))
        self.add_mode("candidates", lambda: CandidatesScreen(self.session))
        self.probe_time_scale = 1.0
        """The simulator's time scale for runs on the Probes screen (tests make it small)."""
        self.add_mode(
            "probes",
            lambda: ProbesScreen(self.session, time_scale=self.probe_time_scale, layers=layers),
        )
        self.add_mode("plan", lambda: PlanScreen(self.session))
        self.add_mode("traffic", lambda: TrafficScreen(catalog, self.session))

    def on_mount(self) -> None:
        self._retitle()
        if self.workloads_path is not None and not self.workloads_path.exists():
            # A new file: start it empty where workloads are declared; Ctrl+S writes it.
            self.session.path = self.workloads_path
            self._retitle()
            self.switch_mode(self.start_screen or "workloads")
            self.notify(f"New file {self.workloads_path}: declare a workload (n), then Ctrl+S.")
        elif self.workloads_path is not None:
            # A file was named: its results are the point, unless another screen was asked for.
            self.switch_mode(self.start_screen or "candidates")
            self.open_file(self.workloads_path, tell=False)  # the title names the file
        elif self.start_screen is not None:
            self.switch_mode(self.start_screen)

    def _retitle(self) -> None:
        # The probes notice comes first: at 80 columns the end of the title is cut.
        s = self.session
        parts = [f"probes: {self.probe_target}"] if self.probe_target else []
        if s.path:
            parts.append(f"{s.path.name}{' (modified)' if s.dirty else ''}")
        parts.append(units.count(len(self.catalog.offerings), "offering"))
        parts.append(units.count(len(self.catalog.providers), "provider"))
        self.sub_title = " · ".join(parts)

    def on_session_changed(self, event: SessionChanged) -> None:
        self._retitle()

    def _session_changed(self) -> None:
        """The app changed the session: retitle, and let the screen on view re-read it."""
        self._retitle()
        self.screen.post_message(SessionChanged())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers run with exit_on_error=False: a failure is reported, the app stays up.
        if event.state == WorkerState.ERROR:
            self.notify(
                str(event.worker.error), title="Something failed", severity="error", markup=False
            )

    @work(exclusive=True, group="workload-file", exit_on_error=False)
    async def open_file(self, path: Path, tell: bool = True) -> None:
        """Read a workload file off the UI thread, then make it the session's; `tell` says so
        in a notification."""
        self.sub_title = f"opening {path}…"
        try:
            document = await asyncio.to_thread(read_document, path)
        except AdvisorError as error:
            self._retitle()
            problems = Text("\n".join(error.lines()))
            self.push_screen(DetailDialog(f"Cannot open {path}", problems, error=True))
            return
        self.session.open(document)
        self._session_changed()
        if tell:
            self.notify(
                f"Opened {path}: {units.count(len(document.workloads), 'workload')}",
                timeout=3,
                markup=False,
            )

    def action_open_file(self) -> None:
        if not self.screen.is_modal:
            self._ask_and_open()

    @work(group="dialogs", exit_on_error=False)
    async def _ask_and_open(self) -> None:
        if self.session.dirty and not await self.push_screen_wait(
            ConfirmDialog("Discard the unsaved changes to the workloads?", yes="Discard")
        ):
            return
        path = await self.push_screen_wait(
            PathDialog(
                "Open a workload file",
                shown(self.session.path) if self.session.path else "",
                hint="YAML",
                suffixes=WORKLOAD_SUFFIXES,
            )
        )
        if path is not None:
            self.open_file(path)

    def action_save(self) -> None:
        if not self.screen.is_modal:
            self._save(ask=self.session.path is None)

    def action_save_as(self) -> None:
        if not self.screen.is_modal:
            self._save(ask=True)

    @work(group="dialogs", exit_on_error=False)
    async def _save(self, ask: bool) -> None:
        session = self.session
        if not session.workloads:
            self.notify("Nothing to save yet: create a workload first (F3, n).", severity="warning")
            return
        path = session.path
        if ask or path is None:
            path = await self.push_screen_wait(
                PathDialog(
                    "Save the workloads as",
                    shown(session.path or Path("workloads.yaml")),
                    suffixes=WORKLOAD_SUFFIXES,
                )
            )
            if path is None:
                return
        if session.needs_confirmation(path) and not await self.push_screen_wait(
            ConfirmDialog(f"{path} exists and is not the file you opened. Replace it?", "Replace")
        ):
            return
        target, text = session.prepare_save(path, overwrite=True)  # the user just confirmed
        version = session.version
        try:
            await asyncio.to_thread(write_atomically, target, text)
        except AdvisorError as error:
            self.notify(str(error), title=f"Cannot save {target}", severity="error", markup=False)
            return
        session.saved(target, version)
        self._session_changed()
        self.notify(
            f"Saved {units.count(len(session.workloads), 'workload')} to {target}",
            timeout=3,
            markup=False,
        )

    async def action_quit(self) -> None:
        if self.session.dirty and not self.screen.is_modal:
            self._confirm_quit()
        else:
            self.exit()

    @work(group="dialogs", exit_on_error=False)
    async def _confirm_quit(self) -> None:
        if await self.push_screen_wait(
            ConfirmDialog("Quit without saving the changes to the workloads?", yes="Quit")
        ):
            self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return False  # the key of the screen on view: hidden, to leave the footer room
        return True

    def action_cursor(self, direction: str) -> None:
        """`j`/`k` move like the arrow keys in the focused list or table (as in lazygit, k9s)."""
        move = getattr(self.focused, f"action_cursor_{direction}", None)
        if callable(move):
            move()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The app's own commands first; Textual's display commands after, marked as such."""
        for title, help_text, mode, action in (
            ("Run probes", "Probe the pinned or best candidates (F5, r)", "probes", "run"),
            (
                "Re-plan",
                "Plan the workload again from the latest figures (F6, r)",
                "plan",
                "replan",
            ),
            ("Export", "Preview and write a gateway config (F6, e)", "plan", "tab('export')"),
            (
                "Replay a request log",
                "Through the plan, as its gateway would route it (F6, l)",
                "plan",
                "replay",
            ),
        ):
            yield SystemCommand(title, help_text, lambda m=mode, a=action: self._on_screen(m, a))
        if isinstance(screen, WorkloadScreen):
            yield SystemCommand(
                "Next workload",
                "Switch to the next workload of the file (])",
                lambda: screen.action_cycle(1),
            )
            yield SystemCommand(
                "Previous workload",
                "Switch to the previous workload ([)",
                lambda: screen.action_cycle(-1),
            )
        for mode, help_text, key in (
            ("catalog", "Browse and search offerings", "F2"),
            ("workloads", "Declare and edit workloads; templates per task kind", "F3"),
            ("candidates", "Ranked candidates, exclusions with reasons, compare", "F4"),
            ("probes", "Measure candidates on the simulator or live; run history", "F5"),
            ("plan", "Per workload plans: edit fallbacks and canary, preview, export", "F6"),
            ("traffic", "Workloads derived from a request log; save them as a file", "F7"),
        ):
            yield SystemCommand(
                f"Go to {mode.capitalize()}",
                f"{help_text} ({key})",
                lambda mode=mode: self.switch_mode(mode),
            )
        yield SystemCommand(
            "Open workload file", "Read workloads from YAML (Ctrl+O)", self.action_open_file
        )
        yield SystemCommand("Save workloads", "Write them to their file (Ctrl+S)", self.action_save)
        yield SystemCommand("Save workloads as", "Write them to another file", self.action_save_as)
        yield SystemCommand(
            "Review a catalog import",
            "Updates from LiteLLM, models.dev or OpenRouter: accept or reject each change",
            lambda: open_import_review(self),
        )
        yield SystemCommand("Help", "Keys and the search syntax (F1, ?)", self.action_help)
        for command in super().get_system_commands(screen):
            if command.title.lower().startswith("quit"):
                yield command._replace(help="Quit Model Advisor (Ctrl+Q, q)")
            else:
                yield command._replace(title=f"Display: {command.title}")

    async def _on_screen(self, mode: str, action: str) -> None:
        """Go to `mode`'s screen, then run one of its actions there (for the palette)."""
        if self.current_mode != mode:
            await self.switch_mode(mode)
        await self.screen.run_action(action)
