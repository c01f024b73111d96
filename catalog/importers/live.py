"""Fetch models.dev's and OpenRouter's catalogs from their live APIs, with a cache.

`fetch` downloads the source's JSON once per day into a cache folder the caller owns and
returns the saved file, so an import reads a file either way and can be repeated exactly.
Offline, the newest cached copy is used and the caller is told how old it is; with none,
`Unreachable` says what failed and how to import from a saved file instead. The fetch day is
the source's date (`Fetched.day`): a live API is true of the day it answered.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from catalog.errors import AdvisorError

URLS = {
    "models.dev": "https://models.dev/api.json",
    "openrouter": "https://openrouter.ai/api/v1/models",
}
"""The live endpoints; `ADVISOR_<NAME>_URL` (MODELSDEV, OPENROUTER) points elsewhere, e.g. a
mirror or a test server."""

TIMEOUT_S = 30.0


class Unreachable(AdvisorError):
    """The live API could not be read and no cached copy exists."""


@dataclass(frozen=True)
class Fetched:
    """A source file from the live API (or the cache), and the day it was fetched."""

    path: Path
    day: dt.date
    url: str
    cached: bool
    """True when read from the cache instead of the network."""
    offline_reason: str | None = None
    """Why the network was not used, when the cache stood in for it after a failure."""


def url_for(name: str) -> str:
    """The endpoint of a live source."""
    variable = "ADVISOR_" + name.replace(".", "").upper() + "_URL"
    return os.environ.get(variable, URLS[name])


def fetch(name: str, cache_dir: Path, *, today: dt.date) -> Fetched:
    """Today's copy of source `name` from the cache, else from the network, else the newest
    cached copy with the reason the network failed. Raises Unreachable when there is none."""
    import httpx  # only imports that fetch pay for it

    url = url_for(name)
    stem = name.replace(".", "")
    cached = sorted(cache_dir.glob(f"{stem}-*.json"))
    todays = cache_dir / f"{stem}-{today.isoformat()}.json"
    if todays.is_file():
        return Fetched(todays, today, url, cached=True)
    try:
        response = httpx.get(url, timeout=TIMEOUT_S, follow_redirects=True)
        response.raise_for_status()
        response.json()  # a page that is not JSON is a failure, not a source
    except (httpx.HTTPError, ValueError) as error:
        reason = f"cannot read {url}: {error or type(error).__name__}"
        if not cached:
            raise Unreachable(
                f"{reason}; no cached copy in {cache_dir}. Offline? Import a saved copy "
                f"with --from FILE"
            ) from None
        newest = cached[-1]
        day = dt.date.fromisoformat(newest.stem.removeprefix(f"{stem}-"))
        return Fetched(newest, day, url, cached=True, offline_reason=reason)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = todays.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(response.content)
    os.replace(temporary, todays)
    return Fetched(todays, today, url, cached=False)
