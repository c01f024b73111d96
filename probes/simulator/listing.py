"""The model lists each wire serves (`GET .../models`), from the catalog."""

from __future__ import annotations

from typing import Any

from catalog import Catalog, Offering
from probes.simulator.behaviour import is_retired


def served(catalog: Catalog, scope: str | None) -> list[Offering]:
    """Offerings a model list shows: one provider's (or all), retired ones left out."""
    return [
        o for o in catalog.offerings if (scope is None or o.provider == scope) and not is_retired(o)
    ]


def openai_models(catalog: Catalog, scope: str | None) -> dict[str, Any]:
    """GET /models on the OpenAI wire: ids per provider, offering keys on the generic route."""
    return {
        "object": "list",
        "data": [
            {
                "id": o.id if scope else o.key,
                "object": "model",
                "created": 0,
                "owned_by": o.provider,
            }
            for o in served(catalog, scope)
        ],
    }


def anthropic_models(catalog: Catalog, scope: str | None) -> dict[str, Any]:
    """GET /v1/models on the Anthropic wire."""
    data = [
        {
            "type": "model",
            "id": o.id if scope else o.key,
            "display_name": o.name,
            "created_at": "2025-01-01T00:00:00Z",
        }
        for o in served(catalog, scope)
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }


def gemini_models(catalog: Catalog, scope: str | None) -> dict[str, Any]:
    """GET /v1beta/models on the Gemini wire, with each offering's token limits."""
    return {
        "models": [
            {
                "name": "models/" + (o.id if scope else o.key),
                "displayName": o.name,
                "inputTokenLimit": o.limits.input or o.limits.context,
                "outputTokenLimit": o.limits.output,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            }
            for o in served(catalog, scope)
        ]
    }
