"""Builds the tiny random Llama the engine tests serve, offline, into the folder given.

Run with the vLLM environment's Python (`.venv/vllm/bin/python make_model.py DIR`): it needs
tokenizers, transformers and torch, none of which the project's own environment has.

- tokenizer: byte-level BPE trained on a few sentences (vocabulary 512), so every byte has a
  token and any prompt encodes;
- weights: random, seeded, 2 layers, hidden size 128 with 2 heads of 64 (vLLM's CPU attention
  rejects a head size of 16);
- a plain chat template, so `/v1/chat/completions` works and its prompt can be counted.

Its answers are noise: exactly what a probe that can fail must tell apart from a model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

VOCAB = 512
SPECIAL = ["<unk>", "<s>", "</s>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<s>{{ m['role'] }}: "
    "{% if m['content'] is string %}{{ m['content'] }}"
    "{% else %}{% for p in m['content'] %}{% if p['type'] == 'text' %}{{ p['text'] }}"
    "{% endif %}{% endfor %}{% endif %}\n{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant: {% endif %}"
)
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Summarise these notes and list the open questions for the team.",
    "Convert the following sequence of words into a number: seven one four two.",
    "Answer with JSON only, matching this JSON Schema.",
    "What is the secret code for the project? The code is 3f9a0c.",
    "Costs, risks, plans and next steps: write a short update.",
]


def build(dest: Path) -> None:
    """Tokenizer, config, random weights and chat template, saved for `from_pretrained`."""
    dest.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(CORPUS * 20, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, unk_token="<unk>", bos_token="<s>", eos_token="</s>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(dest)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=64,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(dest)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
