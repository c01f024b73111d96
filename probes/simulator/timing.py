"""When each output token is sent: catalog figures, documented defaults, jitter and a tail.

Per request, from one random generator:

- TTFT = median × lognormal(σ) × tail + prompt tokens / prefill speed. The tail: 1 request
  in 100 waits 2.5–5× longer (queueing, a cold replica).
- Token gaps: the median gap is 1 / output_tps; each request gets its own speed factor
  (lognormal, σ 0.1) and each gap its own jitter (lognormal, σ `itl_sigma`); 1 gap in 500
  is a hiccup of 5–20×.

Figures come from the offering's `performance` list: `ttft_ms` and `output_tps` at p50 (or
mean) set the medians; a p90/p95/p99 TTFT next to the p50 sets σ. What the catalog lacks
comes from the defaults below, varied per offering by a fixed factor derived from its key
(0.6–1.5×), so simulated offerings do not all tie.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import Final

from catalog.schema import Offering

DEFAULT_TTFT_MS: Final = 450.0
DEFAULT_OUTPUT_TPS: Final = 70.0
DEFAULT_TTFT_SIGMA: Final = 0.35
DEFAULT_ITL_SIGMA: Final = 0.25
DEFAULT_PREFILL_TPS: Final = 20_000.0
"""Prompt tokens processed per second before the first token: a 100k-token prompt adds 5 s,
a 1M-token one 50 s (long-context TTFTs of hosted models are tens of seconds)."""
SPEED_SIGMA: Final = 0.1
TTFT_TAIL_P: Final = 0.01
TTFT_TAIL_RANGE: Final = (2.5, 5.0)
HICCUP_P: Final = 0.002
HICCUP_RANGE: Final = (5.0, 20.0)

Z_OF: Final = {"p75": 0.674, "p90": 1.2816, "p95": 1.6449, "p99": 2.3263}
"""Standard normal quantiles of the percentiles a catalog gives (a lognormal's spread)."""


@dataclass(frozen=True, slots=True)
class TimingModel:
    """Latency shape of one offering, before the time scale is applied."""

    ttft_ms: float
    ttft_sigma: float
    itl_ms: float
    itl_sigma: float
    prefill_tps: float
    source: str
    """'catalog' when any figure came from the catalog, else 'default'."""


def offering_factor(key: str, salt: str) -> float:
    """A fixed factor in [0.6, 1.5] for an offering key: stable across runs and machines."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    unit = int.from_bytes(digest, "big") / 2**64
    return 0.6 + 0.9 * unit


def timing_model(offering: Offering) -> TimingModel:
    """The offering's latency shape from its catalog figures, defaults where unknown."""
    ttft: dict[str, float] = {}
    tps: dict[str, float] = {}
    for figure in offering.performance:
        if figure.metric == "ttft_ms":
            ttft.setdefault(figure.percentile, figure.value)
        elif figure.metric == "output_tps" and figure.value > 0:
            tps.setdefault(figure.percentile, figure.value)
    source = "catalog" if ttft or tps else "default"

    sigma = DEFAULT_TTFT_SIGMA
    median = ttft.get("p50", ttft.get("mean"))
    high = next(((p, ttft[p]) for p in ("p99", "p95", "p90", "p75") if p in ttft), None)
    if median is not None and high is not None and high[1] > median:
        sigma = math.log(high[1] / median) / Z_OF[high[0]]
    elif median is None and high is not None:
        median = high[1] / math.exp(Z_OF[high[0]] * sigma)
    if median is None:
        median = DEFAULT_TTFT_MS * offering_factor(offering.key, "ttft")

    speed = tps.get("p50", tps.get("mean"))
    if speed is None and tps:
        speed = next(iter(tps.values()))
    if speed is None:
        speed = DEFAULT_OUTPUT_TPS * offering_factor(offering.key, "tps")
    return TimingModel(
        ttft_ms=median,
        ttft_sigma=sigma,
        itl_ms=1000.0 / speed,
        itl_sigma=DEFAULT_ITL_SIGMA,
        prefill_tps=DEFAULT_PREFILL_TPS,
        source=source,
    )


def schedule(
    model: TimingModel, rng: random.Random, tokens: int, prompt_tokens: int, scale: float
) -> list[int]:
    """Offsets in ns (from the request's arrival) at which each output token is sent.

    Always at least one entry: a reply with no tokens still has a moment it is complete.
    """
    # exp(gauss) is a lognormal draw; random.gauss is several times cheaper than
    # lognormvariate, and this runs once per token of every simulated stream.
    exp, gauss, uniform = math.exp, rng.gauss, rng.random
    ttft = model.ttft_ms * exp(gauss(0.0, model.ttft_sigma))
    if uniform() < TTFT_TAIL_P:
        ttft *= rng.uniform(*TTFT_TAIL_RANGE)
    ttft += prompt_tokens / model.prefill_tps * 1000.0
    gap = model.itl_ms * exp(gauss(0.0, SPEED_SIGMA))
    # Each gap's jitter has mean 1 (the -σ²/2 shift), so output speed stays as configured.
    sigma = model.itl_sigma
    mu = -(sigma**2) / 2
    ms_to_ns = 1e6 * scale
    t = ttft
    out = [int(t * ms_to_ns)]
    for _ in range(tokens - 1):
        step = gap * exp(gauss(mu, sigma))
        if uniform() < HICCUP_P:
            step *= rng.uniform(*HICCUP_RANGE)
        t += step
        out.append(int(t * ms_to_ns))
    return out
