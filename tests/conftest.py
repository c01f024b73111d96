"""Shared fixtures: user state always in a temporary folder, never the real one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog import Catalog, load_catalog

DATA = Path(__file__).parent / "data"
FIXTURE_CATALOG = DATA / "catalog"


@pytest.fixture(autouse=True)
def advisor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "advisor-home"
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    yield home


@pytest.fixture
def tiny_catalog() -> Catalog:
    """A small catalog of made-up offerings whose values never change under the tests."""
    return load_catalog([FIXTURE_CATALOG])
