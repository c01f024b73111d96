"""Synthetic prompts of a given size, each with a unique prefix so no cache flatters latency."""

from __future__ import annotations

import hashlib
import random
import uuid

FILLER = (
    "the team reviews each request and writes a short note about its cost risk and the plan "
    "for the next step while the queue keeps moving and every record stays in order "
).split()
CHARS_PER_TOKEN = 4
"""A rough size guide; measured sizes come from the server's usage."""


BLOCK_WORDS = 2048
"""Random words drawn for a filler before it repeats."""


def nonce(key: str | None = None) -> str:
    """A prompt's unique prefix: fresh each time, or, given `key`, the same for the same key
    (a seeded simulated run, whose prompts must repeat from one run to the next)."""
    if key is None:
        return uuid.uuid4().hex[:12]
    return hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def filler(tokens: int, seed: int = 0) -> str:
    """About `tokens` tokens of plain English words.

    A block of random words repeated to length: a 900k-token prompt is built in milliseconds
    rather than seconds (one draw per word took 15 s to plan a run); the nonce in front of
    each prompt, not the filler, is what keeps a provider's cache out of it."""
    target = tokens * CHARS_PER_TOKEN
    if target <= 0:
        return ""
    block = " ".join(random.Random(seed).choices(FILLER, k=BLOCK_WORDS))
    text = " ".join([block] * (target // (len(block) + 1) + 1))
    cut = text.find(" ", target - 1)
    return text if cut == -1 else text[:cut]


def sized_prompt(
    tokens: int,
    seed: int = 0,
    ask: str = "Summarise the notes above in one line.",
    nonce_key: str | None = None,
) -> str:
    """A prompt of roughly `tokens` tokens ending with an instruction, behind a nonce: unique,
    or fixed by `nonce_key` (see `nonce`)."""
    body = filler(max(0, tokens - len(ask) // CHARS_PER_TOKEN - 4), seed)
    return f"[{nonce(nonce_key)}] {body}\n\n{ask}"
