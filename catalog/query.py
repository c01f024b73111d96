"""Filter offerings with a small query language shared by the CLI and the TUI.

A query is words and filters separated by spaces. A word must appear in the offering's key,
name, canonical model, family or aliases. Filters narrow further:

    provider:openai   status:active   input:image   ctx:128k   free   open

`ctx:` takes a minimum context window (`k` = 1,000, `m` = 1,000,000). `status:` is the status
on the query's day (`catalog.lifecycle.status_on`), not the stored one. A filter prefixed with
`-` excludes, e.g. `-status:retired`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalog.errors import BadInput
from catalog.lifecycle import status_on
from catalog.schema import Offering

Predicate = Callable[[Offering], bool]


class QueryError(BadInput, ValueError):
    """A filter that cannot be understood, e.g. `ctx:lots`."""

    title = "bad query"


@dataclass(frozen=True)
class Query:
    """A parsed query: plain words plus predicates over offerings."""

    text: str
    words: tuple[str, ...]
    predicates: tuple[Predicate, ...]

    def matches(self, offering: Offering) -> bool:
        haystack = _haystack(offering)
        return all(w in haystack for w in self.words) and all(p(offering) for p in self.predicates)

    def filter(self, offerings: Iterable[Offering]) -> list[Offering]:
        return [o for o in offerings if self.matches(o)]


def parse_query(text: str, today: dt.date | None = None) -> Query:
    """Parse `text`; raise QueryError naming the filter that is not understood. `status:`
    filters judge lifecycles on `today` (default: the real today)."""
    day = today or dt.date.today()
    words: list[str] = []
    predicates: list[Predicate] = []
    for token in text.lower().split():
        negate = token.startswith("-") and len(token) > 1 and (":" in token or token[1:] in _FLAGS)
        body = token[1:] if negate else token
        predicate = _predicate(body, day)
        if predicate is None:
            words.append(token)
            continue
        predicates.append(_negated(predicate) if negate else predicate)
    return Query(text, tuple(words), tuple(predicates))


def _negated(predicate: Predicate) -> Predicate:
    return lambda o: not predicate(o)


_FLAGS: dict[str, Predicate] = {
    "free": lambda o: o.free or (o.pricing is not None and o.pricing.input == 0),
    "open": lambda o: o.open_weights is True,
}


def _predicate(token: str, day: dt.date) -> Predicate | None:
    if token in _FLAGS:
        return _FLAGS[token]
    name, sep, value = token.partition(":")
    if not sep:
        return None
    if not value:
        raise QueryError(f"{token!r}: give a value after the colon")
    if name == "provider":
        return lambda o: o.provider == value
    if name == "status":
        return lambda o: status_on(o.lifecycle, day).status == value
    if name in ("input", "modality"):
        return lambda o: value in o.modalities.input
    if name == "ctx":
        minimum = _tokens(value)
        return lambda o: o.limits.context is not None and o.limits.context >= minimum
    raise QueryError(f"unknown filter {name!r}: use provider:, status:, input:, ctx:, free or open")


def _tokens(value: str) -> int:
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1], 1)
    digits = value[:-1] if scale != 1 else value
    try:
        return int(float(digits) * scale)  # int() refuses NaN (ValueError), inf (Overflow)
    except (ValueError, OverflowError):
        raise QueryError(f"ctx:{value}: expected a number of tokens such as 32k or 1m") from None


def _haystack(offering: Offering) -> str:
    parts = [offering.key, offering.name, offering.model, offering.family or "", *offering.aliases]
    return " ".join(parts).lower()
