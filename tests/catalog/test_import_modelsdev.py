"""The models.dev importer, on a small api.json of our own."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.importers import Snapshot, read_snapshot
from catalog.importers.blocks import stated
from catalog.schema import Offering
from tests.catalog.importing import MODELSDEV, TODAY


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return read_snapshot("models.dev", MODELSDEV, imported=TODAY)


@pytest.fixture(scope="module")
def offerings(snapshot: Snapshot) -> dict[str, Offering]:
    return {o.key: o for o in snapshot.offerings}


def test_the_file_is_dated_by_its_newest_entry(snapshot: Snapshot) -> None:
    assert snapshot.info.date == dt.date(2026, 6, 30)
    large = next(o for o in snapshot.offerings if o.id == "acme-large-2")
    assert large.limits.source.ref == 'models.dev@2026-06-30 modelsdev_api.json "acme/acme-large-2"'
    assert large.limits.source.checked == dt.date(2026, 6, 30)
    assert large.limits.source.note == f"imported {TODAY}"


def test_cost_is_per_million_already_with_context_tiers(offerings: dict[str, Offering]) -> None:
    pricing = offerings["acme/acme-large-2"].pricing
    assert pricing is not None
    assert (pricing.input, pricing.output, pricing.cache_read) == (3.5, 15, 0.35)
    # The tiers win over the legacy context_over_200k figure.
    assert [(t.above_input_tokens, t.input, t.output) for t in pricing.tiers] == [
        (128_000, 7, 22.5)
    ]
    assert "cost keys not read: cached_input" in (pricing.source.note or "")


def test_limits_with_an_input_cap(offerings: dict[str, Offering]) -> None:
    limits = offerings["acme/acme-large-2"].limits
    assert (limits.context, limits.input, limits.output) == (200_000, 180_000, 32_000)
    old = offerings["acme/acme-old"].limits
    assert old.output is None and "above the context" in (old.source.note or "")


def test_structured_output_absent_is_unknown_stated_false_is_false(
    offerings: dict[str, Offering],
) -> None:
    assert offerings["acme/acme-large-2"].capabilities.structured_output.json_schema is None
    assert offerings["acme/acme-old"].capabilities.structured_output.json_schema is False
    assert "determinism" not in offerings["acme/acme-beta"].model_fields_set  # no temperature
    assert offerings["acme/acme-large-2"].determinism.temperature is True


def test_reasoning_options(offerings: dict[str, Offering]) -> None:
    large = offerings["acme/acme-large-2"].capabilities.reasoning
    assert large.supported is True and large.effort == ["low", "medium", "high"]
    beta = offerings["acme/acme-beta"].capabilities.reasoning
    assert beta.toggle is True and beta.budget_tokens is not None
    assert (beta.budget_tokens.min, beta.budget_tokens.max) == (None, 32_000)  # -1: no minimum
    assert stated(offerings["acme/acme-old"].capabilities.reasoning) == {"supported": False}


def test_status_release_date_and_identity(offerings: dict[str, Offering]) -> None:
    old = offerings["acme/acme-old"]
    assert old.lifecycle.status == "deprecated" and old.lifecycle.release_date is None  # 2024-01
    assert "no longer served" in (old.lifecycle.source.note or "")  # type: ignore[union-attr]
    assert offerings["acme/acme-beta"].lifecycle.status == "preview"
    large = offerings["acme/acme-large-2"]
    assert large.lifecycle.release_date == dt.date(2026, 3, 1)
    assert (large.name, large.family, large.knowledge_cutoff) == (
        "Acme Large 2",
        "acme-large",
        "2025-09",
    )
    assert large.open_weights is False and old.open_weights is True
    assert large.modalities.input == ["text", "image", "pdf"]


def test_provider_blocks_only_for_hosts_with_an_endpoint(snapshot: Snapshot) -> None:
    host = snapshot.providers["newhost"]
    assert (host.api, host.base_url, host.key_env) == (
        "openai-compatible",
        "https://newhost.invalid/v1",
        "NEWHOST_API_KEY",
    )
    assert "closedsdk" not in snapshot.providers  # an SDK we do not speak, and no base URL
    assert snapshot.entries == 5
