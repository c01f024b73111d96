"""Formatting shared by the CLI and the TUI: unknown never reads as zero."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from advisor import units
from advisor.present import catalog
from catalog import Catalog


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "?"),
        (512, "512"),
        (8192, "8Ki"),
        (16384, "16Ki"),
        (65536, "64Ki"),
        (131072, "128Ki"),
        (128000, "128k"),
        (1_000_000, "1M"),
        (1_048_576, "1Mi"),
        (1_047_576, "1,047,576"),
        (2_000_000, "2M"),
    ],
)
def test_tokens(value: int | None, text: str) -> None:
    """Exact for powers of two and round decimal counts alike: nothing is rounded."""
    assert units.tokens(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(None, "?"), (0, "free"), (0.075, "0.075"), (2.5, "2.50"), (15, "15.00")]
)
def test_price(value: float | None, text: str) -> None:
    assert units.price(value) == text


def plain(renderable: object) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_status_of_a_retired_offering_names_shutdown_and_successor(tiny_catalog: Catalog) -> None:
    offering = tiny_catalog.get("acme/acme-small-1")
    assert offering is not None
    assert catalog.status(offering).plain == "retired 2026-03-01 → acme/acme-small-2"


def test_detail_shows_unknowns_and_sources(tiny_catalog: Catalog) -> None:
    offering = tiny_catalog.get("hostel/opal-70b:free")
    assert offering is not None
    text = plain(catalog.offering_detail(offering))
    assert "output ?" in text
    assert "seed ?" in text
    assert "free tier   rpm 20 · rpd 50" in text
    assert "fixture · checked 2026-09-01" in text


def test_detail_of_an_offering_without_pricing(tiny_catalog: Catalog) -> None:
    offering = tiny_catalog.get("acme/acme-small-1")
    assert offering is not None
    assert "pricing     unknown" in plain(catalog.offering_detail(offering))


def test_counts_take_their_plural() -> None:
    assert [units.count(n, "workload") for n in (0, 1, 2, 1000)] == [
        "0 workloads",
        "1 workload",
        "2 workloads",
        "1,000 workloads",
    ]


def test_a_pattern_problem_is_said_in_words() -> None:
    from pydantic import ValidationError

    from advisor.workload.model import Workload
    from catalog.problems import _message

    with pytest.raises(ValidationError) as caught:
        Workload(name="Billing Classifier")
    message = _message(caught.value.errors()[0])
    assert "pattern" not in message and "[a-z" not in message
    assert message.startswith("should be lowercase letters, digits")
