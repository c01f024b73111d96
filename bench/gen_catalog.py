"""Generate a large synthetic catalog for benchmarks: realistic shape, made-up values.

The values are synthetic on purpose and the files say so; they never go into catalog/data.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml


class _NoAliases(yaml.SafeDumper):
    """Writes shared values out in full: catalog files may not use anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


HEADER = "# Synthetic catalog for benchmarks; every value here is made up.\n"


def offering(rng: random.Random, provider: str, index: int) -> dict[str, object]:
    context = rng.choice([8192, 32768, 131072, 200000, 1048576])
    checked = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
    source = {"ref": f"synthetic://{provider}/{index}", "checked": checked}
    reasoning = rng.random() < 0.3
    return {
        "id": f"model-{index:05d}",
        "model": f"lab{index % 40}/model-{index:05d}",
        "name": f"Synthetic Model {index}",
        "family": f"family-{index % 25}",
        "open_weights": rng.random() < 0.4,
        "knowledge_cutoff": "2025-06",
        "limits": {"context": context, "output": min(context, 16384), "source": source},
        "modalities": {"input": ["text", "image"] if index % 3 else ["text"], "output": ["text"]},
        "capabilities": {
            "tool_calling": rng.choice([True, False, "unknown"]),
            "structured_output": {"json_schema": rng.random() < 0.6, "json_mode": True},
            "streaming": True,
            "prompt_caching": rng.choice([True, "unknown"]),
            "reasoning": {"supported": reasoning, "effort": ["low", "medium", "high"]}
            if reasoning
            else {"supported": False},
        },
        "determinism": {"temperature": True, "seed": rng.choice([True, False, "unknown"])},
        "lifecycle": {"status": rng.choice(["active", "active", "active", "deprecated"])},
        "pricing": {
            "input": round(rng.uniform(0.05, 15), 3),
            "output": round(rng.uniform(0.2, 60), 3),
            "cache_read": round(rng.uniform(0.01, 1.5), 3),
            "source": source,
        },
        "rate_limits": [{"tier": "tier 1", "rpm": 500, "tpm": 200000, "source": source}],
        "performance": [
            {
                "metric": "ttft_ms",
                "percentile": "p50",
                "value": rng.randint(150, 2000),
                "source": source,
            }
        ],
        "data": {"zero_retention": "unknown"},
    }


def write_catalog(directory: Path, offerings: int, providers: int = 50, seed: int = 7) -> Path:
    """Write `offerings` synthetic offerings spread over `providers` files into `directory`."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    per_file = [
        offerings // providers + (1 if i < offerings % providers else 0) for i in range(providers)
    ]
    index = 0
    for p, count in enumerate(per_file):
        pid = f"synthetic-{p:02d}"
        doc = {
            "provider": {
                "id": pid,
                "name": f"Synthetic {p}",
                "api": "openai-compatible",
                "base_url": f"https://{pid}.invalid/v1",
                "key_env": f"SYNTHETIC_{p:02d}_API_KEY",
            },
            "offerings": [offering(rng, pid, index + i) for i in range(count)],
        }
        index += count
        text = yaml.dump(
            doc, Dumper=_NoAliases, sort_keys=False, default_flow_style=None, width=100
        )
        (directory / f"{pid}.yaml").write_text(HEADER + text, encoding="utf-8")
    return directory
