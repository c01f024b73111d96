"""The committed JSON Schema matches the models, and every data file points at it."""

from __future__ import annotations

import json

from catalog import BUNDLED_DIR
from catalog.jsonschema import CATALOG_SCHEMA_NAME, SCHEMA_DIR, catalog_schema, dumps

HEADER = f"# yaml-language-server: $schema=../schemas/{CATALOG_SCHEMA_NAME}\n"


def test_committed_schema_matches_the_models() -> None:
    committed = (SCHEMA_DIR / CATALOG_SCHEMA_NAME).read_text(encoding="utf-8")
    assert committed == dumps(catalog_schema()), (
        "catalog/schemas is stale: run `advisor catalog schema -o catalog/schemas`"
    )


def test_schema_is_strict_and_tristate() -> None:
    schema = catalog_schema()
    offering = schema["$defs"]["Offering"]
    assert offering["additionalProperties"] is False
    assert set(offering["required"]) == {"id", "model", "name", "limits"}
    tool_calling = schema["$defs"]["Capabilities"]["properties"]["tool_calling"]
    assert {"const": "unknown"} in tool_calling["anyOf"]
    json.dumps(schema)  # serialisable as is


def test_every_bundled_file_starts_with_the_schema_header() -> None:
    files = sorted(BUNDLED_DIR.glob("*.yaml"))
    assert files
    for path in files:
        assert path.read_text(encoding="utf-8").startswith(HEADER), path.name
