"""Determinism: one prompt repeated at temperature 0 (with a seed where accepted), one at a
time and then all at once: how many distinct answers, how alike, where they first differ."""

from __future__ import annotations

from collections import Counter

from probes.clients import ChatRequest
from probes.decide import MIN_AGREEMENT, Verdict, share_verdict
from probes.harness import Sent
from probes.kinds.base import Batch, Figure, Settings, messages
from probes.load import Load
from probes.spec import WorkloadSpec
from probes.targets import Target

PROMPT = "List five practical ways to reduce the cost of a web service, one per line."


class Determinism:
    name = "determinism"
    needs = "identical answers to identical requests at temperature 0 (and a seed)"

    def plan(self, spec: WorkloadSpec, target: Target, settings: Settings) -> list[Batch]:
        d = target.offering.determinism
        request = ChatRequest(
            messages=messages(
                spec, spec.samples[0].messages[-1]["content"] if spec.samples else PROMPT
            ),
            max_tokens=min(200, max(16, spec.output_tokens)),
            temperature=0.0 if d.temperature is not False else None,
            seed=settings.seed if d.seed is not False else None,
        )
        n = settings.repeats
        if not settings.decisive:
            return [
                Batch("sequential", [request] * n, Load(concurrency=1)),
                Batch("concurrent", [request] * n, Load(concurrency=n)),
            ]
        # A decisive run stops once the share of repeats giving the modal answer is decided
        # against the bar (`probes.decide.MIN_AGREEMENT`), as all 2n repeats would decide it:
        # an offering that samples fails within a few, a repeatable one passes on its
        # sequential repeats.
        most = 2 * n

        def verdict(sent: list[Sent]) -> Verdict:
            texts = Counter(s.reply.text for s in sent if s.ok)  # as `analyse` counts them
            modal = texts.most_common(1)[0][1] if texts else 0
            answered = texts.total()
            return share_verdict(modal, answered, MIN_AGREEMENT, most - (len(sent) - answered))

        return [
            Batch("sequential", [request] * n, step=1, verdict=verdict),
            Batch("concurrent", [request] * n, step=n, verdict=verdict),
        ]

    def analyse(
        self, spec: WorkloadSpec, target: Target, sent: dict[str, list[Sent]]
    ) -> list[Figure]:
        figures = []
        everything: list[Sent] = []
        for label in ("sequential", "concurrent"):
            ok = [s for s in sent.get(label, []) if s.ok]
            everything += ok
            if not ok:
                figures.append(Figure(f"{label}_unique_outputs", None, 0))
                continue
            texts = [s.reply.text for s in ok]
            counts = Counter(texts)
            modal, modal_count = counts.most_common(1)[0]
            figures.append(Figure(f"{label}_unique_outputs", len(counts), len(ok), "outputs"))
            figures.append(Figure(f"{label}_modal_share", modal_count / len(ok), len(ok), "share"))
            divergences = [first_divergence(modal, t) for t in texts if t != modal]
            figures.append(
                Figure(
                    f"{label}_first_divergence",
                    min(divergences) if divergences else None,
                    len(divergences),
                    "chars",
                )
            )
            distances = [edit_distance_ratio(modal, t) for t in texts]
            figures.append(
                Figure(
                    f"{label}_mean_edit_distance", sum(distances) / len(distances), len(ok), "ratio"
                )
            )
        fingerprints = {s.reply.fingerprint for s in everything if s.reply.fingerprint}
        figures.append(
            Figure(
                "fingerprints",
                len(fingerprints),
                len(everything),
                "distinct",
                {"values": sorted(fingerprints)},
            )
        )
        all_texts = Counter(s.reply.text for s in everything)
        agreement = all_texts.most_common(1)[0][1] / len(everything) if everything else None
        figures.append(Figure("agreement", agreement, len(everything), "share"))
        return figures


def first_divergence(a: str, b: str) -> int:
    """Index of the first character where `a` and `b` differ."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def edit_distance_ratio(a: str, b: str) -> float:
    """Levenshtein distance over words, divided by the longer length (0 same, 1 different)."""
    x, y = a.split(), b.split()
    if not x and not y:
        return 0.0
    previous = list(range(len(y) + 1))
    for i, wx in enumerate(x, start=1):
        current = [i]
        for j, wy in enumerate(y, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (wx != wy)))
        previous = current
    return previous[-1] / max(len(x), len(y))
