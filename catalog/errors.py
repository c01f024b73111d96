"""The one error hierarchy: every failure the advisor reports to its user.

Each error has a title and an exit status: bad input (a file, a flag, a query, a source) is 2,
a failure of ours or of the world (a port taken, a disk full, a key about to be written) is 1.
Front ends turn them into output in one place each (`advisor.cli.base` for the command line,
the TUI's notifications); code that raises them never prints.

It lives on the lowest floor, with the catalog, so that every package can raise it.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """A failure to report, as `lines()`, with `exit_status`."""

    exit_status = 1
    title = "error"

    def lines(self) -> list[str]:
        """What to print, one message per line."""
        return [f"advisor: {self.title}: {self}"]


class BadInput(AdvisorError):
    """Input that cannot be used: the user can fix it. Exit status 2."""

    exit_status = 2
    title = "bad input"


class Refused(AdvisorError):
    """Something the advisor will not do, such as write a key's value into a file."""

    title = "refused"
