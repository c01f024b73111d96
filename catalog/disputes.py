"""Values the sources dispute, described for people.

When sources disagree on a value the catalog keeps one (in the field, with its block's
source) and records the others in `disputes`; every view says the value is disputed, with
each claim, its source and its date, rather than showing one figure as settled.
"""

from __future__ import annotations

from catalog.schema import Dispute, Offering


def disputed(offering: Offering, field: str) -> Dispute | None:
    """The dispute over `field` (a dotted path such as 'pricing.input'), if there is one."""
    return next((d for d in offering.disputes if d.field == field), None)


def kept_value(offering: Offering, field: str) -> object:
    """The catalog's own value of a dotted field path; None when unset."""
    value: object = offering
    for part in field.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def describe(offering: Offering, dispute: Dispute) -> str:
    """'pricing.input disputed: 1.32 here (litellm …, 2026-11-25) · 0.435 models.dev … 2026-06-30'."""
    kept = kept_value(offering, dispute.field)
    block = getattr(offering, dispute.field.split(".", 1)[0], None)
    own = getattr(block, "source", None)
    here = f"{kept:g}" if isinstance(kept, int | float) else str(kept)
    parts = [f"{here} here" + (f" ({own.ref}, {own.checked})" if own is not None else "")]
    for claim in dispute.claims:
        value = f"{claim.value:g}" if isinstance(claim.value, int | float) else claim.value
        parts.append(f"{value} in {claim.source.ref} ({claim.source.checked})")
    text = f"{dispute.field} disputed: " + " · ".join(parts)
    return text + (f" — {dispute.note}" if dispute.note else "")


def dispute_lines(offering: Offering) -> list[str]:
    """One line per disputed field of an offering."""
    return [describe(offering, d) for d in offering.disputes]
