"""Secrets and personal data taken out of logged text before it becomes a sample.

The rules are named regular expressions, applied in order; each match becomes
`[redacted NAME]`. The built-in rules come first (`advisor workload redact-rules` prints
them); a user's YAML file adds more, a mapping of name to regex:

    rules:
      ticket: 'TCK-\\d{6}'
      customer-id: '\\bcust_[a-z0-9]{12}\\b'

Provider key shapes are `catalog.redact.KEY_SHAPES`, the rule every echo of user text uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.files import read_input
from catalog.problems import InputError, Locator, Problem, load_yaml
from catalog.redact import KEY_SHAPES

RULES_FILE_MAX = 1 << 20


@dataclass(frozen=True, slots=True)
class Rule:
    """One named pattern and where it came from (`built-in` or a file)."""

    name: str
    pattern: re.Pattern[str]
    origin: str = "built-in"

    @property
    def replacement(self) -> str:
        return f"[redacted {self.name}]"


def _rule(name: str, pattern: str) -> Rule:
    return Rule(name, re.compile(pattern))


BUILT_IN: tuple[Rule, ...] = (
    _rule(
        "private-key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
    ),
    Rule("key", KEY_SHAPES),
    _rule("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    _rule(
        "secret",
        r"(?i)(?<![A-Za-z0-9])(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)"
        r"(?:[_-][a-z]+)*\s*[:=]\s*[\"']?(?!\[redacted)[^\s\"',;]{6,}",
    ),
    _rule("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    _rule("card", r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)"),
    _rule("phone", r"(?<![\w+])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]?\d{3,4}(?!\w)"),
    _rule("ipv4", r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"),
)


class Redactor:
    """Applies rules to text and to message lists."""

    def __init__(self, rules: tuple[Rule, ...] = BUILT_IN) -> None:
        self.rules = rules

    def text(self, text: str) -> str:
        for rule in self.rules:
            text = rule.pattern.sub(rule.replacement, text)
        return text

    def value(self, value: Any) -> Any:
        """Every string inside a JSON-like value redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


def load_rules(path: Path) -> tuple[Rule, ...]:
    """The built-in rules followed by the file's; raise InputError naming each bad rule."""
    text = read_input(path, RULES_FILE_MAX, "redaction rules")
    data = load_yaml(path, text)
    locator = Locator(path, text)
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), Mapping):
        raise InputError(
            [Problem(str(path), 1, 1, "", "expected a mapping 'rules: {NAME: REGEX}'")]
        )
    added: list[Rule] = []
    problems: list[Problem] = []
    taken = {rule.name for rule in BUILT_IN}
    for name, pattern in data["rules"].items():
        loc = ("rules", name)
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            problems.append(locator.problem(loc, "a rule name is lowercase letters, digits, '-'"))
            continue
        if name in taken:
            problems.append(locator.problem(loc, f"rule {name!r} is already defined"))
            continue
        if not isinstance(pattern, str) or not pattern:
            problems.append(locator.problem(loc, "expected a regular expression", at_value=True))
            continue
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            problems.append(locator.problem(loc, f"not a valid regex: {error}", at_value=True))
            continue
        if compiled.search(""):
            problems.append(locator.problem(loc, "matches the empty string", at_value=True))
            continue
        taken.add(name)
        added.append(Rule(name, compiled, str(path)))
    if problems:
        raise InputError(problems)
    return (*BUILT_IN, *added)
