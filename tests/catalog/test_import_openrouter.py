"""The OpenRouter importer, on a small /api/v1/models response of our own."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.importers import Snapshot, read_snapshot
from catalog.lifecycle import status_on
from catalog.schema import Offering
from tests.catalog.importing import OPENROUTER, TODAY


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return read_snapshot("openrouter", OPENROUTER, imported=TODAY, date=dt.date(2026, 5, 15))


@pytest.fixture(scope="module")
def offerings(snapshot: Snapshot) -> dict[str, Offering]:
    return {o.key: o for o in snapshot.offerings}


def test_decimal_strings_become_exact_prices_per_million(offerings: dict[str, Offering]) -> None:
    pricing = offerings["openrouter/acme/large-2"].pricing
    assert pricing is not None
    assert (pricing.input, pricing.output, pricing.cache_read) == (3.5, 15, 0.35)
    assert pricing.per_image is None  # OpenRouter's `image` is per image token here


def test_routers_and_moving_aliases_are_skipped(snapshot: Snapshot) -> None:
    reasons = {s.key: s.reason for s in snapshot.skipped}
    assert "router" in reasons["openrouter/auto"]  # its "-1" prices never become a number
    assert "moving alias" in reasons["~acme/large-latest"]
    assert snapshot.entries == 5 and len(snapshot.offerings) == 3


def test_supported_parameters_are_the_complete_list(offerings: dict[str, Offering]) -> None:
    large = offerings["openrouter/acme/large-2"]
    assert large.capabilities.tool_calling is True
    assert large.capabilities.structured_output.json_schema is True
    assert large.capabilities.structured_output.json_mode is True
    assert (large.determinism.seed, large.determinism.temperature) == (True, True)
    assert large.capabilities.reasoning.effort == ["none", "low", "high"]
    free = offerings["openrouter/opal/opal-70b:free"]
    assert free.determinism.seed is False  # not listed: OpenRouter does not pass it on
    assert free.capabilities.structured_output.json_schema is False
    assert free.capabilities.parallel_tool_calls is None  # only ever set when listed


def test_an_empty_parameter_list_leaves_everything_unknown(offerings: dict[str, Offering]) -> None:
    old = offerings["openrouter/acme/old"]
    assert old.capabilities.tool_calling is None and old.determinism.seed is None


def test_limits_and_modalities(offerings: dict[str, Offering]) -> None:
    large = offerings["openrouter/acme/large-2"]
    assert (large.limits.context, large.limits.output) == (200_000, 32_000)
    assert large.modalities.input == ["text", "image", "pdf"]  # 'file' is pdf
    free = offerings["openrouter/opal/opal-70b:free"]
    assert free.limits.output is None  # null max_completion_tokens: unknown, not the context


def test_free_variants_open_weights_and_names(offerings: dict[str, Offering]) -> None:
    free = offerings["openrouter/opal/opal-70b:free"]
    assert free.free is True and free.model == "opal/opal-70b"
    assert free.open_weights is True  # it names its weights on Hugging Face
    large = offerings["openrouter/acme/large-2"]
    assert large.open_weights is None  # no Hugging Face id says nothing either way
    assert large.name == "Large 2" and large.knowledge_cutoff == "2025-09-30"


def test_expiration_dates_are_shutdowns(offerings: dict[str, Offering]) -> None:
    free = offerings["openrouter/opal/opal-70b:free"].lifecycle
    assert (free.status, free.shutdown_date) == ("deprecated", dt.date(2026, 12, 31))
    old = offerings["openrouter/acme/old"].lifecycle
    # stored as the source says; retired from its date on (catalog.lifecycle)
    assert old.status == "deprecated" and old.shutdown_date is not None
    assert status_on(old, TODAY).status == "retired"


def test_refs_cite_the_snapshot(offerings: dict[str, Offering]) -> None:
    source = offerings["openrouter/acme/large-2"].limits.source
    # Without --source-version the snapshot is named by its newest model's day.
    assert source.ref == 'OpenRouter /api/v1/models snapshot 2026-03-01 "acme/large-2"'
    assert source.checked == dt.date(2026, 5, 15)
