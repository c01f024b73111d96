"""How each planned offering answers in a replay that runs no server: latency, failures,
rate limits and context window, from the best figures there are.

- Latency: the simulator's timing model of the offering (the catalog's TTFT and tokens per
  second, documented defaults where it has none), or a probe run's measured TTFT p50/p95
  and end-to-end p50 when one is given.
- Failures: a probe run's measured error rate; without a run the catalog states none, so 0,
  and the behaviour says it was assumed. The user may impose a rate per offering
  (`--fail KEY=0.5`), which wins.
- Rate limits: the probe run's first 429 rate when it measured one, else the catalog's.

Every figure keeps its source, so the replay's report can say what it rested on.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final

from advisor.probe.measured import RunMeasures
from catalog import Offering
from probes.simulator.ratelimit import catalog_limits
from probes.simulator.timing import SPEED_SIGMA, Z_OF, timing_model

Z95: Final = Z_OF["p95"]
ERROR_S: Final = 0.03
"""How long a provider takes to refuse a request (the simulator's error delay)."""


@dataclass(frozen=True)
class Behaviour:
    """One offering's answers, as the replay draws them."""

    key: str
    ttft_ms: float
    """Median time to first token."""
    ttft_sigma: float
    """Lognormal spread of the TTFT."""
    itl_ms: float
    """Median gap between output tokens."""
    failure_rate: float
    rpm: int | None
    window: int | None
    """Context window in tokens (input plus output); None when unknown."""
    source: str
    """Where the latency figures came from."""
    failure_source: str

    def latency_s(self, rng: random.Random, output_tokens: int) -> float:
        """One request's end-to-end time: a lognormal TTFT, then the output tokens."""
        ttft = self.ttft_ms * math.exp(rng.gauss(0.0, self.ttft_sigma))
        speed = math.exp(
            rng.gauss(0.0, SPEED_SIGMA)
        )  # per-request speed, as the simulator draws it
        return (ttft + max(0, output_tokens - 1) * self.itl_ms * speed) / 1000.0


def behaviour(
    offering: Offering,
    workload: str,
    measures: RunMeasures | None = None,
    failure_rate: float | None = None,
) -> Behaviour:
    """`offering`'s behaviour on `workload`: measured where the run probed it, else the
    catalog's; `failure_rate` imposed when given."""
    model = timing_model(offering)
    rpm, _ = catalog_limits(offering)
    ttft, sigma, itl = model.ttft_ms, model.ttft_sigma, model.itl_ms
    source = "catalog figures" if model.source == "catalog" else "default figures"
    failures, failure_source = 0.0, "assumed 0: nothing measured"
    found = measures.of(workload, offering.key) if measures else None
    if measures is not None and found is not None:
        label = f"{measures.origin} run {measures.run_id}"
        p50, p95 = found.get("latency.ttft_ms_p50"), found.get("latency.ttft_ms_p95")
        itl_measured = found.get("latency.itl_ms_p50")
        if p50 is not None:
            ttft, source = p50.value, label
            if p95 is not None and p95.value > p50.value:
                sigma = math.log(p95.value / p50.value) / Z95
        if itl_measured is not None:
            itl = itl_measured.value
        if found.error_rate is not None:
            failures = found.error_rate
            failure_source = f"{label}: {found.failed} of {found.attempts} attempts failed"
        first_429 = found.get("ratelimit.first_429_rps")
        if first_429 is not None:
            rpm = int(first_429.value * 60)
    if failure_rate is not None:
        failures, failure_source = failure_rate, f"imposed: fails {failure_rate:.0%}"
    return Behaviour(
        key=offering.key,
        ttft_ms=ttft,
        ttft_sigma=sigma,
        itl_ms=itl,
        failure_rate=failures,
        rpm=rpm,
        window=offering.limits.context,
        source=source,
        failure_source=failure_source,
    )
