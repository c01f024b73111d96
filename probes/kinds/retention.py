"""Instruction retention: a checkable constraint added to the workload's system prompt, and
how long a real multi-turn exchange keeps it.

Two conversations per offering, each the workload's system prompt plus one constraint:

- a format constraint: `Always answer with a JSON object that has the key "<key>".` when
  the workload answers in JSON (the key is its schema's first required property), else
  `Always answer in at most <N> words.` with N from the workload's typical output;
- a content constraint: `Never use the word "cost".`, while the user turns keep bringing
  costs up.

Both also carry a positive requirement, so that a model cannot keep them by saying little or
nothing: every user turn's notes have a reference (`(ref K7Q2X)`, random per turn) and the
system prompt asks for it to be quoted in every answer. A turn keeps its constraint only when
the answer quotes that turn's reference and keeps the constraint. An answer of noise, or a
canned one, quotes no reference: it scores 0 (the chance of a random text holding a given
five-character code from a 32-letter alphabet is 1 in 32⁵, about 33 million, per position).

Each turn's user message is about the workload's typical input (notes of filler words and a
follow-up question), so the conversation grows the way the workload's would. Every turn
carries the answers the offering actually gave, so a slip can compound as it would in
production. The reply to every turn is checked; the figures are the share of replies that
keep their constraint, the first turn where one broke, and the turns held before it.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from probes.clients import ChatRequest
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings, outcome_counts
from probes.kinds.structured import FENCE
from probes.prompts import filler
from probes.spec import WorkloadSpec
from probes.targets import Target

MIN_TURNS = 2
TURN_TOKENS = (16, 200)
"""A user turn is the workload's typical input, within these bounds (tokens)."""
WORD_LIMIT = (10, 60)
"""The word limit: three quarters of the workload's typical output in words, within these."""
FORBIDDEN = "cost"
FOLLOW_UPS = (
    "Summarise these notes.",
    "What is the biggest risk in them, and what would it cost to remove it?",
    "Explain the plan step by step.",
    "Which of these items costs the most, and why?",
    "Write a short update for the team about where this stands.",
    "What would you cut first to keep costs down?",
    "List the open questions.",
    "How does this compare with the notes before?",
    "What should happen next week, and at what cost?",
    "Give the team one recommendation.",
)
"""Ordinary follow-ups, several of which invite the forbidden word."""

REFERENCE_RULE = (
    'Quote the reference of the notes you answer (the code after "ref") in every answer.'
)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE = re.compile(r"\(ref ([A-Z0-9]{4,})\)")
CHANCE = 0.0
"""What an answer that does not read the turn scores: it cannot quote a reference it never saw."""

Kind = Literal["json_key", "max_words", "avoid_word"]


@dataclass(frozen=True)
class Constraint:
    """One checkable instruction: its kind, its value and the sentence that states it."""

    kind: Kind
    value: str

    @property
    def sentence(self) -> str:
        if self.kind == "json_key":
            return f'Always answer with a JSON object that has the key "{self.value}".'
        if self.kind == "max_words":
            return f"Always answer in at most {self.value} words."
        return f'Never use the word "{self.value}".'

    def kept_by(self, text: str, reference: str | None = None) -> bool:
        """Whether an answer keeps the constraint and quotes the turn's `reference`. A JSON
        object in a markdown fence counts: the format was kept, which is what this probe asks
        (`structured` counts fences)."""
        if reference is not None and reference not in text:
            return False
        if self.kind == "json_key":
            fenced = FENCE.match(text)
            try:
                value = json.loads(fenced.group(1) if fenced else text)
            except json.JSONDecodeError:
                return False
            return isinstance(value, dict) and self.value in value
        if self.kind == "max_words":
            return len(text.split()) <= int(self.value)
        return re.search(rf"\b{re.escape(self.value)}\b", text, re.IGNORECASE) is None

    def max_tokens(self, spec: WorkloadSpec) -> int:
        """Room for an answer that breaks the constraint to show it."""
        if self.kind == "max_words":
            return 4 * int(self.value) + 24
        return max(48, min(300, 2 * spec.output_tokens))


def constraints(spec: WorkloadSpec) -> list[Constraint]:
    """The format constraint that suits the workload, then the content constraint."""
    prompt = (spec.system_prompt or "").lower()
    if spec.response_schema is not None or "json" in prompt:
        required = (spec.response_schema or {}).get("required") or ["answer"]
        first = Constraint("json_key", str(required[0]))
    else:
        low, high = WORD_LIMIT
        first = Constraint("max_words", str(max(low, min(high, spec.output_tokens * 3 // 4))))
    return [first, Constraint("avoid_word", FORBIDDEN)]


def turn_count(spec: WorkloadSpec, target: Target, settings: Settings) -> int:
    """`settings.turns`, fewer when the last turn would not fit the offering's window."""
    window = target.offering.limits.context
    if window is None:
        return max(MIN_TURNS, settings.turns)
    per_turn = _turn_tokens(spec) + max(c.max_tokens(spec) for c in constraints(spec)) + 16
    fits = (window - 256) // per_turn
    return max(MIN_TURNS, min(settings.turns, fits))


def _turn_tokens(spec: WorkloadSpec) -> int:
    low, high = TURN_TOKENS
    return max(low, min(high, spec.context_tokens))


class Retention:
    name = "retention"
    needs = "a system-prompt constraint kept over a multi-turn exchange"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        turns = turn_count(spec, target, settings)
        temperature = 0.0 if target.offering.determinism.temperature is not False else None
        batches = []
        for constraint in constraints(spec):
            system = "\n\n".join(
                filter(None, [spec.system_prompt, constraint.sentence, REFERENCE_RULE])
            )
            requests = []
            for turn in range(turns):
                user = _user_turn(spec, turn, settings.seed)
                messages: list[dict[str, Any]] = [{"role": "user", "content": user}]
                if turn == 0:
                    messages.insert(0, {"role": "system", "content": system})
                requests.append(
                    ChatRequest(
                        messages=messages,
                        max_tokens=constraint.max_tokens(spec),
                        temperature=temperature,
                    )
                )
            batches.append(Batch(constraint.kind, requests, conversation=True))
        return batches

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        planned = {c.kind: c for c in constraints(spec)}
        exchanges = [
            Exchange.judge(planned[label], rows) for label, rows in sent.items() if label in planned
        ]
        judged = [v for e in exchanges for v in e.verdicts if v is not None]
        by_turn: dict[int, list[bool]] = {}
        for exchange in exchanges:
            for turn, verdict in enumerate(exchange.verdicts, start=1):
                if verdict is not None:
                    by_turn.setdefault(turn, []).append(verdict)
        breaks = [e.first_break for e in exchanges if e.first_break is not None]
        return [
            Figure(
                "kept_share",
                sum(judged) / len(judged) if judged else None,
                len(judged),
                "share",
                {
                    "chance": CHANCE,
                    "conversations": [e.as_dict() for e in exchanges],
                    "kept_by_turn": {t: sum(v) / len(v) for t, v in sorted(by_turn.items())},
                },
            ),
            Figure(
                "first_break_turn",
                float(min(breaks)) if breaks else None,
                len(exchanges),
                "turn",
                {"held_throughout": bool(judged) and not breaks},
            ),
            Figure(
                "turns_held",
                float(min(e.turns_held for e in exchanges)) if judged else None,
                len(exchanges),
                "turns",
            ),
        ]


@dataclass(frozen=True)
class Exchange:
    """One conversation's verdicts: kept, broken, or None for a turn without an answer."""

    constraint: Constraint
    verdicts: list[bool | None]
    outcomes: dict[str, int]
    cited: list[bool | None] = field(default_factory=list)
    """Whether each answer quoted its turn's reference (the positive half of a verdict)."""

    @classmethod
    def judge(cls, constraint: Constraint, rows: list[Sent]) -> Exchange:
        ordered = sorted(rows, key=lambda s: s.index)
        verdicts = [
            constraint.kept_by(s.reply.text, reference(s.request.messages)) if s.ok else None
            for s in ordered
        ]
        cited = [
            (ref in s.reply.text) if s.ok and (ref := reference(s.request.messages)) else None
            for s in ordered
        ]
        return cls(constraint, verdicts, outcome_counts(ordered), cited)

    @property
    def first_break(self) -> int | None:
        """The first turn (from 1) whose answer broke the constraint."""
        return next((i for i, v in enumerate(self.verdicts, start=1) if v is False), None)

    @property
    def turns_held(self) -> int:
        """Turns answered before the first break (all answered ones when none broke)."""
        broke = self.first_break
        return broke - 1 if broke is not None else sum(v is not None for v in self.verdicts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "constraint": self.constraint.kind,
            "instruction": self.constraint.sentence,
            "kept": self.verdicts,
            "quoted_reference": self.cited,
            "first_break_turn": self.first_break,
            "turns_held": self.turns_held,
            "outcomes": self.outcomes,
        }


def reference(messages: list[dict[str, Any]]) -> str | None:
    """The reference of the turn's notes (in its last user message), if it has one."""
    users = [m for m in messages if m.get("role") == "user"]
    found = REFERENCE.search(str(users[-1]["content"])) if users else None
    return found[1] if found else None


def _user_turn(spec: WorkloadSpec, turn: int, seed: int) -> str:
    """Notes of about the workload's typical input size, with a reference to quote, then a
    follow-up question."""
    ask = FOLLOW_UPS[turn % len(FOLLOW_UPS)]
    rng = random.Random(f"retention-ref:{seed}:{turn}")
    ref = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(5))
    notes = filler(max(8, _turn_tokens(spec) - len(ask) // 4 - 8), seed=seed + turn)
    return f"Notes {turn + 1} (ref {ref}): {notes}\n\n{ask}"
