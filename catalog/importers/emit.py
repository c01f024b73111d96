"""Emit new catalog entries as YAML text in the bundled catalog's style, fast.

ruamel.yaml's round trip is what keeps existing files intact, but its pure-Python emitter
takes milliseconds per offering: a whole-source import writes thousands of new offerings,
and those need no round trip. This emitter writes the few shapes a catalog entry has:
block mappings for an offering and its blocks, one-line flow mappings for the groups the
bundled files write on one line (`source`, `modalities`, flag groups, tiers), flow lists of
scalars. A scalar is written plain only when it cannot be read back as anything else;
otherwise it is quoted. A test reads every emitted entry back and compares.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

FLOW_KEYS = frozenset(
    {"source", "modalities", "structured_output", "reasoning", "determinism", "batch", "data"}
)
"""Mappings written on one line, as the bundled catalog writes them."""

_PLAIN = re.compile(r"[A-Za-z_$/.][A-Za-z0-9_$/.+~@()-]*(?: [A-Za-z0-9_$/.+~@()-]+)*")
"""Strings safe to write unquoted anywhere, flow context included: no indicator characters
(`:` `#` `,` `[` `]` `{` `}` quotes), no leading digit or dash, no trailing space."""

_PLAIN_BLOCK = re.compile(r"[A-Za-z_$/.][A-Za-z0-9_$/.+~@()-]*(?:[ :][A-Za-z0-9_$/.+~@()-]+)*")
"""In block context a colon may also join words (`vendor/model:free`), never end one or
come before a space."""

_RESERVED = re.compile(r"(?i:true|false|yes|no|on|off|y|n|null|~|\.nan|[-+]?\.inf)")
"""Plain words a YAML 1.1 or 1.2 reader takes for something other than a string."""


def offering_item(data: Mapping[str, Any], dash: int = 2) -> str:
    """One offering as an item of the `offerings:` list, its dash indented `dash` spaces."""
    lines = _block(data, indent=dash + 2)
    lines[0] = " " * dash + "- " + lines[0][dash + 2 :]
    return "\n".join(lines) + "\n"


def mapping_block(key: str, data: Mapping[str, Any]) -> str:
    """A top-level `key:` with its mapping in block style, e.g. the provider block."""
    return "\n".join([f"{key}:", *_block(data, indent=2)]) + "\n"


def _block(data: Mapping[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping) and key not in FLOW_KEYS and value:
            lines.append(f"{pad}{key}:")
            lines += _block(value, indent + 2)
        elif isinstance(value, list) and any(isinstance(v, Mapping | list) for v in value):
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}  - {_flow(item)}" for item in value]
        elif isinstance(value, Mapping | list):
            lines.append(f"{pad}{key}: {_flow(value)}")
        else:
            lines.append(f"{pad}{key}: {scalar(value, flow=False)}")
    return lines


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar(value)


def scalar(value: Any, *, flow: bool = True) -> str:
    """One scalar as YAML that reads back as the same value and type. Outside flow context
    (`flow=False`) a colon inside a word, as in `model:free`, needs no quotes."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        # No exponent: '1e-06' is a float in YAML 1.2 but a string to YAML 1.1 readers.
        return f"{value:.12f}".rstrip("0") if "e" in text else text
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    plain = _PLAIN if flow else _PLAIN_BLOCK
    if plain.fullmatch(text) and not _RESERVED.fullmatch(text):
        return text
    if "'" in text or "\n" in text or any(ord(c) < 32 for c in text):
        # A JSON string is a YAML double-quoted one, and reads better than doubled quotes.
        return json.dumps(text, ensure_ascii=False)
    return "'" + text + "'"
