"""Numbers as people read them: token counts, prices and dollars, and unknown as '?'.

Plain strings, used by the core's reasons and by every front end alike.
"""

from __future__ import annotations

UNKNOWN = "?"
"""How an unknown value is shown: never as a blank that reads like zero."""


def tokens(value: int | None) -> str:
    """A token count, exact and short: the suffix is used only when it divides the count.

    - `k` = 1,000 and `M` = 1,000,000 (decimal): 128000 → '128k', 1000000 → '1M';
    - `Ki` = 1,024 and `Mi` = 1,048,576 (binary, as context windows often are):
      8192 → '8Ki', 65536 → '64Ki', 1048576 → '1Mi';
    - anything else in full with thousands separators: 1047576 → '1,047,576', 500 → '500';
    - None → '?'.

    So '1M' and '1Mi' never stand for the same number, and no count is rounded.
    """
    if value is None:
        return UNKNOWN
    for unit, suffix in ((1_000_000, "M"), (1_048_576, "Mi"), (1_000, "k"), (1_024, "Ki")):
        if value >= unit and value % unit == 0:
            return f"{value // unit:,}{suffix}"
    return f"{value:,}"


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


def count(n: int, noun: str) -> str:
    """'1 workload', '2 workloads', '0 offerings': nouns here take a plain 's'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
