"""Checked field reads for log records: each bad value becomes a LogError naming the file,
the line and the field."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.traffic.records import LogError

MS_EPOCH_FLOOR = 1e11
"""Epoch numbers above this are milliseconds: 1e11 seconds is the year 5138."""


@dataclass(frozen=True, slots=True)
class Where:
    """A record's place in its file, for error messages and `LoggedRequest.source`."""

    path: Path
    line: int

    @property
    def source(self) -> str:
        return f"{self.path}:{self.line}"

    def error(self, field: str, problem: str) -> LogError:
        return LogError(self.path, self.line, field, problem)

    def mapping(self, value: Any, field: str) -> Mapping[str, Any]:
        """`value` when it is an object; {} when absent."""
        if type(value) is dict:
            return value
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(field, f"expected an object, got {_kind(value)}")
        return value

    def text(self, value: Any, field: str) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.error(field, f"expected a string, got {_kind(value)}")
        return value

    def count(self, value: Any, field: str) -> int | None:
        """A token count: a whole number, 0 or more (a numeric string is accepted)."""
        if type(value) is int and value >= 0:
            return value
        if value is None:
            return None
        number = self.number(value, field)
        if number is None or number < 0 or number != int(number):
            raise self.error(field, f"expected a whole number of 0 or more, got {value!r}")
        return int(number)

    def number(self, value: Any, field: str) -> float | None:
        kind = type(value)
        if kind is int or kind is float:
            if math.isfinite(value):
                return float(value)
            raise self.error(field, f"expected a finite number, got {value!r}")
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise self.error(field, f"expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(field, f"expected a number, got {_kind(value)}")
        if not math.isfinite(value):
            raise self.error(field, f"expected a finite number, got {value!r}")
        return float(value)

    def seconds(self, value: Any, field: str, scale: float) -> float | None:
        """A duration in seconds from a number in units of `scale` seconds (0.001 for ms)."""
        number = self.number(value, field)
        if number is None:
            return None
        if number < 0:
            raise self.error(field, f"a duration cannot be negative, got {value!r}")
        return number * scale

    def time(self, value: Any, field: str) -> float | None:
        """An instant as epoch seconds: ISO 8601 text (UTC unless it says) or an epoch number
        in seconds or milliseconds."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=dt.UTC)
                return parsed.timestamp()
        try:
            number = self.number(value, field)
        except LogError:
            raise self.error(
                field, f"expected an ISO 8601 time or epoch seconds, got {value!r}"
            ) from None
        assert number is not None
        return number / 1000 if number > MS_EPOCH_FLOOR else number

    def status(self, value: Any, field: str) -> int | None:
        code = self.count(value, field)
        if code is not None and not 100 <= code <= 599:
            raise self.error(field, f"expected an HTTP status (100-599), got {value!r}")
        return code


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)
