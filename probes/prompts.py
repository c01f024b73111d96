"""Synthetic prompts of a given size, each with a unique prefix so no cache flatters latency."""

from __future__ import annotations

import random
import uuid

FILLER = (
    "the team reviews each request and writes a short note about its cost risk and the plan "
    "for the next step while the queue keeps moving and every record stays in order "
).split()
CHARS_PER_TOKEN = 4
"""A rough size guide; measured sizes come from the server's usage."""


def nonce() -> str:
    return uuid.uuid4().hex[:12]


def filler(tokens: int, seed: int = 0) -> str:
    """About `tokens` tokens of plain English words."""
    rng = random.Random(seed)
    words: list[str] = []
    length = 0
    while length < tokens * CHARS_PER_TOKEN:
        word = rng.choice(FILLER)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def sized_prompt(
    tokens: int, seed: int = 0, ask: str = "Summarise the notes above in one line."
) -> str:
    """A prompt of roughly `tokens` tokens ending with an instruction, behind a unique nonce."""
    body = filler(max(0, tokens - len(ask) // CHARS_PER_TOKEN - 4), seed)
    return f"[{nonce()}] {body}\n\n{ask}"
