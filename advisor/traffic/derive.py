"""Traffic summarised per cluster, in one pass and bounded memory, and the workload each
cluster implies.

A cluster is the requests that share a route (the alias or model group the caller asked
for), a system prompt, or the model that served them. Per cluster: input and output token
quantiles (`sketch.Quantiles`, within 1%), modalities, tools, structured output, arrivals by
hour and the busiest minute, the share near the served model's context window, and a uniform
sample of requests (`sketch.Reservoir`), redacted before it leaves this module.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from advisor.traffic import bodies
from advisor.traffic.read import Read
from advisor.traffic.records import LoggedRequest
from advisor.traffic.redact import Redactor
from advisor.traffic.sketch import Quantiles, Reservoir

ClusterBy = Literal["route", "system-prompt", "model"]
CLUSTER_BY: tuple[ClusterBy, ...] = ("route", "system-prompt", "model")

MAX_CLUSTERS = 64
"""Distinct clusters kept; later ones share one `other` cluster, so memory stays bounded
however many system prompts a log holds."""
MAX_MINUTES = 20_000
"""Per-minute counts kept for the busiest minute; the oldest are folded into the peak when
there are more. A log out of time order by more than this many minutes can so undercount
the peak, never overcount it."""
NEAR_LIMIT = 0.8
"""A request is near the context limit when its input fills this share of the window."""
OTHER = "other"

WindowOf = Callable[[str], int | None]


def _unknown(model: str) -> None:
    return None


@dataclass
class Cluster:
    """What one cluster's requests add up to so far."""

    key: str
    label: str
    sample_size: int
    count: int = 0
    inputs: Quantiles = field(default_factory=Quantiles)
    outputs: Quantiles = field(default_factory=Quantiles)
    latency: Quantiles = field(default_factory=Quantiles)
    input_estimated: int = 0
    output_estimated: int = 0
    images: int = 0
    tools: int = 0
    structured: int = 0
    errors: int = 0
    status_known: int = 0
    cost_usd: float = 0.0
    cost_known: int = 0
    near_limit: int = 0
    window_known: int = 0
    first_at: float | None = None
    last_at: float | None = None
    hours: dict[int, int] = field(default_factory=dict)
    minutes: dict[int, int] = field(default_factory=dict)
    folded_peak: int = 0
    models: dict[str, int] = field(default_factory=dict)
    system_prompt: str | None = None
    one_system_prompt: bool = True
    samples: Reservoir[tuple[Mapping[str, Any], ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.samples = Reservoir(self.sample_size, seed=_seed(self.key))

    def add(self, request: LoggedRequest, output_estimate: int | None, window: int | None) -> None:
        self.count += 1
        tokens_in = request.input_tokens
        if tokens_in is None and request.messages:
            tokens_in = bodies.estimate_input_tokens(request.messages)
            self.input_estimated += 1
        if tokens_in is not None:
            self.inputs.add(tokens_in)
            if window:
                self.window_known += 1
                self.near_limit += tokens_in >= NEAR_LIMIT * window
        tokens_out = request.output_tokens
        if tokens_out is None and output_estimate is not None:
            tokens_out = output_estimate
            self.output_estimated += 1
        if tokens_out is not None:
            self.outputs.add(tokens_out)
        if request.latency_s is not None:
            self.latency.add(request.latency_s)
        self.images += request.images
        self.tools += request.tools
        self.structured += request.structured
        if request.status is not None:
            self.status_known += 1
            self.errors += request.status >= 400
        if request.cost_usd is not None:
            self.cost_known += 1
            self.cost_usd += request.cost_usd
        if request.model is not None and (request.model in self.models or len(self.models) < 32):
            self.models[request.model] = self.models.get(request.model, 0) + 1
        if request.at is not None:
            self._arrival(request.at)
        if self.count == 1:
            self.system_prompt = request.system_prompt
        elif self.one_system_prompt and request.system_prompt != self.system_prompt:
            self.one_system_prompt = False
        if request.messages:
            self.samples.add(request.messages)

    def _arrival(self, at: float) -> None:
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)
        hour = int(at // 3600)
        self.hours[hour] = self.hours.get(hour, 0) + 1
        minute = int(at // 60)
        self.minutes[minute] = self.minutes.get(minute, 0) + 1
        if len(self.minutes) > MAX_MINUTES:
            for old in sorted(self.minutes)[: MAX_MINUTES // 2]:
                self.folded_peak = max(self.folded_peak, self.minutes.pop(old))

    def merge(self, other: Cluster) -> None:
        """Add another shard's summary of the same cluster (shards of a log split by time or
        by file): counts add, sketches and samples merge, arrivals add minute by minute."""
        was_empty = self.count == 0
        self.count += other.count
        for mine, theirs in (
            (self.inputs, other.inputs),
            (self.outputs, other.outputs),
            (self.latency, other.latency),
        ):
            mine.merge(theirs)
        for name in (
            "input_estimated",
            "output_estimated",
            "images",
            "tools",
            "structured",
            "errors",
            "status_known",
            "cost_usd",
            "cost_known",
            "near_limit",
            "window_known",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        firsts = [t for t in (self.first_at, other.first_at) if t is not None]
        lasts = [t for t in (self.last_at, other.last_at) if t is not None]
        self.first_at = min(firsts) if firsts else None
        self.last_at = max(lasts) if lasts else None
        for mine_counts, their_counts in ((self.hours, other.hours), (self.minutes, other.minutes)):
            for key, n in their_counts.items():
                mine_counts[key] = mine_counts.get(key, 0) + n
        self.folded_peak = max(self.folded_peak, other.folded_peak)
        for model, n in other.models.items():
            if model in self.models or len(self.models) < 32:
                self.models[model] = self.models.get(model, 0) + n
        if was_empty:
            self.system_prompt, self.one_system_prompt = (
                other.system_prompt,
                other.one_system_prompt,
            )
        elif other.count:
            self.one_system_prompt = (
                self.one_system_prompt
                and other.one_system_prompt
                and self.system_prompt == other.system_prompt
            )
        self.samples.merge(other.samples)

    # Figures read by the workload writer and the TUI

    @property
    def peak_rpm(self) -> int:
        """Requests in the busiest minute."""
        return max([self.folded_peak, *self.minutes.values()])

    @property
    def span_s(self) -> float | None:
        """Seconds from the first arrival to the last, None without two timed requests."""
        if self.first_at is None or self.last_at is None or self.last_at <= self.first_at:
            return None
        return self.last_at - self.first_at

    def rpm_by_hour(self) -> list[float]:
        """Mean requests per minute in each hour of the day (UTC), over the days seen."""
        totals = [0] * 24
        days: list[set[int]] = [set() for _ in range(24)]
        for hour, n in self.hours.items():
            totals[hour % 24] += n
            days[hour % 24].add(hour // 24)
        return [totals[h] / (len(days[h]) * 60) if days[h] else 0.0 for h in range(24)]

    def share(self, n: int) -> float:
        return n / self.count if self.count else 0.0

    def sample_messages(self, redactor: Redactor) -> list[list[dict[str, str]]]:
        """The sampled requests as plain chat messages (system, user, assistant; text, images
        marked), redacted; the system prompt left out when the workload carries it."""
        drop_system = self.one_system_prompt and self.system_prompt is not None
        out: list[list[dict[str, str]]] = []
        for messages in self.samples.items:
            plain: list[dict[str, str]] = []
            for message in messages:
                role = {"developer": "system"}.get(str(message.get("role")), message.get("role"))
                if role not in ("system", "user", "assistant") or (
                    drop_system and role == "system"
                ):
                    continue
                text = bodies.text_of(message.get("content"))
                if bodies.has_image([message]):
                    text = f"{text}\n[image]".strip()
                plain.append({"role": str(role), "content": redactor.text(text)})
            if any(m["role"] == "user" for m in plain):
                out.append(plain)
        return out


@dataclass
class Traffic:
    """Clusters of one or more logs, in the order they were first seen."""

    by: ClusterBy
    sample_size: int
    clusters: dict[str, Cluster] = field(default_factory=dict)
    requests: int = 0

    def add(self, read: Read, window_of: WindowOf) -> None:
        request = read.request
        self.requests += 1
        key, label = _cluster_key(request, self.by)
        cluster = self.clusters.get(key)
        if cluster is None:
            if len(self.clusters) >= MAX_CLUSTERS:
                key, label = OTHER, OTHER
                cluster = self.clusters.get(OTHER)
            if cluster is None:
                cluster = self.clusters[key] = Cluster(key, label, self.sample_size)
        window = window_of(request.model) if request.model else None
        cluster.add(request, read.output_estimate, window)

    def merge(self, other: Traffic) -> None:
        """Add another shard's clusters (same `by`); new ones past the cap join `other`."""
        if other.by != self.by:
            raise ValueError("summaries clustered differently do not merge")
        self.requests += other.requests
        for key, cluster in other.clusters.items():
            mine = self.clusters.get(key)
            if mine is None and len(self.clusters) >= MAX_CLUSTERS:
                mine = self.clusters.get(OTHER)
                if mine is None:
                    mine = self.clusters[OTHER] = Cluster(OTHER, OTHER, self.sample_size)
            if mine is None:
                mine = self.clusters[key] = Cluster(key, cluster.label, self.sample_size)
            mine.merge(cluster)


def summarise(
    reads: Iterable[Read],
    by: ClusterBy = "route",
    *,
    samples: int = 5,
    window_of: WindowOf | None = None,
) -> Traffic:
    """One pass over `reads`: every request added to its cluster; `window_of` gives the
    context window of a served model (see `advisor.traffic.windows`)."""
    traffic = Traffic(by, samples)
    lookup = window_of or _unknown
    for read in reads:
        traffic.add(read, lookup)
    return traffic


def _cluster_key(request: LoggedRequest, by: ClusterBy) -> tuple[str, str]:
    if by == "route":
        name = request.route or request.model or "unknown"
        return name, name
    if by == "model":
        name = request.model or request.route or "unknown"
        return name, name
    prompt = request.system_prompt
    if not prompt:
        return "", "no system prompt"
    digest = hashlib.sha256(prompt.encode()).hexdigest()[:12]
    return digest, " ".join(prompt.split()[:8])


def _seed(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def slug(text: str, taken: set[str]) -> str:
    """A workload name (lowercase slug) from a cluster label, unique among `taken`."""
    base = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    if len(base) > 40:  # cut at a word's end
        base = base[:41].rsplit("-", 1)[0]
    base = base.strip("-._") or "traffic"
    if not base[0].isalnum():
        base = f"w{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name
