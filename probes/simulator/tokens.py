"""The simulator's token accounting: one approximation, used for usage and limits alike.

- Prompt text: `ceil(characters / 4)` tokens per text part (Unicode code points), the usual
  rule of thumb for English with BPE tokenizers. It costs O(1) per string, so a 1M-token
  prompt is counted without scanning it.
- Each message adds `MESSAGE_OVERHEAD` tokens (role markers of a chat template).
- Media parts count flat: `MEDIA_TOKENS` per image, PDF, audio or video part.
- Output: every streamed piece is exactly one token, so `usage.output_tokens` equals the
  number of content events (tool-call argument pieces count the same way). Generated prose
  uses words of about four characters, so the two rules roughly agree on the same text.
"""

from __future__ import annotations

import re
from typing import Final

CHARS_PER_TOKEN: Final = 4
MESSAGE_OVERHEAD: Final = 4
MEDIA_TOKENS: Final = {"image": 765, "pdf": 1500, "audio": 1000, "video": 2500}


def count_text(text: str) -> int:
    """Tokens in a piece of prompt text: ceil(len / 4)."""
    return -(-len(text) // CHARS_PER_TOKEN)


_PIECE = re.compile(r"\s*[A-Za-z]{1,8}|\s*\d{1,3}|\s*[^\sA-Za-z\d]{1,3}|\s+")


def split_pieces(text: str) -> list[str]:
    """Split output text into token-sized pieces (words, short numbers, punctuation runs).

    Joining the pieces gives back `text` exactly.
    """
    pieces = _PIECE.findall(text)
    if sum(map(len, pieces)) != len(text):  # characters the pattern does not cover
        return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]
    return pieces
