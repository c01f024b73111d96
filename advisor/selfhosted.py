"""Self-hosted cost: a deployment's hourly cost turned into cost per request and per month.

A self-hosted offering has no price per token; its deployment costs per hour whether it
serves or idles. Given its hardware's USD per hour (`deployment` in the catalog) and how
many requests per second one replica sustains (declared `throughput_rps`, or measured and
passed in), the workload needs `ceil(peak / throughput)` replicas (at least one, always on):

- per month = replicas × USD per hour × 24 × 30 (known even without a declared volume);
- per request = per month / the workload's requests per month, when it declares a volume;
  else one replica at full load: USD per hour / (3,600 × throughput).

Without a throughput the monthly cost of one replica is still known, but not whether one is
enough, nor the cost per request without a volume: the estimate says so. Every estimate's
first note labels where its throughput came from (declared or measured).
"""

from __future__ import annotations

import math
from typing import Literal

from advisor.cost import CostEstimate
from advisor.workloads import DAYS_PER_MONTH, Workload
from catalog.schema import Deployment

HOURS_PER_MONTH = 24 * DAYS_PER_MONTH

Basis = Literal["declared", "measured"]


def deployment_estimate(
    workload: Workload,
    deployment: Deployment,
    measured_rps: float | None = None,
) -> CostEstimate:
    """The workload's cost on a deployment, at the measured throughput when given, else the
    declared one."""
    rps, basis = (
        (measured_rps, "measured") if measured_rps else (deployment.throughput_rps, "declared")
    )
    per_day = workload.volume.requests_per_day
    peak = workload.volume.peak_rps or (per_day / 86_400 if per_day else None)
    replicas = max(1, math.ceil(peak / rps)) if rps and peak else 1
    per_month = replicas * deployment.usd_per_hour * HOURS_PER_MONTH
    label = f"self-hosted: ${deployment.usd_per_hour:g}/h on {deployment.hardware}"
    notes = [
        f"{label}, {basis} throughput {rps:g} req/s, {replicas} replica{'s' if replicas > 1 else ''}"
        " always on"
        if rps
        else f"{label}, throughput unknown: one replica always on (declare throughput_rps)"
    ]
    if per_day:
        per_request: float | None = per_month / (per_day * DAYS_PER_MONTH)
    elif rps:
        per_request = deployment.usd_per_hour / (3600 * rps)
        notes.append("no declared volume: per request at one replica's full load")
    else:
        per_request = None
        notes.append("no volume and no throughput: cost per request unknown")
    if per_request is None:
        return CostEstimate(None, None, per_month, deployment.source.checked, tuple(notes))
    # A deployment costs its hours whatever it serves: the month is known without a volume.
    return CostEstimate(
        per_request, per_request * 1000, per_month, deployment.source.checked, tuple(notes)
    )
