"""Long context: needles at several depths in prompts of several lengths up to the workload's
largest input; recall, and whether the server's usage confirms the prompt reached that size
(a silently truncated prompt would otherwise look like good recall on a short one)."""

from __future__ import annotations

import random

from probes.clients import ChatRequest
from probes.decide import MIN_RECALL, Verdict, share_verdict
from probes.errors import is_context_error
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings, messages
from probes.load import Load
from probes.prompts import CHARS_PER_TOKEN, filler
from probes.spec import WorkloadSpec
from probes.targets import Target

LENGTH_FRACTIONS = (0.25, 0.5, 1.0)
DEPTHS = (0.1, 0.5, 0.9)
USAGE_SHORTFALL = 0.8
"""A prompt counted below this share of its intended size was truncated somewhere."""


class Context:
    name = "context"
    needs = "facts recalled from anywhere in a prompt as long as the largest input"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        window = target.offering.limits.context or spec.max_context_tokens
        longest = max(256, min(spec.max_context_tokens, window - spec.output_tokens - 64))
        rng = random.Random(settings.seed)
        requests = []
        for fraction in LENGTH_FRACTIONS:
            size = max(128, int(longest * fraction))
            for depth in DEPTHS:
                name = f"n{rng.getrandbits(32):08x}"
                code = f"{rng.getrandbits(48):012x}"
                needle = f"The secret code for {name} is {code}."
                text = filler(size, seed=rng.getrandbits(32))
                cut = int(len(text) * depth)
                body = f"{text[:cut]} {needle} {text[cut:]}"
                requests.append(
                    ChatRequest(
                        messages=messages(spec, f"{body}\n\nWhat is the secret code for {name}?"),
                        max_tokens=32,
                        temperature=0.0
                        if target.offering.determinism.temperature is not False
                        else None,
                    )
                )
        if not settings.decisive:
            return [Batch("grid", requests, Load(concurrency=3))]
        # Only the longest prompts, at every depth: the workload's largest input is what
        # must work, and recall is no better at any shorter length.
        at_largest = requests[-len(DEPTHS) :]

        def verdict(sent: list[Sent]) -> Verdict:
            hits = sum(_hit(s) for s in sent)
            return share_verdict(hits, len(sent), MIN_RECALL, len(at_largest))

        return [Batch("grid", at_largest, step=len(at_largest), verdict=verdict)]

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        grid = sent["grid"]
        cells = []
        found = 0
        confirmed = 0
        for s in grid:
            prompt = str(s.request.messages[-1]["content"])
            hit = _hit(s)
            intended = len(prompt) // CHARS_PER_TOKEN
            reached = (
                s.reply.input_tokens is not None
                and s.reply.input_tokens >= USAGE_SHORTFALL * intended
            )
            found += bool(hit)
            confirmed += bool(reached)
            cells.append(
                {
                    "context_error": not s.ok
                    and is_context_error(s.timed.status if s.timed else None, s.reply.error),
                    "tokens": intended,
                    "hit": bool(hit),
                    "usage_confirms": reached,
                    "outcome": s.reply.outcome,
                }
            )
        n = len(grid)
        return [
            # A needle is a random 12-digit hex code: no answer that did not read it holds it.
            Figure(
                "needle_recall",
                found / n if n else None,
                n,
                "share",
                {"chance": 0.0, "cells": cells},
            ),
            Figure("usage_confirms_length", confirmed / n if n else None, n, "share"),
            Figure(
                "longest_prompt_tokens",
                float(max((c["tokens"] for c in cells), default=0)),
                n,
                "tokens",
            ),
        ]


def _hit(s: Sent) -> bool:
    """The answer holds the needle's code."""
    prompt = str(s.request.messages[-1]["content"])
    code = prompt.split(" is ", 1)[1].split(".", 1)[0] if " is " in prompt else ""
    return bool(s.ok and code and code in s.reply.text)
