"""TUI fixtures: a fixed catalog and no blinking cursor, so snapshots are deterministic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Input

from advisor.tui.app import AdvisorApp
from catalog import Catalog


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(Input, "cursor_blink", False)
    yield


@pytest.fixture
def app(tiny_catalog: Catalog) -> AdvisorApp:
    return AdvisorApp(catalog=tiny_catalog)
