"""Lint a loaded catalog for what the schema accepts but a maintainer should look at.

The loader rejects what is wrong in itself (an output limit above the context, a price above
1,000 USD per 1M). Lint finds what goes wrong with time or disagrees with the world:

- stale figures: a block checked more than `max_age_days` ago (or dated in the future);
- an output limit equal to the context window, the usual mark of a copied value;
- disagreement with a source snapshot above a relative threshold (prices and limits);
- lifecycle gaps, judged by the status on the lint day (`catalog.lifecycle.status_on`): a
  deprecated or retired offering with no successor, a successor that is itself retired, a
  stored `retired` whose shutdown date is still ahead;
- missing provenance: a lifecycle with dates or a status but no source;
- prices above per-field sanity ceilings, far below the loader's unit-mistake ceiling;
- a route priced unlike its lab's own offering by more than `route_tolerance` (5 %).

Every finding is a `Problem` pinned to the line of the value it is about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.files import CATALOG_FILE_MAX, read_bounded
from catalog.importers.base import Snapshot
from catalog.importers.blocks import flatten
from catalog.importers.window import read_as_ours
from catalog.lifecycle import status_on
from catalog.loader import Catalog
from catalog.problems import (
    InputError,
    Loc,
    Locator,
    Problem,
    Severity,
    load_yaml,
    sorted_problems,
)
from catalog.routes import PRICE_TOLERANCE, direct_of, direct_offerings
from catalog.schema import Offering, Source

PRICE_CEILINGS: Mapping[str, float] = {
    "input": 150.0,
    "output": 600.0,
    "cache_read": 150.0,
    "cache_write": 200.0,
    "cache_write_1h": 200.0,
    "reasoning": 600.0,
    "input_audio": 200.0,
}
"""USD per 1M tokens above which a price is suspicious. The most expensive models of 2026
(e.g. o1-pro at 150 / 600) sit at these ceilings; anything above deserves a second look."""

COMPARED = (
    "limits.context",
    "limits.input",
    "limits.output",
    "pricing.input",
    "pricing.output",
)
"""The figures compared with source snapshots. A source's single "context" that is our input
cap is compared as the cap (`catalog.importers.window`)."""


@dataclass(frozen=True)
class LintConfig:
    """What counts as stale, disagreeing or too expensive, and the date to judge by."""

    today: dt.date
    max_age_days: int = 90
    disagreement: float = 0.10
    """Relative difference (of the larger value) above which two sources disagree."""
    price_ceilings: Mapping[str, float] = field(default_factory=lambda: dict(PRICE_CEILINGS))
    route_tolerance: float = PRICE_TOLERANCE
    """Relative difference above which a route's price disagrees with its lab's offering."""


def lint_catalog(
    catalog: Catalog, config: LintConfig, references: Sequence[Snapshot] = ()
) -> list[Problem]:
    """Every finding for the offerings in effect, sorted by file and line; the load's own
    warnings are included."""
    places = _places(catalog.files)
    problems = list(catalog.warnings)
    by_reference = [{o.key: o for o in snapshot.offerings} for snapshot in references]
    direct = direct_offerings(catalog.offerings)
    for offering in catalog.offerings:
        place = places.get(offering.key)
        if place is None:
            continue  # not defined in a file (cannot happen for a loaded catalog)
        at = _At(*place)
        _stale(offering, config, at)
        _limits(offering, at)
        _lifecycle(offering, catalog, config, at)
        _prices(offering, config, at)
        _route_price(offering, direct_of(offering, direct), config, at)
        for snapshot, others in zip(references, by_reference, strict=True):
            other = others.get(offering.key)
            if other is not None:
                _disagreements(offering, other, snapshot, config, at)
        problems += at.problems
    return sorted_problems(problems, catalog.files)


@dataclass
class _At:
    """Collects one offering's problems at positions inside its YAML."""

    locator: Locator
    loc: Loc
    problems: list[Problem] = field(default_factory=list)

    def add(self, sub: Loc, message: str, severity: Severity = "warning") -> None:
        self.problems.append(
            self.locator.problem((*self.loc, *sub), message, severity, at_value=True)
        )


def _places(files: Iterable[Path]) -> dict[str, tuple[Locator, Loc]]:
    """Where each offering in effect is written: a later file wins, as in the loader."""
    out: dict[str, tuple[Locator, Loc]] = {}
    for path in files:
        try:
            text = read_bounded(path, CATALOG_FILE_MAX, "catalog file")
            data: Any = load_yaml(path, text)
        except (OSError, UnicodeDecodeError, InputError):
            continue
        if not isinstance(data, dict):
            continue
        provider = data.get("provider")
        provider_id = provider.get("id") if isinstance(provider, dict) else provider
        locator = Locator(path, text)
        for index, item in enumerate(data.get("offerings") or []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                out[f"{provider_id}/{item['id']}"] = (locator, ("offerings", index))
    return out


def _sources(offering: Offering) -> Iterable[tuple[Loc, Source]]:
    """Every source of an offering, with the path of its block."""
    if offering.limits.source:
        yield ("limits",), offering.limits.source
    if offering.pricing is not None:
        yield ("pricing",), offering.pricing.source
    if offering.lifecycle.source is not None:
        yield ("lifecycle",), offering.lifecycle.source
    for i, limits in enumerate(offering.rate_limits):
        yield ("rate_limits", i), limits.source
    if offering.free_tier is not None:
        yield ("free_tier",), offering.free_tier.source
    for i, figure in enumerate(offering.performance):
        yield ("performance", i), figure.source


def _stale(offering: Offering, config: LintConfig, at: _At) -> None:
    for block, source in _sources(offering):
        age = (config.today - source.checked).days
        where = (*block, "source", "checked")
        if age > config.max_age_days:
            at.add(
                where,
                f"checked {source.checked} ({age} days ago, over {config.max_age_days}): "
                f"check it against {source.ref} again",
            )
        elif age < 0:
            at.add(where, f"checked {source.checked} is in the future")


def _limits(offering: Offering, at: _At) -> None:
    limits = offering.limits
    if limits.output is not None and limits.output == limits.context:
        at.add(
            ("limits", "output"),
            f"output limit equals the context window ({limits.context:,}): sources often copy "
            "the context into the output limit; check the provider's documentation",
        )


def _lifecycle(offering: Offering, catalog: Catalog, config: LintConfig, at: _At) -> None:
    life = offering.lifecycle
    now = status_on(life, config.today)
    if life.status == "retired" and now.served:
        at.add(
            ("lifecycle", "status"),
            f"status is retired but the shutdown date {life.shutdown_date} is still ahead: "
            "check which the source says",
        )
    if now.status in ("deprecated", "retired") and life.successor is None:
        at.add(
            ("lifecycle", "status"),
            f"{now.status} with no successor: name the offering that replaces it",
        )
    if life.successor is not None:
        successor = catalog.get(life.successor)
        if successor is not None and not status_on(successor.lifecycle, config.today).served:
            hint = successor.lifecycle.successor
            at.add(
                ("lifecycle", "successor"),
                f"successor {life.successor} is retired itself"
                + (f"; its successor is {hint}" if hint else ""),
            )
    has_values = life.status != "active" or any(
        (life.release_date, life.deprecation_date, life.shutdown_date, life.successor)
    )
    if has_values and life.source is None:
        at.add(("lifecycle",), "lifecycle without a source: add source: {ref, checked}")


def _prices(offering: Offering, config: LintConfig, at: _At) -> None:
    pricing = offering.pricing
    if pricing is None:
        return
    places: list[tuple[Loc, Any]] = [((name,), pricing) for name in config.price_ceilings]
    places += [
        (("tiers", i, name), tier)
        for i, tier in enumerate(pricing.tiers)
        for name in ("input", "output", "cache_read", "cache_write")
    ]
    if pricing.batch is not None:
        places += [(("batch", name), pricing.batch) for name in ("input", "output")]
    for loc, block in places:
        name = str(loc[-1])
        value = getattr(block, name, None)
        ceiling = config.price_ceilings.get(name)
        if value is not None and ceiling is not None and value > ceiling:
            at.add(
                ("pricing", *loc),
                f"{value:g} USD per 1M tokens is above the {name} ceiling of {ceiling:g}: "
                "check the unit and the source",
            )


def _route_price(offering: Offering, lab: Offering | None, config: LintConfig, at: _At) -> None:
    """A route (an aggregator's or cloud's offering of a lab's model) priced unlike the lab's
    own offering by more than the tolerance: a stale copy, or a host's own price to confirm."""
    if lab is None or offering.free or offering.pricing is None or lab.pricing is None:
        return
    for name in ("input", "output"):
        ours, theirs = getattr(offering.pricing, name), getattr(lab.pricing, name)
        if ours is None or theirs is None or min(ours, theirs) == 0:  # 0: a free tier
            continue
        spread = abs(ours - theirs) / max(ours, theirs)
        if spread > config.route_tolerance:
            at.add(
                ("pricing", name),
                f"{ours:g} here but {theirs:g} at {lab.key} ({spread:.0%} apart, over the "
                f"route tolerance of {config.route_tolerance:.0%}): check the host's price",
            )


def _disagreements(
    offering: Offering, other: Offering, snapshot: Snapshot, config: LintConfig, at: _At
) -> None:
    ours = {f"limits.{k}": v for k, v in flatten(offering.limits).items()}
    stated = read_as_ours(offering.limits, flatten(other.limits))
    theirs = {f"limits.{k}": v for k, v in stated.items()}
    if offering.pricing is not None and other.pricing is not None:
        ours |= {f"pricing.{k}": v for k, v in flatten(offering.pricing).items()}
        theirs |= {f"pricing.{k}": v for k, v in flatten(other.pricing).items()}
    label = f"{snapshot.info.importer} {snapshot.info.version}"
    for path in COMPARED:
        a, b = ours.get(path), theirs.get(path)
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            continue
        larger = max(abs(a), abs(b))
        spread = abs(a - b) / larger if larger else 0.0
        if spread > config.disagreement:
            at.add(
                tuple(path.split(".")),
                f"{a:,g} here but {b:,g} in {label} ({spread:.0%} apart, over "
                f"{config.disagreement:.0%}): check which is right",
            )
