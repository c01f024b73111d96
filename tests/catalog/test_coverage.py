"""The bundled catalog covers the providers and models architects ask about today."""

from __future__ import annotations

import re

import pytest

from catalog import Catalog, load_catalog

PROVIDERS = (
    "azure",
    "bedrock",
    "vertex",
    "alibaba",
    "moonshot",
    "zai",
    "meta",
    "cohere",
    "fireworks",
    "deepinfra",
    "cerebras",
)
"""Hosts absent before the import, each required now."""

NOTABLE = {
    "Claude Fable 5.1": r"^anthropic/claude-fable-5-1$",
    "Claude Fable 5": r"^anthropic/claude-fable-5$",
    "Claude Mythos 5": r"^anthropic/claude-mythos-5$",
    "Claude Mythos 5.1": r"^anthropic/claude-mythos-5-1$",
    "Claude Opus 4.6": r"^anthropic/claude-opus-4-6$",
    "GPT-6 Astra": r"^openai/gpt-6-astra$",
    "GPT-6 Sol": r"^openai/gpt-6-sol$",
    "GPT-5.5 Pro": r"^openai/gpt-5\.5-pro$",
    "GPT-5.4 Pro": r"^openai/gpt-5\.4-pro$",
    "GPT-5.3-Codex": r"^openai/gpt-5\.3-codex$",
    "Gemini 4 Argon": r"^google/gemini-4-argon$",
    "Gemini 4 Hydrogen": r"^google/gemini-4-hydrogen$",
    "Gemini 3.7 Flash": r"^google/gemini-3\.7-flash$",
    "Gemma 4": r"^google/gemma-4-",
    "Mistral Large 4": r"^mistral/mistral-large-4$",
    "Magistral": r"^mistral/magistral-",
    "Codestral": r"^mistral/codestral-",
    "Devstral": r"^mistral/devstral-",
    "DeepSeek V4.1 Flash": r"^deepseek/deepseek-v4\.1-flash",
    "Llama 4": r"^meta/llama-?4",
    "Qwen 3.7": r"^alibaba/qwen3\.7-",
    "Qwen 3.8": r"^alibaba/qwen-?3\.8-",
    "Kimi K3.1": r"^moonshotai/kimi-k3\.1",
    "GLM-5.3-Flash": r"^zhipuai/glm-5\.3-flash$",
    "MiniMax M3": r"^minimax/minimax-m3$",
}
"""Each notable model by its canonical id: every host of it shares that `model`."""


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog()


def test_size_and_breadth(bundled: Catalog) -> None:
    assert len(bundled.offerings) >= 400
    assert len(bundled.providers) >= 20
    hosted = {o.provider for o in bundled.offerings}
    assert set(PROVIDERS) <= hosted


@pytest.mark.parametrize("name", sorted(NOTABLE))
def test_each_notable_model_is_in_the_catalog(bundled: Catalog, name: str) -> None:
    pattern = re.compile(NOTABLE[name], re.IGNORECASE)
    assert [o.key for o in bundled.offerings if pattern.search(o.model)], name


def test_every_offering_has_a_family(bundled: Catalog) -> None:
    assert [o.key for o in bundled.offerings if not o.family] == []
