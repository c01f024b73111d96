"""JSON Schema for catalog files, generated from the pydantic models.

The committed copy in `catalog/schemas/` is what editors load through each data file's
`yaml-language-server` header; a test fails when it drifts from the models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from catalog.schema import CatalogFile

SCHEMA_DIR = Path(__file__).parent / "schemas"
CATALOG_SCHEMA_NAME = "catalog.schema.json"


def file_schema(model: type[BaseModel], name: str, title: str) -> dict[str, Any]:
    """The JSON Schema of a file whose top level is `model`, named for editors."""
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": name,
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }


def catalog_schema() -> dict[str, Any]:
    """The JSON Schema of one catalog YAML file."""
    return file_schema(CatalogFile, CATALOG_SCHEMA_NAME, "Model Advisor catalog file")


def dumps(schema: dict[str, Any]) -> str:
    """Stable text for a schema: sorted keys would scramble field order, so keep it as built."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
