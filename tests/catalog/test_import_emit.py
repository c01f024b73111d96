"""The fast emitter writes YAML that reads back as exactly what was emitted."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml
import yaml_rs

from catalog.importers import litellm, modelsdev, openrouter
from catalog.importers.emit import offering_item, scalar
from catalog.problems import YamlLoader
from catalog.schema import Offering
from tests.catalog.importing import LITELLM, MODELSDEV, OPENROUTER, info

TRICKY = [
    "plain words",
    "no",
    "Yes",
    "off",
    "null",
    "~",
    "1.5",
    "2023-09",
    "2026-11-25",
    "a: b",
    "key:value",
    "#hash",
    "trailing #hash",
    "it's",
    'say "hi"',
    "- dash",
    "[list]",
    "{map}",
    "a, b",
    "multi\nline",
    "tab\there",
    " leading space",
    "trailing space ",
    "",
    "@at",
    "*star",
    "&amp",
    "!bang",
    "%percent",
    "|pipe",
    ">fold",
    ".inf",
    "-.inf",
    ".nan",
    "google/gemini-2.0-flash-exp:free",
    "ends with colon:",
]


@pytest.mark.parametrize("text", TRICKY)
def test_every_string_reads_back_as_itself(text: str) -> None:
    for flow in (True, False):
        document = f"a: {scalar(text, flow=flow)}\nb: [{scalar(text)}]\n"
        assert yaml_rs.loads(document, parse_datetime=False) == {"a": text, "b": [text]}
        assert yaml.load(document, Loader=YamlLoader) == {"a": text, "b": [text]}


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (2.0, "2"), (0.125, "0.125"), (1e-06, "0.000001"), (None, "null")],
)
def test_numbers_and_constants(value: object, text: str) -> None:
    assert scalar(value) == text
    assert yaml_rs.loads(f"a: {text}") == {"a": value}


def test_dates_are_plain() -> None:
    assert scalar(dt.date(2026, 11, 25)) == "2026-11-25"


def fixture_offerings() -> list[Offering]:
    out: list[Offering] = []
    for module, path in ((litellm, LITELLM), (modelsdev, MODELSDEV), (openrouter, OPENROUTER)):
        out += module.convert(json.loads(path.read_text()), info(module.NAME)).offerings
    return out


def test_every_fixture_offering_round_trips() -> None:
    offerings = fixture_offerings()
    data = [
        o.model_dump(mode="python", exclude_defaults=True, exclude={"provider"}) for o in offerings
    ]
    text = "offerings:\n" + "".join(offering_item(d) for d in data)
    document: Any = yaml_rs.loads(text, parse_datetime=False)
    parsed = document["offerings"]
    assert yaml.load(text, Loader=YamlLoader)["offerings"] is not None  # PyYAML reads it too
    for offering, item in zip(offerings, parsed, strict=True):
        again = Offering.model_validate(item).model_copy(update={"provider": offering.provider})
        assert again == offering


def test_the_house_style() -> None:
    offering = next(o for o in fixture_offerings() if o.key == "acme/acme-large-2")
    text = offering_item(
        offering.model_dump(mode="python", exclude_defaults=True, exclude={"provider"})
    )
    lines = text.splitlines()
    assert lines[:3] == [
        "  - id: acme-large-2",
        "    model: acme/acme-large-2",
        "    name: acme-large-2",
    ]
    assert "    limits:" in lines and "    modalities: {input: [text, image]}" in lines
    assert any(line.startswith("      source: {ref: 'litellm ") for line in lines)
    assert "        - {above_input_tokens: 128000, input: 7, output: 22.5}" in lines
