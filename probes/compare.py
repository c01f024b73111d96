"""Two runs side by side: how each figure moved, and whether sample outputs changed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from probes.store import RunStore


@dataclass(frozen=True)
class Shift:
    """One figure of one offering in both runs."""

    workload: str
    offering: str
    probe: str
    metric: str
    before: float | None
    after: float | None
    unit: str

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def relative(self) -> float | None:
        change = self.change
        if change is None or not self.before:
            return None
        return change / abs(self.before)


@dataclass(frozen=True)
class OutputChange:
    """Samples whose output differs between the runs, per offering."""

    workload: str
    offering: str
    changed: int
    compared: int


def compare_runs(
    store: RunStore, before: int, after: int
) -> tuple[list[Shift], list[OutputChange]]:
    """Figures present in either run (None where one run lacks them) and sample output changes."""
    rows: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for run, side in ((before, "before"), (after, "after")):
        for row in store.results(run):
            key = (row["workload"] or "", row["offering"], row["probe"], row["metric"])
            slot = rows.setdefault(key, {"unit": row["unit"] or ""})
            slot[side] = row["value"]
            if row["metric"] == "outputs":
                slot[f"{side}_outputs"] = [
                    o["output"] for o in json.loads(row["detail"] or "{}").get("outputs", [])
                ]
    shifts = [
        Shift(*key, slot.get("before"), slot.get("after"), slot["unit"])
        for key, slot in sorted(rows.items())
        if key[3] != "outputs"
    ]
    changes = []
    for (workload, offering, _, metric), slot in sorted(rows.items()):
        if metric == "outputs" and "before_outputs" in slot and "after_outputs" in slot:
            pairs = list(zip(slot["before_outputs"], slot["after_outputs"], strict=False))
            changes.append(
                OutputChange(workload, offering, sum(a != b for a, b in pairs), len(pairs))
            )
    return shifts, changes


OUTPUT_KINDS = ("latency", "samples")
"""Probe kinds whose answers are the workload's own kind of answer: what output drift reads.
(The other kinds ask for needles, JSON, numbers or kept rules: answers shaped by the probe.)"""


@dataclass
class Observed:
    """What one offering answered for one workload in one run, attempt by attempt (answered
    attempts only): the raw material of a drift comparison."""

    output_tokens: list[float] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    ttft_ms: list[float] = field(default_factory=list)
    """Latency probe only: the workload-sized requests under the run's load."""
    e2e_ms: list[float] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    """The model id the provider said it resolved the request to."""
    shares: dict[str, tuple[float, int]] = field(default_factory=dict)
    """`probe.metric` → (share, n) for the share figures drift compares."""


SHARE_FIGURES = ("structured.schema_valid_rate", "determinism.agreement")


def observed(store: RunStore, run_id: int) -> dict[tuple[str, str], Observed]:
    """Each (workload, offering)'s answered attempts and share figures in a run."""
    out: dict[tuple[str, str], Observed] = {}
    for row in store.attempts(run_id):
        if row["outcome"] != "ok":
            continue
        seen = out.setdefault((row["workload"] or "", row["offering"]), Observed())
        if row["fingerprint"]:
            seen.fingerprints.append(row["fingerprint"])
        if row["model_returned"]:
            seen.models.append(row["model_returned"])
        if row["probe"] in OUTPUT_KINDS and row["output"] is not None:
            seen.outputs.append(row["output"])
            if row["output_tokens"] is not None:
                seen.output_tokens.append(float(row["output_tokens"]))
        if row["probe"] == "latency" and row["sent_ns"] is not None:
            if row["first_token_ns"] is not None:
                seen.ttft_ms.append((row["first_token_ns"] - row["sent_ns"]) / 1e6)
            if row["last_token_ns"] is not None:
                seen.e2e_ms.append((row["last_token_ns"] - row["sent_ns"]) / 1e6)
    for row in store.results(run_id):
        name = f"{row['probe']}.{row['metric']}"
        if name in SHARE_FIGURES and row["value"] is not None and row["n"]:
            seen = out.setdefault((row["workload"] or "", row["offering"]), Observed())
            seen.shares[name] = (float(row["value"]), int(row["n"]))
    return out
