"""Where a canary's traffic is read from: a LiteLLM proxy's Prometheus `/metrics`, probes sent
through the gateway, or a JSONL request log. Each source returns a `Look`; this module says
which names stand for the canary and which for the baseline, and how tokens become cost."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.plan.model import WorkloadPlan
from advisor.watch.look import ArmName
from catalog import Offering
from catalog.errors import BadInput


class SourceError(BadInput):
    """A metrics source that cannot be read: unreachable, malformed, or not the plan's."""

    title = "bad metrics source"


@dataclass(frozen=True)
class Roles:
    """The names a source may give the canary's and the baseline's deployments: the id the
    LiteLLM export gives each deployment (`WORKLOAD:canary`, `WORKLOAD:primary`), the role
    (`canary`, `primary`), the offering key or its API id. The baseline is the primary and any
    deployment sharing its traffic for headroom; fallbacks are neither."""

    workload: str
    canary: Offering
    baseline: Offering
    names: dict[str, ArmName]

    @classmethod
    def of(cls, wp: WorkloadPlan) -> Roles:
        if wp.canary is None:
            raise BadInput(f"the plan of {wp.name} has no canary (give --canary-weight)")
        canary = wp.canary.choice.offering
        names: dict[str, ArmName] = {}
        members = [("primary", wp.primary.offering)] + [
            (f"headroom-{i}", h.offering) for i, h in enumerate(wp.headroom, 1)
        ]
        for role, offering in members:
            for name in (f"{wp.name}:{role}", role, offering.key, offering.id):
                names.setdefault(name, "baseline")
        for name in (f"{wp.name}:canary", "canary", canary.key, canary.id):
            names[name] = "canary"  # the canary's own names win over a shared API id
        return cls(wp.name, canary, wp.primary.offering, names)

    def arm(self, name: str | None) -> ArmName | None:
        return self.names.get(name) if name else None

    def offering(self, arm: ArmName) -> Offering:
        return self.canary if arm == "canary" else self.baseline
