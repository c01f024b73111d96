"""A model family from a model id, for sources that name none (LiteLLM, OpenRouter).

Families group a lab's sizes and versions the way models.dev does (`claude-opus`,
`gemini-flash-lite`, `gpt-mini`), so "another model of the same family" means the same across
sources. The rules look at the id's last path segment, lowercased, first match wins; an id no
rule knows gets its leading word ('nemotron-3-nano' → 'nemotron').
"""

from __future__ import annotations

import re

RULES: tuple[tuple[str, str], ...] = (
    (r"claude.*opus|opus", "claude-opus"),
    (r"claude.*sonnet|sonnet", "claude-sonnet"),
    (r"claude.*haiku|haiku", "claude-haiku"),
    (r"claude.*(fable|mythos)", "claude"),
    (r"^claude", "claude"),
    (r"gpt-oss", "gpt-oss"),
    (r"codex", "gpt-codex"),
    (r"^gpt.*-nano", "gpt-nano"),
    (r"^gpt.*-mini", "gpt-mini"),
    (r"^gpt", "gpt"),
    (r"^o\d+.*-mini", "o-mini"),
    (r"^o\d+", "o"),
    (r"gemini.*flash-lite", "gemini-flash-lite"),
    (r"gemini.*flash", "gemini-flash"),
    (r"gemini.*pro", "gemini-pro"),
    (r"^gemini", "gemini"),
    (r"gemma", "gemma"),
    (r"llama", "llama"),
    (r"magistral", "magistral"),
    (r"codestral", "codestral"),
    (r"devstral", "devstral"),
    (r"ministral", "ministral"),
    (r"pixtral", "pixtral"),
    (r"mistral-large", "mistral-large"),
    (r"mistral-medium", "mistral-medium"),
    (r"mistral-small", "mistral-small"),
    (r"mistral|mixtral", "mistral"),
    (r"deepseek.*(r1|reasoner|think)", "deepseek-thinking"),
    (r"deepseek.*flash", "deepseek-flash"),
    (r"deepseek", "deepseek"),
    (r"qwq|qwen", "qwen"),
    (r"kimi|moonshot", "kimi"),
    (r"glm", "glm"),
    (r"minimax", "minimax"),
    (r"grok", "grok"),
    (r"command|c4ai|aya", "command"),
    (r"nova", "nova"),
    (r"phi-\d", "phi"),
    (r"jamba", "jamba"),
)


def family_of(model_id: str) -> str | None:
    """The family of a model id, e.g. 'us.anthropic.claude-opus-4-7-v1:0' → 'claude-opus'."""
    name = model_id.lower().rsplit("/", 1)[-1].split(":", 1)[0]
    name = re.sub(r"^(us|eu|apac|global|jp|au)\.", "", name)
    name = re.sub(r"^[a-z-]+\.", "", name)  # Bedrock's vendor prefix: 'anthropic.claude-…'
    for pattern, family in RULES:
        if re.search(pattern, name):
            return family
    word = re.match(r"[a-z]+", name)
    return word[0] if word else None
