"""TUI fixtures: a fixed catalog, a fixed date and no blinking cursor, so snapshots are
deterministic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from advisor.tui.app import AdvisorApp
from catalog import Catalog
from tests.conftest import DATA

TODAY = dt.date(2026, 11, 25)
"""Matching judges lifecycles by this date, so shutdowns never move the pictures."""

WORKLOADS = DATA / "workloads" / "tui.yaml"
"""Two workloads (ticket-triage, doc-qa) matched against the fixture catalog."""


@pytest.fixture(autouse=True)
def in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths on screen are shown relative to the working folder: make it the same for all."""
    monkeypatch.chdir(DATA.parent.parent)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(Input, "cursor_blink", False)
    yield


@pytest.fixture
def app(tiny_catalog: Catalog) -> AdvisorApp:
    """The app on the fixture catalog, with no workload file."""
    return AdvisorApp(catalog=tiny_catalog, today=TODAY)


@pytest.fixture
def workloads_app(tiny_catalog: Catalog) -> AdvisorApp:
    """The app opened on the fixture workload file."""
    return AdvisorApp(catalog=tiny_catalog, workloads_path=WORKLOADS, today=TODAY)


@pytest.fixture
def workloads_copy(tmp_path: Path) -> Path:
    """A copy of the fixture workload file that a test may save over."""
    path = tmp_path / "workloads.yaml"
    path.write_text(WORKLOADS.read_text(encoding="utf-8"), encoding="utf-8")
    return path


async def settle(pilot: Pilot[None]) -> None:
    """Wait until file workers are done and their messages handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
