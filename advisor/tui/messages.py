"""Messages screens send up to the app."""

from __future__ import annotations

from textual.message import Message


class SessionChanged(Message):
    """The session changed (workloads, the file, the selection or pins).

    A screen posts it after changing the session; it bubbles to the app, which retitles
    itself. The app posts it to the current screen after opening or saving a file, and that
    screen re-reads the session.
    """
