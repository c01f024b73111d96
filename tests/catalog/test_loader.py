"""The loader: valid files load; each kind of bad input yields one positioned problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from catalog import InputError, load_catalog
from catalog.problems import Problem
from tests.conftest import FIXTURE_CATALOG

HEADER = """\
provider:
  id: acme
  name: Acme AI
  api: openai
  base_url: https://api.acme.invalid/v1
  key_env: ACME_API_KEY
offerings:
"""

GOOD = """\
  - id: a-1
    model: acme/a-1
    name: A 1
    limits: {context: 1000, output: 100, source: {ref: x, checked: 2026-01-01}}
"""


def problems_of(tmp_path: Path, body: str, header: str = HEADER) -> list[Problem]:
    path = tmp_path / "acme.yaml"
    path.write_text(header + body, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_catalog([path])
    return caught.value.problems


def only(problems: list[Problem]) -> tuple[int, int, str, str]:
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    return p.line, p.col, p.field, p.message


def test_fixture_catalog_loads() -> None:
    catalog = load_catalog([FIXTURE_CATALOG])
    assert [o.key for o in catalog.offerings][:2] == ["acme/acme-large-2", "acme/acme-small-2"]
    assert catalog.get("hostel/opal-70b:free") is not None
    assert catalog.get("acme/acme-large-2").provider == "acme"  # type: ignore[union-attr]
    assert catalog.warnings == ()


def test_broken_yaml_syntax_names_line_and_column(tmp_path: Path) -> None:
    line, col, field, message = only(problems_of(tmp_path, "  - id: [a-1\n    model: x\n"))
    assert (line, field) == (9, "")
    assert message.startswith("invalid YAML:")


def test_duplicate_mapping_key_is_an_error(tmp_path: Path) -> None:
    body = GOOD.replace("    name: A 1\n", "    name: A 1\n    name: A one\n")
    assert only(problems_of(tmp_path, body))[:3] == (11, 5, "offerings[0].name")


def test_unknown_key_points_at_the_key(tmp_path: Path) -> None:
    body = GOOD + "    colour: blue\n"
    assert only(problems_of(tmp_path, body)) == (12, 5, "offerings[0].colour", "unknown key")


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    body = GOOD.replace("context: 1000", "context: lots")
    line, col, field, message = only(problems_of(tmp_path, body))
    assert (line, col, field) == (11, 23, "offerings[0].limits.context")
    assert "integer" in message and "'lots'" in message


def test_output_above_context(tmp_path: Path) -> None:
    body = GOOD.replace("output: 100", "output: 4000")
    line, _, field, message = only(problems_of(tmp_path, body))
    assert (line, field) == (11, "offerings[0].limits.output")
    assert "4,000 exceeds the context window 1,000" in message


def test_dangling_successor(tmp_path: Path) -> None:
    body = GOOD + "    lifecycle: {status: deprecated, successor: acme/a-9}\n"
    line, _, field, message = only(problems_of(tmp_path, body))
    assert (line, field) == (12, "offerings[0].lifecycle.successor")
    assert "'acme/a-9' is not in the catalog" in message


def test_duplicate_id(tmp_path: Path) -> None:
    line, _, field, message = only(problems_of(tmp_path, GOOD + GOOD))
    assert (line, field) == (12, "offerings[1].id")
    assert "duplicate offering 'acme/a-1'" in message


def test_negative_price(tmp_path: Path) -> None:
    body = GOOD + "    pricing: {input: -1, output: 2, source: {ref: x, checked: 2026-01-01}}\n"
    line, _, field, message = only(problems_of(tmp_path, body))
    assert (line, field) == (12, "offerings[0].pricing.input")
    assert "greater than or equal to 0" in message


def test_price_above_sanity_ceiling(tmp_path: Path) -> None:
    body = GOOD + "    pricing: {input: 2500, source: {ref: x, checked: 2026-01-01}}\n"
    assert "sanity ceiling" in only(problems_of(tmp_path, body))[3]


def test_bad_date(tmp_path: Path) -> None:
    body = GOOD.replace("checked: 2026-01-01", "checked: 2026-13-01")
    line, _, field, message = only(problems_of(tmp_path, body))
    assert (line, field) == (11, "offerings[0].limits.source.checked")
    assert "YYYY-MM-DD" in message


def test_missing_required_field_points_at_its_parent(tmp_path: Path) -> None:
    body = GOOD.replace("    name: A 1\n", "")
    line, col, field, message = only(problems_of(tmp_path, body))
    assert (line, col, field, message) == (8, 5, "offerings[0].name", "required")


def test_bad_provider_block_reports_every_field(tmp_path: Path) -> None:
    header = "provider:\n  id: Acme\n  api: smoke-signals\noffering:\n"
    fields = [p.field for p in problems_of(tmp_path, "", header)]
    assert fields == [
        "provider.name",
        "provider.base_url",
        "provider.id",
        "provider.api",
        "offering",
    ]


def test_every_problem_in_every_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HEADER + GOOD.replace("1000", "lots"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text("provider: acme\noffering: []\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_catalog([tmp_path])
    assert [(Path(p.path).name, p.field) for p in caught.value.problems] == [
        ("a.yaml", "offerings[0].limits.context"),
        ("b.yaml", "offering"),
    ]


def test_one_bad_offering_does_not_hide_checks_on_the_others(tmp_path: Path) -> None:
    bad = GOOD.replace("1000", "lots")
    good_but_dup = GOOD.replace("output: 100", "output: 5000")
    fields = [p.field for p in problems_of(tmp_path, bad + good_but_dup)]
    assert fields == ["offerings[0].limits.context", "offerings[1].limits.output"]


def test_a_schema_problem_does_not_hide_a_rule_problem_in_the_same_offering(tmp_path: Path) -> None:
    # One pass: the unknown key and the output above the context window, each at its line.
    body = GOOD.replace("output: 100", "output: 4000") + "    colour: blue\n"
    found = [(p.line, p.field, p.message) for p in problems_of(tmp_path, body)]
    assert found == [
        (11, "offerings[0].limits.output", "output limit 4,000 exceeds the context window 1,000"),
        (12, "offerings[0].colour", "unknown key"),
    ]


def test_rules_read_what_is_valid_of_a_bad_offering(tmp_path: Path) -> None:
    # The limits block lacks its source and the name is missing: the rules still see the
    # limits and the lifecycle; a field that failed the schema is not reported twice.
    body = (
        "  - id: a-1\n"
        "    model: acme/a-1\n"
        "    limits: {context: 1000, output: 4000, input: -5}\n"
        "    lifecycle: {deprecation_date: 2026-05-01, shutdown_date: 2026-04-01}\n"
    )
    fields = [(p.field, p.message) for p in problems_of(tmp_path, body)]
    assert fields == [
        ("offerings[0].name", "required"),
        ("offerings[0].limits.source", "required"),
        ("offerings[0].limits.output", "output limit 4,000 exceeds the context window 1,000"),
        ("offerings[0].limits.input", "must be greater than 0 (got -5)"),
        (
            "offerings[0].lifecycle.shutdown_date",
            "shutdown 2026-04-01 is before deprecation 2026-05-01",
        ),
    ]


def test_tristate_accepts_unknown_and_leaves_missing_unknown(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(HEADER + GOOD + "    capabilities: {tool_calling: unknown}\n", encoding="utf-8")
    offering = load_catalog([path]).offerings[0]
    assert offering.capabilities.tool_calling is None
    assert offering.capabilities.streaming is None
    assert offering.determinism.seed is None


def test_yes_is_not_a_boolean(tmp_path: Path) -> None:
    body = GOOD + "    capabilities: {tool_calling: yes}\n"
    assert only(problems_of(tmp_path, body))[2] == "offerings[0].capabilities.tool_calling"


def test_overlay_adds_and_replaces_offerings(tmp_path: Path) -> None:
    overlay = tmp_path / "mine.yaml"
    overlay.write_text(
        textwrap.dedent(
            """\
            provider: acme
            offerings:
              - id: acme-small-2
                model: acme/small-2
                name: Acme Small 2 (our negotiated price)
                limits: {context: 128000, output: 16384, source: {ref: contract, checked: 2026-11-01}}
                pricing: {input: 0.1, output: 0.4, source: {ref: contract, checked: 2026-11-01}}
              - id: acme-tuned
                model: acme/tuned
                name: Our fine-tune
                limits: {context: 128000, source: {ref: our deployment, checked: 2026-11-01}}
            """
        ),
        encoding="utf-8",
    )
    catalog = load_catalog([FIXTURE_CATALOG, overlay])
    small = catalog.get("acme/acme-small-2")
    assert small is not None and small.pricing is not None and small.pricing.input == 0.1
    assert catalog.get("acme/acme-tuned") is not None
    assert len(catalog.offerings) == 7


def test_overlay_naming_an_unknown_provider(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("provider: nobody\nofferings: []\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_catalog([FIXTURE_CATALOG, path])
    (problem,) = caught.value.problems
    assert (problem.line, problem.col, problem.field) == (1, 11, "provider")
    assert "unknown provider 'nobody'" in problem.message


def test_offering_cannot_claim_another_provider(tmp_path: Path) -> None:
    body = GOOD.replace("    name: A 1\n", "    name: A 1\n    provider: other\n")
    assert "in a file for 'acme'" in only(problems_of(tmp_path, body))[3]


def test_retired_without_shutdown_date_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(HEADER + GOOD + "    lifecycle: {status: retired}\n", encoding="utf-8")
    (warning,) = load_catalog([path]).warnings
    assert warning.severity == "warning"
    assert warning.field == "offerings[0].lifecycle.shutdown_date"
