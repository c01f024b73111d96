"""The base of the screens that show the session: they re-read it when it changed."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from advisor.session import Session
from advisor.tui.messages import SessionChanged
from advisor.tui.widgets.workload_bar import WorkloadBar


class SessionScreen(Screen[None]):
    """A screen over the app's session.

    It re-reads the session whenever it becomes the current screen or is told that the session
    changed, and only when the session's version moved since it last looked, so a screen that
    changed the session itself does not redraw under the user's cursor.
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._shown_version = -1

    def on_screen_resume(self) -> None:
        self.sync()

    def on_session_changed(self, event: SessionChanged) -> None:
        self.sync()  # the event bubbles on to the app

    def sync(self) -> None:
        """Re-read the session if it changed since this screen last showed it."""
        if self.is_mounted and self._shown_version != self.session.version:
            self._shown_version = self.session.version
            self.show_session()

    def show_session(self) -> None:
        """Show what the session holds now; each screen draws its own part of it."""

    def announce(self) -> None:
        """Tell the app this screen changed the session (this screen is up to date)."""
        self._shown_version = self.session.version
        self.post_message(SessionChanged())


class WorkloadScreen(SessionScreen):
    """A session screen about one workload at a time, picked in its WorkloadBar or with
    `[` and `]` (bound by the subclass to `cycle(-1)` and `cycle(1)`)."""

    @property
    def workload_name(self) -> str | None:
        current = self.session.current()
        return current.name if current else None

    @on(WorkloadBar.Picked)
    def _workload_picked(self, event: WorkloadBar.Picked) -> None:
        if event.name != self.session.selected:
            self._select(event.name)

    def _select(self, name: str) -> None:
        self.session.select(name)
        self.show_session()
        self.announce()

    def action_cycle(self, step: int) -> None:
        names = self.session.names()
        if not names:
            return
        current = self.workload_name
        index = names.index(current) if current in names else 0
        self._select(names[(index + step) % len(names)])
