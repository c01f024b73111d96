"""Load catalog YAML files into a validated, layered Catalog.

A catalog is built from layers: the bundled data first, then each overlay directory a user
names. A later layer may add providers and offerings, or replace one with the same key.
Every problem is collected (not just the first) and pinned to `PATH:LINE:COL`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from catalog.files import CATALOG_FILE_MAX, read_bounded
from catalog.perf import gc_paused
from catalog.problems import (
    InputError,
    Loc,
    Locator,
    Problem,
    load_yaml,
    sorted_problems,
    validation_problems,
)
from catalog.query import parse_query
from catalog.routes import inherit_lifecycles
from catalog.rules import catalog_problems, offering_problems
from catalog.salvage import salvage
from catalog.schema import CatalogFile, Offering, Provider

BUNDLED_DIR = Path(__file__).parent / "data"
"""The catalog that ships with the package: one YAML file per provider."""


@dataclass(frozen=True)
class Entry:
    """Where an offering was defined, so later checks can point at it."""

    offering: Offering
    locator: Locator
    loc: Loc
    layer: int


@dataclass(frozen=True)
class Catalog:
    """Providers and offerings after all layers are applied, in file order."""

    providers: dict[str, Provider]
    offerings: tuple[Offering, ...]
    files: tuple[Path, ...] = ()
    warnings: tuple[Problem, ...] = ()
    _by_key: dict[str, Offering] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({o.key: o for o in self.offerings})

    def get(self, key: str) -> Offering | None:
        """The offering with key 'provider/model-id', or None."""
        return self._by_key.get(key)

    def provider_of(self, offering: Offering) -> Provider:
        return self.providers[offering.provider]

    def search(self, query: str = "", today: dt.date | None = None) -> list[Offering]:
        """Offerings matching a query (see `catalog.query`) on `today`; raises QueryError on a
        bad filter."""
        return parse_query(query, today).filter(self.offerings)


def catalog_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to their `*.yaml` / `*.yml` files, sorted; keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            files.append(path)
    return files


def load_catalog(layers: Sequence[Path | Sequence[Path]] = (BUNDLED_DIR,)) -> Catalog:
    """Load and validate a catalog from layers (each a directory, a file, or a list of them).

    Raises InputError carrying every problem found, in every file, when any is an error.
    """
    with gc_paused():
        return _load(layers)


def _load(layers: Sequence[Path | Sequence[Path]]) -> Catalog:
    problems: list[Problem] = []
    providers: dict[str, Provider] = {}
    entries: dict[str, Entry] = {}
    all_files: list[Path] = []

    for layer_no, layer in enumerate(layers):
        paths = [layer] if isinstance(layer, Path) else list(layer)
        files = catalog_files(paths)
        all_files += files
        parsed = [p for p in (_parse_file(path, problems) for path in files) if p is not None]
        defined_here: dict[str, Locator] = {}
        for item in parsed:
            if isinstance(item.provider, Provider):
                if item.provider_id in defined_here:
                    first = defined_here[item.provider_id].path
                    problems.append(
                        item.locator.problem(
                            ("provider", "id"),
                            f"provider {item.provider_id!r} is also defined in {first}",
                        )
                    )
                defined_here[item.provider_id] = item.locator
                providers[item.provider_id] = item.provider
        for item in parsed:
            if item.provider_id not in providers:
                problems.append(
                    item.locator.problem(
                        ("provider",),
                        f"unknown provider {item.provider_id!r}: define it with a mapping "
                        "(id, name, api, base_url, key_env)",
                        at_value=True,
                    )
                )
                continue
            _collect_offerings(item, layer_no, entries, problems)

    problems += catalog_problems(providers, entries)
    problems = sorted_problems(problems, all_files)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return Catalog(
        providers=providers,
        offerings=inherit_lifecycles(tuple(e.offering for e in entries.values())),
        files=tuple(all_files),
        warnings=tuple(problems),
    )


def _collect_offerings(
    item: ParsedFile, layer_no: int, entries: dict[str, Entry], problems: list[Problem]
) -> None:
    provider_id, locator = item.provider_id, item.locator
    for index, offering in item.offerings:
        loc: Loc = ("offerings", index)
        if offering.provider and offering.provider != provider_id:
            problems.append(
                locator.problem(
                    (*loc, "provider"),
                    f"offering names provider {offering.provider!r} in a file for {provider_id!r}",
                    at_value=True,
                )
            )
            continue
        offering = offering.model_copy(update={"provider": provider_id})
        problems += offering_problems(offering, locator, loc)
        previous = entries.get(offering.key)
        if previous is not None and previous.layer == layer_no:
            where = f"{previous.locator.path}:{previous.locator.position(previous.loc)[0]}"
            problems.append(
                locator.problem(
                    (*loc, "id"), f"duplicate offering {offering.key!r} (first at {where})"
                )
            )
            continue
        entries.pop(offering.key, None)  # an overlay moves the key to its own position
        entries[offering.key] = Entry(offering, locator, loc, layer_no)


def _parse_file(path: Path, problems: list[Problem]) -> ParsedFile | None:
    """Read and validate one file. Each offering is validated on its own, so one bad offering
    neither hides the problems of the others nor drops them from the catalog's checks; the
    rules run on a bad offering too, on what of it is valid (`catalog.salvage`)."""
    try:
        text = read_bounded(path, CATALOG_FILE_MAX, "catalog file")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(str(path), 1, 1, "", f"cannot read: {error}"))
        return None
    locator = Locator(path, text)
    try:
        data = load_yaml(path, text)
    except InputError as error:
        problems += error.problems
        return None
    if not isinstance(data, dict):
        problems.append(
            Problem(str(path), 1, 1, "", "expected a mapping with 'provider' and 'offerings'")
        )
        return None
    items = data.get("offerings", [])
    if not isinstance(items, list):
        problems.append(locator.problem(("offerings",), "expected a list of offerings"))
        items = []
    try:
        header = CatalogFile.model_validate({**data, "offerings": []})
    except ValidationError as error:
        problems += validation_problems(error, data, locator)
        header = None
    offerings: list[tuple[int, Offering]] = []
    for index, item in enumerate(items):
        try:
            offerings.append((index, Offering.model_validate(item)))
        except ValidationError as error:
            problems += validation_problems(error, item, locator, prefix=("offerings", index))
            # The rules still read what is valid, so one pass reports both kinds of problem.
            salvaged = salvage(Offering, item)
            problems += offering_problems(salvaged, locator, ("offerings", index))
    if header is None:
        # Still check the offerings on their own, so fixing the provider block does not
        # reveal a second round of problems.
        for index, offering in offerings:
            problems += offering_problems(offering, locator, ("offerings", index))
        return None
    return ParsedFile(header.provider, offerings, locator)


@dataclass(frozen=True)
class ParsedFile:
    provider: Provider | str
    offerings: list[tuple[int, Offering]]
    locator: Locator

    @property
    def provider_id(self) -> str:
        return self.provider.id if isinstance(self.provider, Provider) else self.provider
