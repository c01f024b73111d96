"""An offering's lifecycle status on a given day, derived from its dates.

The catalog stores what the source says (`status`, `deprecation_date`, `shutdown_date`); what
a user sees is the status on the day they look. One rule, used by every view, the matcher,
the planner, the simulator and lint, so one offering never shows two states.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from catalog.schema import Lifecycle, Status


@dataclass(frozen=True)
class StatusOn:
    """The status on one day, and the day it became so (None when no source dates it)."""

    status: Status
    since: dt.date | None

    @property
    def served(self) -> bool:
        """The provider still answers requests (anything but retired)."""
        return self.status != "retired"


def retired_from(lifecycle: Lifecycle) -> dt.date | None:
    """The first day an offering is retired: its shutdown date; the earliest date there is
    for one stored `retired` with no date; None while no shutdown is set.

    The first rule of `status_on`, as a date, so that a whole catalog can be sorted by it.
    """
    if lifecycle.shutdown_date is not None:
        return lifecycle.shutdown_date
    return dt.date.min if lifecycle.status == "retired" else None


def status_on(lifecycle: Lifecycle, day: dt.date) -> StatusOn:
    """The status of an offering with `lifecycle` on `day`, and the date it changed to it.

    In order, the first that holds:

    - `retired` from the shutdown date on (the day requests stop is already retired), whatever
      the stored status; a stored `retired` with no shutdown date is retired (since unknown);
      a stored `retired` whose shutdown date is after `day` was still served then and falls
      through to the rules below.
    - `deprecated` from the deprecation (announcement) date on, or when stored so and undated;
      since the deprecation date.
    - `legacy` when the provider marks it so (still served, superseded, no shutdown set); it
      stays legacy whatever its dates say until a deprecation or shutdown applies.
    - `preview` when stored so; since the release date.
    - otherwise `active`, since the release date.

    A stored `deprecated` whose deprecation date is after `day` was active then (or legacy).
    """
    stored = lifecycle.status
    retired = retired_from(lifecycle)
    if retired is not None and day >= retired:
        return StatusOn("retired", lifecycle.shutdown_date)
    announced = lifecycle.deprecation_date
    if announced is not None and day >= announced:
        return StatusOn("deprecated", announced)
    if stored in ("deprecated", "retired") and announced is None:
        return StatusOn("deprecated", None)
    if stored == "legacy":
        return StatusOn("legacy", None)
    released = lifecycle.release_date
    if stored == "preview":
        return StatusOn("preview", released)
    return StatusOn("active", released if released is not None and released <= day else None)
