"""Every trait of the highlighted offering, each with its source and checked date."""

from __future__ import annotations

import datetime as dt

from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from advisor.present import catalog
from catalog import Offering


class OfferingDetail(VerticalScroll):
    """A scrollable pane that renders one offering."""

    offering: reactive[Offering | None] = reactive(None)
    """The offering shown; None shows a hint instead."""

    today: dt.date | None = None
    """The day lifecycle status is judged on; None is the real today."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="detail-body")

    def watch_offering(self, offering: Offering | None) -> None:
        body = self.query_one("#detail-body", Static)
        if offering is None:
            body.update("No offering matches the search.")
        else:
            body.update(catalog.offering_detail(offering, self.today))
        self.scroll_home(animate=False)
