"""Numbers as people read them: token counts, prices and dollars, and unknown as '?'.

Plain strings, used by the core's reasons and by every front end alike.
"""

from __future__ import annotations

UNKNOWN = "?"
"""How an unknown value is shown: never as a blank that reads like zero."""


def tokens(value: int | None) -> str:
    """128000 → '128k', 16384 → '16.4k', 1048576 → '1.05M', None → '?'."""
    if value is None:
        return UNKNOWN
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if value >= 1_000:
        return f"{value / 1_000:.3g}k"
    return str(value)


def price(value: float | None) -> str:
    """USD per 1M tokens: 2.5 → '2.50', 0.075 → '0.075', 0 → 'free', None → '?'."""
    if value is None:
        return UNKNOWN
    if value == 0:
        return "free"
    if value < 0.1:
        return f"{value:.3g}"
    return f"{value:.2f}"


def usd(value: float | None, digits: int = 2) -> str:
    """'$1,234.50'; '?' when unknown."""
    if value is None:
        return UNKNOWN
    if 0 < value < 0.01:
        return f"${value:.4f}"
    return f"${value:,.{digits}f}"


def tristate(value: bool | None) -> str:
    return UNKNOWN if value is None else ("yes" if value else "no")
