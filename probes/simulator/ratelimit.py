"""Requests- and tokens-per-minute limits as token buckets, one per offering.

A bucket holds up to the per-minute limit and refills continuously (limit / 60 per second),
which is how providers describe their limits. Limits use real time, never the simulator's
time scale: a rate-limit probe measures requests per wall-clock second.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from catalog.schema import Offering


@dataclass(slots=True)
class Bucket:
    capacity: float
    level: float
    stamp: float

    @property
    def rate(self) -> float:
        return self.capacity / 60.0

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` is available (0 when it is)."""
        missing = min(amount, self.capacity) - self.level
        return max(0.0, missing / self.rate)

    def reset_in(self) -> float:
        """Seconds until the bucket is full again."""
        return (self.capacity - self.level) / self.rate


@dataclass(frozen=True, slots=True)
class RateState:
    """What the rate-limit headers report after a request was counted (or refused)."""

    kind: str | None
    """None when allowed; else 'requests' or 'tokens', the limit that refused it."""
    retry_after: float
    limit_requests: int | None
    remaining_requests: int | None
    reset_requests: float
    limit_tokens: int | None
    remaining_tokens: int | None
    reset_tokens: float
    requested_tokens: int


def catalog_limits(offering: Offering) -> tuple[int | None, int | None]:
    """(rpm, tpm) from the offering's first rate-limit entry, else its free tier's rpm."""
    for entry in offering.rate_limits:
        if entry.rpm is not None or entry.tpm is not None:
            return entry.rpm, entry.tpm
    if offering.free_tier is not None and offering.free_tier.rpm is not None:
        return offering.free_tier.rpm, None
    return None, None


class RateLimiter:
    """Buckets per offering key. `rpm`/`tpm` given here override the catalog for all."""

    def __init__(self, rpm: int | None = None, tpm: int | None = None) -> None:
        self.override = (rpm, tpm)
        self.buckets: dict[str, tuple[Bucket | None, Bucket | None]] = {}

    def _buckets(self, offering: Offering, now: float) -> tuple[Bucket | None, Bucket | None]:
        found = self.buckets.get(offering.key)
        if found is None:
            rpm, tpm = catalog_limits(offering)
            rpm = self.override[0] or rpm
            tpm = self.override[1] or tpm
            found = (
                Bucket(rpm, rpm, now) if rpm else None,
                Bucket(tpm, tpm, now) if tpm else None,
            )
            self.buckets[offering.key] = found
        return found

    def check(self, offering: Offering, tokens: int) -> RateState | None:
        """Count one request of `tokens` (prompt + requested output); None when unlimited."""
        now = time.monotonic()
        requests, token_bucket = self._buckets(offering, now)
        if requests is None and token_bucket is None:
            return None
        kind = None
        retry = 0.0
        for name, bucket, amount in (("requests", requests, 1), ("tokens", token_bucket, tokens)):
            if bucket is None:
                continue
            bucket.refill(now)
            wait = bucket.wait_for(amount)
            if wait > 0 and kind is None:
                kind, retry = name, wait
        if kind is None:
            if requests is not None:
                requests.level -= 1
            if token_bucket is not None:
                token_bucket.level -= min(tokens, token_bucket.capacity)
        return RateState(
            kind=kind,
            retry_after=retry,
            limit_requests=int(requests.capacity) if requests else None,
            remaining_requests=max(0, math.floor(requests.level)) if requests else None,
            reset_requests=requests.reset_in() if requests else 0.0,
            limit_tokens=int(token_bucket.capacity) if token_bucket else None,
            remaining_tokens=max(0, math.floor(token_bucket.level)) if token_bucket else None,
            reset_tokens=token_bucket.reset_in() if token_bucket else 0.0,
            requested_tokens=tokens,
        )
