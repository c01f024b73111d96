"""The base of the screens that show the session: they re-read it when it changed."""

from __future__ import annotations

from textual.screen import Screen

from advisor.session import Session
from advisor.tui.messages import SessionChanged


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
