"""Valid JSON instances from a JSON Schema, and deliberately invalid variants.

Covers what structured-output schemas use: `type` (one or a list), `properties`,
`required`, `additionalProperties`, `enum`, `const`, `items`, `minItems`/`maxItems`,
`anyOf`/`oneOf`/`allOf`, local `$ref` into `$defs`/`definitions`, numeric bounds, string
length bounds and the common `format`s. Gemini's OpenAPI-style uppercase types
(`OBJECT`, `STRING`) are read as their lowercase JSON Schema names. A `pattern` cannot be
honoured in general; such strings are left as words.
"""

from __future__ import annotations

import random
from typing import Any, Final

from probes.simulator.text import WORDS

MAX_DEPTH: Final = 6
Schema = dict[str, Any]


def instance(schema: Any, rng: random.Random, root: Schema | None = None, depth: int = 0) -> Any:
    """A value that satisfies `schema` (a JSON Schema as a dict; True/{} accept anything)."""
    if not isinstance(schema, dict):
        return "ok"
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            # Prefer a non-null branch: a structured answer that is all nulls helps nobody.
            real = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            return instance(rng.choice(real or options), rng, root, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: Schema = {}
        for part in schema["allOf"]:
            part = _resolve(part, root) if isinstance(part, dict) else {}
            for k, v in part.items():
                if k in ("properties",) and isinstance(v, dict):
                    merged.setdefault("properties", {}).update(v)
                elif k == "required" and isinstance(v, list):
                    merged.setdefault("required", []).extend(v)
                else:
                    merged.setdefault(k, v)
        return instance(merged, rng, root, depth + 1)
    kind = _type(schema)
    if kind == "object":
        return _object(schema, rng, root, depth)
    if kind == "array":
        return _array(schema, rng, root, depth)
    if kind == "string":
        return _string(schema, rng)
    if kind == "integer":
        return int(_number(schema, rng, integer=True))
    if kind == "number":
        return _number(schema, rng, integer=False)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return rng.choice(WORDS)


def violate(value: Any, schema: Any, rng: random.Random) -> Any:
    """A variant of a valid instance that breaks the schema: a required property dropped, an
    enum value outside the list, or a wrong type. Still well-formed JSON."""
    root = schema if isinstance(schema, dict) else {}
    resolved = _resolve(root, root)
    if isinstance(value, dict) and value:
        required = [k for k in resolved.get("required", []) if k in value]
        broken = dict(value)
        if required:
            del broken[rng.choice(required)]
        else:
            key = rng.choice(sorted(broken))
            broken[key] = {"unexpected": True} if not isinstance(broken[key], dict) else 0
        return broken
    if isinstance(value, str):
        return 12345
    return "not the requested shape"


def _resolve(schema: Schema, root: Schema) -> Schema:
    seen = 0
    while isinstance(schema.get("$ref"), str) and seen < 16:
        ref: str = schema["$ref"]
        target: Any = root
        if not ref.startswith("#"):
            return {}
        for part in ref.lstrip("#/").split("/"):
            if not part:
                continue
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = target if isinstance(target, dict) else {}
        seen += 1
    return schema


def _type(schema: Schema) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if isinstance(k, str) and k.lower() != "null"]
        kind = real[0] if real else "null"
    if isinstance(kind, str):
        return kind.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _object(schema: Schema, rng: random.Random, root: Schema, depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = set(schema.get("required", []) or [])
    out: dict[str, Any] = {}
    for name, sub in properties.items():
        if name in required or (depth < MAX_DEPTH and rng.random() < 0.5):
            out[name] = instance(sub, rng, root, depth + 1) if depth < MAX_DEPTH else None
    for name in required - set(out):
        out[name] = "ok"  # required but not described
    if not properties and schema.get("additionalProperties") is not False and depth == 0:
        out = {"answer": " ".join(rng.choice(WORDS) for _ in range(4))}
    return out


def _array(schema: Schema, rng: random.Random, root: Schema, depth: int) -> list[Any]:
    low = int(schema.get("minItems", 1))
    high = int(schema.get("maxItems", max(low, 3)))
    count = rng.randint(low, max(low, high)) if depth < MAX_DEPTH else low
    items = schema.get("items", {})
    return [instance(items, rng, root, depth + 1) for _ in range(count)]


def _string(schema: Schema, rng: random.Random) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if fmt == "date-time":
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00Z"
    if fmt == "time":
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    if fmt == "email":
        return f"{rng.choice(WORDS)}@example.com"
    if fmt in ("uri", "url"):
        return f"https://example.com/{rng.choice(WORDS)}"
    if fmt == "uuid":
        bits = [rng.getrandbits(n) for n in (32, 16, 12, 12, 48)]
        return f"{bits[0]:08x}-{bits[1]:04x}-4{bits[2]:03x}-8{bits[3]:03x}-{bits[4]:012x}"
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", 10_000))
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
    while len(text) < low:
        text += " " + rng.choice(WORDS)
    return text[:high]


def _number(schema: Schema, rng: random.Random, integer: bool) -> float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    low = float(low) if isinstance(low, int | float) else 0.0
    high = float(high) if isinstance(high, int | float) else max(low + 100.0, 100.0)
    if integer:
        first = int(low) + (1 if "exclusiveMinimum" in schema or int(low) < low else 0)
        last = int(high) - (1 if "exclusiveMaximum" in schema and high == int(high) else 0)
        return float(rng.randint(first, max(first, last)))
    value = rng.uniform(low, high)
    if (
        value == low
        and "exclusiveMinimum" in schema
        or value == high
        and "exclusiveMaximum" in schema
    ):
        value = (low + high) / 2
    return round(value, 2) if low < round(value, 2) < high else value
