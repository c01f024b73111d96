"""Instruction retention: a constraint set in the system prompt, kept less often as the
conversation grows.

Convention (what the retention probe writes, what the simulator answers): one of these
sentences anywhere in the system prompt (or the last user message):

| constraint | sentence | kept | broken |
|---|---|---|---|
| `json_key` | `Always answer with a JSON object that has the key "<key>".` | `{"<key>": "<a sentence>"}` | prose |
| `max_words` | `Always answer in at most <N> words.` | N words or fewer | 2–3 × N words |
| `avoid_word` | `Never use the word "<word>".` | prose without the word | prose with it |

A user message may carry the reference of its notes, `(ref <CODE>)`, with the system prompt
asking for it to be quoted in every answer (the retention probe's positive requirement: an
answer must show it read the turn, not only avoid something). The simulator quotes it in
every answer, kept or broken, as a model that reads its input does.

The turn is the number of user messages in the request. At turn t the constraint is kept
with probability 0.5 ** ((t − 1) / H): always at the first turn, then halving every H
turns, where H is the offering's retention horizon. The catalog has no figure for it, so
every offering gets DEFAULT_TURNS × a fixed factor in 0.35–2.8 derived from its key (4 to
34 turns: some offerings slip within a short exchange, others hold for long ones); the
server's `--retention-turns` sets one horizon for all. Each turn is drawn on its own: a
break does not make the next turn break.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from typing import Final, Literal

from catalog.schema import Offering
from probes.simulator.text import WORDS, prose

DEFAULT_TURNS: Final = 12.0
FACTOR_RANGE: Final = (0.35, 2.8)
KEPT_JSON_WORDS: Final = (6, 14)
FREE_WORDS: Final = (12, 40)

Kind = Literal["json_key", "max_words", "avoid_word"]

_PATTERNS: Final[tuple[tuple[Kind, re.Pattern[str]], ...]] = (
    ("json_key", re.compile(r'Always answer with a JSON object that has the key "([^"]+)"\.')),
    ("max_words", re.compile(r"Always answer in at most (\d+) words\.")),
    ("avoid_word", re.compile(r'Never use the word "([A-Za-z]+)"\.')),
)


@dataclass(frozen=True, slots=True)
class Constraint:
    """A checkable instruction found in a request."""

    kind: Kind
    value: str
    """The key, the word limit (as text) or the forbidden word."""


_REFERENCE: Final = re.compile(r"\(ref ([A-Z0-9]{4,})\)")


def find_reference(text: str) -> str | None:
    """The notes' reference in a user message, if it carries one."""
    found = _REFERENCE.search(text)
    return found[1] if found else None


def find_constraint(instructions: str) -> Constraint | None:
    """The first constraint sentence in the instructions, if any."""
    for kind, pattern in _PATTERNS:
        found = pattern.search(instructions)
        if found:
            return Constraint(kind, found[1])
    return None


def horizon(offering: Offering, override: float | None = None) -> float:
    """Turns after which the odds of keeping the constraint have halved."""
    if override is not None:
        return override
    digest = hashlib.blake2b(f"retention:{offering.key}".encode(), digest_size=8).digest()
    unit = int.from_bytes(digest, "big") / 2**64
    low, high = FACTOR_RANGE
    return float(DEFAULT_TURNS * low * (high / low) ** unit)


def keep_probability(turn: int, turns_to_half: float) -> float:
    """The chance the constraint is kept at `turn` (1-based)."""
    return float(0.5 ** (max(0, turn - 1) / max(turns_to_half, 1e-9)))


def reply(
    constraint: Constraint, kept: bool, rng: random.Random, reference: str | None = None
) -> str:
    """An answer that keeps or breaks the constraint, quoting `reference` first (where a
    max_tokens cut cannot take it out)."""
    cite = f"{reference} " if reference else ""
    if constraint.kind == "json_key":
        sentence = cite + "".join(prose(rng, rng.randint(*KEPT_JSON_WORDS))).lstrip()
        return json.dumps({constraint.value: sentence}) if kept else sentence
    if constraint.kind == "max_words":
        limit = max(1, int(constraint.value)) - (1 if reference else 0)
        count = (
            rng.randint(max(1, limit // 3), max(1, limit))
            if kept
            # Over the limit even with the reference quoted: 2 to 3 times the words allowed.
            else rng.randint(2 * limit + len(cite), 3 * limit + len(cite))
        )
        return cite + "".join(prose(rng, count)).lstrip()
    word = constraint.value.lower()
    allowed = [w for w in WORDS if w != word]
    words = [rng.choice(allowed) for _ in range(rng.randint(*FREE_WORDS))]
    if not kept:
        # Early in the answer, so that a max_tokens cut cannot take it out again.
        words.insert(rng.randrange(min(len(words), 8)), word)
    text = " ".join(words)
    return cite + text[0].upper() + text[1:] + "."


def keeps(constraint: Constraint, text: str, reference: str | None = None) -> bool:
    """Whether `text` keeps the constraint (and quotes `reference`, when the turn has one):
    the ground truth of what was sent."""
    if reference is not None and reference not in text:
        return False
    if constraint.kind == "json_key":
        try:
            value = json.loads(text)
        except ValueError:
            return False
        return isinstance(value, dict) and constraint.value in value
    if constraint.kind == "max_words":
        return len(text.split()) <= int(constraint.value)
    return re.search(rf"\b{re.escape(constraint.value)}\b", text, re.IGNORECASE) is None
