"""What the simulated model says: prose, needle answers.

Prose is drawn word by word from a fixed vocabulary with a seeded generator, so the same
seed gives the same text. Each word (with its leading space) is one output token.

Needle convention (what the context probe writes, what the simulator answers):

- a needle is a sentence `The secret code for <name> is <code>.` anywhere in the prompt
  (`<name>` and `<code>` are runs of letters, digits, `_` or `-`);
- the question, in the last user message, is `What is the secret code for <name>?`; each
  question gets one answer line.
- The answer is `The secret code for <name> is <code>.` when the needle is *seen*, else
  either a wrong code or `I could not find the secret code for <name>.` (half each, fixed
  per needle).
- A needle is seen when the whole prompt fits the offering's effective context (
  `EFFECTIVE_FRACTION` of its input window), or, for longer prompts, when it sits in the
  first or the last half of the effective context (the middle is lost: "lost in the
  middle"). A name with no needle in the prompt is never found.

Number words (the correctness probe's checkable prompt when a workload has no samples, after
llmperf's correctness test): a last user message containing `Convert the following sequence
of words into a number: seven one four two.` is answered with the digits, `7142`.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from typing import Final

EFFECTIVE_FRACTION: Final = 0.75

NEEDLE = re.compile(r"The secret code for ([\w-]+) is ([\w-]+)\.")
QUESTION = re.compile(r"What is the secret code for ([\w-]+)\?")
DIGIT_WORDS: Final = tuple("zero one two three four five six seven eight nine".split())
_DIGIT = "|".join(DIGIT_WORDS)
NUMBER_WORDS = re.compile(
    rf"Convert the following sequence of words into a number: ((?:{_DIGIT})(?: (?:{_DIGIT}))*)\."
)

WORDS: Final = tuple(
    """
    the model answers with care and a clear plan for each step of the work we see in data
    time cost risk team user load test case code path rate call list item page file line
    word note rule goal task flow node link view plan mode unit form type base fact idea
    good fast slow safe main next last best full open real true high low new old long short
    this that then when what how why which where while also more most much many some each
    every other same such only just well even back still here there now soon later often
    make take give find keep show tell know think look want need seem feel try use work
    call move live hold bring turn start stop run read write send check build test ship
    fix learn plan track count share close begin grow help mean point state value order
    offer cover report reach serve track limit price rely trust tune scale route batch
    cache queue retry trace metric signal budget latency output input result answer
    request context window token stream record detail sample figure source region vendor
    """.split()
)
"""About 300 short English words: averages close to four characters, one token each."""


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts' text: the same on every run (unlike `hash`)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def prose(rng: random.Random, tokens: int) -> list[str]:
    """`tokens` pieces of sentence-like text; the first has no leading space."""
    pieces: list[str] = []
    choice = rng.choice
    sentence = 0
    for i in range(tokens):
        word = choice(WORDS)
        if sentence == 0:
            word = word.capitalize()
        sentence += 1
        end = sentence > 6 and (rng.random() < 0.2 or i == tokens - 1)
        if i == tokens - 1:
            end = True
        if end:
            word += "."
            sentence = 0
        pieces.append(word if i == 0 else " " + word)
    return pieces


@dataclass(frozen=True, slots=True)
class Needle:
    name: str
    code: str
    position: int
    """Character offset of the needle in the prompt text."""


def questions(last_user: str) -> list[str]:
    """Names asked about in the last user message, in order."""
    return QUESTION.findall(last_user)


def find_needles(text: str) -> dict[str, Needle]:
    """Needles in the prompt by name; the last one wins when a name repeats."""
    return {m[1]: Needle(m[1], m[2], m.start()) for m in NEEDLE.finditer(text)}


def needle_seen(needle: Needle, text_chars: int, prompt_tokens: int, window: int | None) -> bool:
    """Whether a model with this input window recalls the needle (see the module doc)."""
    if window is None:
        return True
    effective = int(window * EFFECTIVE_FRACTION)
    if prompt_tokens <= effective:
        return True
    before = prompt_tokens * needle.position / max(text_chars, 1)
    after = prompt_tokens - before
    return before < effective / 2 or after < effective / 2


def answer_needles(
    names: list[str], needles: dict[str, Needle], text_chars: int, tokens: int, window: int | None
) -> str:
    """One answer line per question."""
    lines = []
    for name in names:
        needle = needles.get(name)
        if needle is not None and needle_seen(needle, text_chars, tokens, window):
            lines.append(f"The secret code for {name} is {needle.code}.")
        elif stable_int("needle", name) % 2:
            wrong = f"{stable_int('wrong', name) % 10_000_000:07d}"
            if needle is not None and wrong == needle.code:
                wrong = wrong[::-1] + "0"
            lines.append(f"The secret code for {name} is {wrong}.")
        else:
            lines.append(f"I could not find the secret code for {name}.")
    return "\n".join(lines)


def number_in_words(last_user: str) -> str | None:
    """The digits a number-word question asks for, or None when it asks none."""
    found = NUMBER_WORDS.search(last_user)
    if found is None:
        return None
    return "".join(str(DIGIT_WORDS.index(word)) for word in found[1].split())
