"""What the simulated model sees in the files it is given: enough to answer the modality
probe's questions, as a model that reads its inputs would.

- a PNG: the colour of its first pixel, by name (8-bit RGB or RGBA, no interlacing: what the
  probe sends; anything else reads as "an image");
- a PDF: the text its content streams show with `Tj` (uncompressed streams only; anything
  else reads as "a document").
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from typing import Any

_COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "orange": (255, 165, 0),
    "purple": (128, 0, 128),
    "pink": (255, 192, 203),
    "brown": (139, 69, 19),
    "grey": (128, 128, 128),
}
"""Colour names and their usual RGB: the nearest names a pixel."""
_SHOWN = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj")
_DATA_URL = re.compile(r"^data:[^;,]*;base64,(.*)$", re.DOTALL)


def decode(value: Any) -> bytes | None:
    """The bytes of a base64 string or base64 data URL; None for anything else."""
    if not isinstance(value, str):
        return None
    found = _DATA_URL.match(value)
    try:
        return base64.b64decode(found[1] if found else value, validate=True)
    except (binascii.Error, ValueError):
        return None


def read(kind: str, data: bytes | None) -> str:
    """What a model would say the file shows, in a few words."""
    if kind == "image":
        colour = _png_colour(data) if data else None
        return f"a {colour} image" if colour else "an image"
    if kind == "pdf":
        words = _pdf_text(data) if data else ""
        return f'a document that reads "{words}"' if words else "a document"
    return f"a {kind} file"


def _png_colour(data: bytes) -> str | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    at, idat, header = 8, b"", None
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    if header is None or len(header) < 13 or header[8] != 8 or header[12] != 0:
        return None
    channels = {2: 3, 6: 4}.get(header[9])
    try:
        raw = zlib.decompress(idat)
    except zlib.error:
        return None
    # The first scanline's filter byte, then the first pixel: no filter changes the first
    # pixel's value but Sub/Paeth with nothing before it, which leave it as it is.
    if channels is None or len(raw) < 1 + channels:
        return None
    r, g, b = raw[1], raw[2], raw[3]
    return min(
        _COLOURS,
        key=lambda n: sum((x - y) ** 2 for x, y in zip(_COLOURS[n], (r, g, b), strict=True)),
    )


def _pdf_text(data: bytes) -> str:
    return " ".join(m.decode("latin-1") for m in _SHOWN.findall(data)).strip()
