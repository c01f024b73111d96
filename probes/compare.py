"""Two runs side by side: how each figure moved, and whether sample outputs changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
