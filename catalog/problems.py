"""Problems found in YAML input, each pinned to a file, line, column and field.

Shared by the catalog loader and, through the public API, by every other YAML reader of the
project, so that all bad input reads the same: `PATH:LINE:COL: field: message`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
import yaml_rs
from pydantic import ValidationError

from catalog.errors import BadInput
from catalog.redact import redact_keys

Loc = tuple[str | int, ...]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    path: str
    line: int
    col: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
        }


def sorted_problems(problems: list[Problem], files: Sequence[Path] = ()) -> list[Problem]:
    """Problems in the order of `files` (others after, by name), then by line and column."""
    order = {str(path): i for i, path in enumerate(files)}
    return sorted(problems, key=lambda p: (order.get(p.path, len(order)), p.path, p.line, p.col))


class InputError(BadInput):
    """A file that cannot be used, with every problem found in it (PATH:LINE:COL each)."""

    title = "bad file"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        """One `PATH:LINE:COL: field: message` line per problem; warnings say so."""
        return [str(p) if p.severity == "error" else f"{p}  [warning]" for p in self.problems]


def field_path(loc: Loc) -> str:
    """Render a location as `offerings[3].limits.output`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class Locator:
    """Finds the line and column of a value in a YAML document, given its path of keys and indices.

    Composing a document with marks is slower than loading it, so it happens only when a problem
    needs a position, and at most once per file.
    """

    def __init__(self, path: Path | str, text: str) -> None:
        self.path = str(path)
        self._text = text
        self._root: yaml.Node | None = None
        self._composed = False

    def _tree(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self._text, Loader=YamlLoader)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def _walk(self, loc: Loc) -> tuple[yaml.Node | None, yaml.Mark | None]:
        """The deepest node along `loc`, and the mark of the key that led to it (if any)."""
        node = self._tree()
        key_mark: yaml.Mark | None = None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                        key_mark, node = key_node.start_mark, value_node
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    break
                key_mark, node = None, node.value[part]
            else:
                break
        return node, key_mark

    def position(self, loc: Loc, *, at_value: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the deepest node along `loc`. Unless `at_value`, a mapping
        key points at the key itself, so an unknown key is reported where it is written."""
        node, key_mark = self._walk(loc)
        if node is None:
            return 1, 1
        mark = node.start_mark if at_value or key_mark is None else key_mark
        return mark.line + 1, mark.column + 1

    def problem(
        self, loc: Loc, message: str, severity: Severity = "error", *, at_value: bool = False
    ) -> Problem:
        line, col = self.position(loc, at_value=at_value)
        return Problem(self.path, line, col, field_path(loc), message, severity)


def syntax_problem(path: Path | str, error: yaml.YAMLError) -> Problem:
    """A YAML syntax error as a Problem at the position the parser stopped."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return Problem(str(path), line, col, "", message)


class YamlLoader(yaml.CSafeLoader):
    """PyYAML's C loader with dates left as strings; used to compose nodes with positions."""


YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path | str, text: str) -> Any:
    """Parse YAML 1.2 (so `no` stays a string); raise InputError with the position on a
    syntax error, a duplicate key, an anchor or alias, or a NaN or infinite number.

    yaml-rs parses about ten times faster than PyYAML's C loader (see docs/benchmarks.md) but
    reports positions only in its message, so PyYAML locates the problem on the error path.
    """
    alias = _first_alias(path, text)
    if alias is not None:
        raise InputError([alias])
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except yaml_rs.YAMLDecodeError as error:
        raise InputError([_locate_decode_error(path, text, str(error))]) from None
    except RecursionError:
        raise InputError(
            [Problem(str(path), 1, 1, "", "invalid YAML: nested too deeply")]
        ) from None
    if _MAYBE_NON_FINITE.search(text):
        where = _first_non_finite(data)
        if where is not None:
            raise InputError(
                [Locator(path, text).problem(where, "must be a finite number", at_value=True)]
            )
    return data


_MAYBE_ALIAS = re.compile(r"(?:^|[\s\[{,:?-])[&*][^\s\[\]{},]")
"""Where an anchor or alias may start. Most files have none, and skip the token scan."""


def _first_alias(path: Path | str, text: str) -> Problem | None:
    """An anchor or alias, refused: none of our formats needs them, and a few nested aliases
    (under 1 KB) expand to billions of nodes when loaded."""
    if not _MAYBE_ALIAS.search(text):
        return None
    try:
        for token in yaml.scan(text, Loader=YamlLoader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                mark = token.start_mark
                kind = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                return Problem(
                    str(path),
                    mark.line + 1,
                    mark.column + 1,
                    "",
                    f"YAML {kind} {token.value!r}: anchors and aliases are not accepted "
                    "(they can expand without bound); write the value out",
                )
    except yaml.YAMLError:
        return None  # a syntax error: the loader reports it with its position
    return None


_MAYBE_NON_FINITE = re.compile(r"(?i)\.(?:nan|inf)\b|\d[eE]\+?\d{3}")
"""Text that may load as NaN or infinity (`.nan`, `.inf`, `1e999`)."""


def _first_non_finite(data: Any, loc: Loc = ()) -> Loc | None:
    """The path to the first NaN or infinite number in loaded data."""
    if isinstance(data, float) and not math.isfinite(data):
        return loc
    if isinstance(data, dict):
        for key, value in data.items():
            found = _first_non_finite(value, (*loc, str(key)))
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found = _first_non_finite(item, (*loc, index))
            if found is not None:
                return found
    return None


def _locate_decode_error(path: Path | str, text: str, message: str) -> Problem:
    try:
        root = yaml.compose(text, Loader=YamlLoader)
    except yaml.YAMLError as error:
        return syntax_problem(path, error)
    duplicate = _first_duplicate_key(root) if root is not None else None
    if duplicate is not None:
        mark, loc = duplicate
        return Problem(str(path), mark.line + 1, mark.column + 1, field_path(loc), "duplicate key")
    found = re.search(r"line (\d+), column (\d+)", message)
    line, col = (int(found[1]), int(found[2])) if found else (1, 1)
    return Problem(str(path), line, col, "", "invalid YAML: " + message.splitlines()[-1].strip())


def _first_duplicate_key(node: yaml.Node, loc: Loc = ()) -> tuple[yaml.Mark, Loc] | None:
    """The first mapping key written twice, with the path to it."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    return key.start_mark, (*loc, key.value)
                seen.add(key.value)
                found = _first_duplicate_key(value, (*loc, key.value))
                if found:
                    return found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found = _first_duplicate_key(item, (*loc, index))
            if found:
                return found
    return None


def validation_problems(
    error: ValidationError, data: Any, locator: Locator, prefix: Loc = ()
) -> list[Problem]:
    """Turn pydantic's errors into positioned problems, one per distinct field and message."""
    seen: set[tuple[str, str]] = set()
    out: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = _data_loc(tuple(item["loc"]), data)
        if loc is None:
            continue  # an error from a union branch that does not match the input's shape
        message = _message(item)
        at_value = item["type"] != "extra_forbidden"
        problem = locator.problem((*prefix, *loc), message, at_value=at_value)
        if (problem.field, message) not in seen:
            seen.add((problem.field, message))
            out.append(problem)
    return out


_STR_TAGS = ("str", "constrained-str")


def _data_loc(loc: Loc, data: Any) -> Loc | None:
    """Drop pydantic's union-branch tags from `loc`, following the data itself.

    A tag is a name in `loc` that is not a key of the data at that point (e.g. 'Provider' or
    'str' for a field typed `Provider | str`). Returns None for an error of the branch the
    value was never meant for: a mapping is not also reported as "not a string", nor a
    string as "not a mapping".
    """
    out: list[str | int] = []
    node = data
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        is_key = isinstance(node, dict) and part in node
        if isinstance(part, str) and not is_key and (not last or _is_tag(part)):
            if (part in _STR_TAGS) != isinstance(node, str):
                return None
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _is_tag(part: str) -> bool:
    return part in _STR_TAGS or part[:1].isupper() or "[" in part


def _message(item: Any) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    message = str(item["msg"])
    if kind == "string_pattern_mismatch":
        from catalog.schema import PATTERN_WORDS  # the schema is heavy; only when needed

        pattern = item.get("ctx", {}).get("pattern", "")
        if pattern in PATTERN_WORDS:
            message = f"should be {PATTERN_WORDS[pattern]}"
    if message.startswith(("Input should be greater", "Input should be less")):
        message = "must be" + message[len("Input should be") :]
    elif message.startswith("Input should be "):
        message = "expected " + message[len("Input should be ") :]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    value = item.get("input")
    if kind != "value_error" and value is not None and not isinstance(value, dict | list):
        message += f" (got {redact_keys(repr(value))})"
    return message
