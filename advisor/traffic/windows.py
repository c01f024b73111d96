"""The context window of a model as a log names it, looked up in the catalog.

Logs name the served model as its provider answered (`gpt-4o-mini-2024-07-18`), or with a
gateway's provider prefix (`openai/gpt-4o-mini`); the catalog knows offerings by API id,
aliases and key. A name is tried as written, without a prefix, and without a date suffix;
when several offerings match, the smallest window counts (the limit that binds first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from catalog.schema import Offering

_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


class Windows:
    """Model name → context window in tokens, from catalog offerings."""

    def __init__(self, offerings: Iterable[Offering]) -> None:
        self._by_name: dict[str, int] = {}
        for offering in offerings:
            window = offering.limits.input or offering.limits.context
            if window is None:
                continue
            for name in (offering.id, offering.key, *offering.aliases):
                known = self._by_name.get(name)
                self._by_name[name] = window if known is None else min(known, window)
        self._cache: dict[str, int | None] = {}

    def __call__(self, model: str) -> int | None:
        """The window of `model`, None when the catalog does not know it."""
        if model not in self._cache:
            self._cache[model] = self._find(model)
        return self._cache[model]

    def _find(self, model: str) -> int | None:
        bare = model.split("/", 1)[1] if "/" in model else model
        for name in (model, bare, _DATE_SUFFIX.sub("", bare)):
            if name in self._by_name:
                return self._by_name[name]
        return None
