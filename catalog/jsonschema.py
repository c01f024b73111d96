"""JSON Schema for catalog files, generated from the pydantic models.

The committed copy in `catalog/schemas/` is what editors load through each data file's
`yaml-language-server` header; a test fails when it drifts from the models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from catalog.schema import CatalogFile

SCHEMA_DIR = Path(__file__).parent / "schemas"
CATALOG_SCHEMA_NAME = "catalog.schema.json"


def catalog_schema() -> dict[str, Any]:
    """The JSON Schema of one catalog YAML file."""
    schema = CatalogFile.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": CATALOG_SCHEMA_NAME,
        "title": "Model Advisor catalog file",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def dumps(schema: dict[str, Any]) -> str:
    """Stable text for a schema: sorted keys would scramble field order, so keep it as built."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
