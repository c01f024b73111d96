"""The LiteLLM importer: units, meanings and provenance, on a small price map of our own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import InputError
from catalog.importers import litellm, read_snapshot
from catalog.importers.blocks import stated
from catalog.schema import Offering
from tests.catalog.importing import LITELLM, MODELSDEV, TODAY, info


@pytest.fixture(scope="module")
def offerings() -> dict[str, Offering]:
    snapshot = litellm.convert(json.loads(LITELLM.read_text()), info())
    return {o.key: o for o in snapshot.offerings}


def test_per_token_prices_become_exact_per_million(offerings: dict[str, Offering]) -> None:
    pricing = offerings["acme/acme-large-2"].pricing
    assert pricing is not None
    assert (pricing.input, pricing.output, pricing.cache_read) == (3.5, 15, 0.35)
    assert pricing.batch is not None and (pricing.batch.input, pricing.batch.output) == (1.75, 7.5)
    (tier,) = pricing.tiers
    assert (tier.above_input_tokens, tier.input, tier.output) == (128_000, 7, 22.5)


def test_the_provider_prefix_is_not_part_of_the_id(offerings: dict[str, Offering]) -> None:
    small = offerings["acme/acme-small-2"]
    assert small.id == "acme-small-2" and small.model == "acme/acme-small-2"


def test_an_absent_flag_stays_unknown(offerings: dict[str, Offering]) -> None:
    small = offerings["acme/acme-small-2"]  # the entry names no supports_* flag at all
    assert small.capabilities.tool_calling is None
    assert small.capabilities.structured_output.json_schema is None
    assert stated(small.capabilities) == {}
    large = offerings["acme/acme-large-2"]
    assert stated(large.capabilities) == {
        "tool_calling": True,
        "structured_output.json_schema": True,
    }
    assert large.modalities.input == ["text", "image"]


def test_deprecation_date_is_a_shutdown_with_its_successor(offerings: dict[str, Offering]) -> None:
    life = offerings["acme/acme-large-1"].lifecycle
    assert life.status == "deprecated"
    assert str(life.shutdown_date) == "2027-02-01" and life.deprecation_date is None
    assert life.successor == "acme/acme-large-2"
    assert life.source is not None and "https://acme.invalid/deprecations" in (
        life.source.note or ""
    )


def test_a_successor_missing_from_the_map_is_a_note_not_a_key(
    offerings: dict[str, Offering],
) -> None:
    offering = offerings["acme/acme-next"]
    assert offering.lifecycle.successor is None and "lifecycle" not in offering.model_fields_set
    assert "'acme-missing'" in (offering.notes or "")


def test_output_equal_to_input_is_a_placeholder_left_unknown(
    offerings: dict[str, Offering],
) -> None:
    limits = offerings["acme/acme-next"].limits
    assert limits.context == 1_000_000 and limits.output is None
    assert "placeholder" in (limits.source.note or "")


def test_output_above_the_context_is_dropped_with_a_note(offerings: dict[str, Offering]) -> None:
    limits = offerings["acme/acme-mini:free"].limits
    assert limits.context == 32_000 and limits.output is None
    assert "above the context" in (limits.source.note or "")


def test_a_price_above_the_sanity_ceiling_is_left_unknown(offerings: dict[str, Offering]) -> None:
    pricing = offerings["acme/acme-typo"].pricing
    assert pricing is not None and pricing.input is None and pricing.output == 6
    assert "sanity ceiling" in (pricing.source.note or "")


def test_free_variants_and_aliases(offerings: dict[str, Offering]) -> None:
    assert offerings["acme/acme-mini:free"].free is True
    assert offerings["acme/acme-large-2"].free is False
    assert offerings["acme/acme-next"].aliases == ["acme-latest"]
    assert offerings["acme/acme-next"].capabilities.reasoning.effort == ["low", "high"]


def test_only_chat_models_are_offerings() -> None:
    snapshot = litellm.convert(json.loads(LITELLM.read_text()), info())
    skipped = {s.key: s.reason for s in snapshot.skipped}
    assert "mode embedding" in skipped["acme-embed"]
    assert "fine-tuning" in skipped["ft:acme-large-2"]
    assert "sample_spec" not in skipped and "acme-latest" not in skipped
    assert snapshot.entries == 10  # every entry but sample_spec
    assert "mystery/model-x" in {o.key for o in snapshot.offerings}  # kept for the planner


def test_every_block_names_importer_version_key_and_dates(offerings: dict[str, Offering]) -> None:
    large = offerings["acme/acme-large-2"]
    assert large.pricing is not None
    for source in (large.limits.source, large.pricing.source):
        assert source.ref == 'litellm 1.0.0-fixture prices.json "acme-large-2"'
        assert source.checked == TODAY  # the map has no date of its own
        assert (source.note or "").startswith(f"imported {TODAY}")
    assert "LiteLLM cites https://acme.invalid/pricing" in (large.pricing.source.note or "")


def test_reading_a_file_names_its_version_and_file() -> None:
    snapshot = read_snapshot("litellm", LITELLM, imported=TODAY, version="9.9.9")
    offering = next(o for o in snapshot.offerings if o.id == "acme-large-2")
    assert offering.limits.source.ref == 'litellm 9.9.9 litellm_prices.json "acme-large-2"'
    unversioned = read_snapshot("litellm", LITELLM, imported=TODAY)
    assert unversioned.info.version.startswith("sha256:")  # not the installed package's file


def test_another_source_s_file_is_bad_input() -> None:
    with pytest.raises(InputError) as raised:
        read_snapshot("litellm", MODELSDEV, imported=TODAY)
    (problem,) = raised.value.problems
    assert problem.path == str(MODELSDEV) and "LiteLLM price map" in problem.message


def test_malformed_json_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "prices.json"
    bad.write_text('{\n  "a": {,\n}', encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_snapshot("litellm", bad, imported=TODAY)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line, problem.col) == (str(bad), 2, 9)


@pytest.mark.skipif(
    litellm.bundled_file() is None, reason="litellm is not installed: no bundled price map"
)
def test_the_installed_package_s_price_map() -> None:
    path = litellm.bundled_file()
    assert path is not None
    snapshot = read_snapshot("litellm", path, imported=TODAY)
    assert snapshot.info.version == litellm.installed_version()
    assert len(snapshot.offerings) > 1000  # 3,448 chat offerings in 1.110.2
    gpt4o = next(o for o in snapshot.offerings if o.key == "openai/gpt-4o")
    assert gpt4o.pricing is not None and gpt4o.pricing.input == 2.5
