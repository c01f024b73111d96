"""The workload each traffic cluster implies, written as a normal workload file whose
comments say where every number came from.

The file loads with `advisor.workload.model.load_workloads` like any other; it is meant to
be read and edited before use: the task is a guess from what the traffic asks for, and the
requirements (tools, JSON, images) are the traffic's, not a judgement of what it needs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from advisor import units
from advisor.traffic.derive import NEAR_LIMIT, Cluster, Traffic, slug
from advisor.traffic.redact import Redactor
from advisor.workload.model import Message, Sample, Task, Workload
from catalog.schema import MAX_TOKENS


@dataclass(frozen=True)
class Proposal:
    """One cluster's workload and the comments that source its fields."""

    cluster: Cluster
    workload: Workload
    notes: dict[str, str]
    """Per field written, where its value came from."""
    about: str
    """What the cluster is, for the comment above the workload."""


def propose(traffic: Traffic, source: str, redactor: Redactor) -> list[Proposal]:
    """A workload per cluster, busiest first. `source` names the logs in comments."""
    taken: set[str] = set()
    clusters = sorted(traffic.clusters.values(), key=lambda c: -c.count)
    return [_proposal(c, traffic, source, redactor, taken) for c in clusters]


def _proposal(
    c: Cluster, traffic: Traffic, source: str, redactor: Redactor, taken: set[str]
) -> Proposal:
    notes: dict[str, str] = {}
    # A label is the start of a system prompt or a name from the log: redacted like a sample.
    label = redactor.text(c.label)
    fields: dict[str, Any] = {"name": slug(label, taken)}
    of = f"{units.count(c.count, 'request')} in {source}"

    task, why = _task(c)
    fields["task"] = task
    notes["task"] = why

    if c.inputs.count:
        p50, p95 = _q(c.inputs, 0.5), _q(c.inputs, 0.95)
        top = min(int(c.inputs.max), MAX_TOKENS)
        fields["context_tokens"] = p50
        fields["max_context_tokens"] = max(top, p50)
        notes["context_tokens"] = (
            f"p50 of {units.count(c.inputs.count, 'request')} in {source}; p95 {p95:,}"
            + _estimated(c.input_estimated, c.inputs.count)
        )
        notes["max_context_tokens"] = f"max of {of}"
    else:
        notes["name"] = "input tokens unknown: the log holds no counts and no messages"
    if c.outputs.count:
        fields["output_tokens"] = _q(c.outputs, 0.5)
        notes["output_tokens"] = (
            f"p50 of {units.count(c.outputs.count, 'request')} in {source}; "
            f"p95 {_q(c.outputs, 0.95):,}, max {int(c.outputs.max):,}"
            + _estimated(c.output_estimated, c.outputs.count)
        )
    if c.images:
        fields["modalities"] = ["text", "image"]
        notes["modalities"] = f"{_pct(c.share(c.images))} of {of} send images"
    if c.structured:
        fields["structured_output"] = "json_mode"
        notes["structured_output"] = f"{_pct(c.share(c.structured))} of {of} ask for JSON"
    if c.tools:
        fields["tool_calling"] = True
        notes["tool_calling"] = f"{_pct(c.share(c.tools))} of {of} offer tools"
    volume, volume_note = _volume(c, source)
    if volume:
        fields["volume"] = volume
        notes["volume"] = volume_note
    if c.one_system_prompt and c.system_prompt:
        fields["system_prompt"] = redactor.text(c.system_prompt)
        notes["system_prompt"] = f"shared by all {of}, redacted"
    samples = c.sample_messages(redactor)
    if samples:
        fields["samples"] = [
            Sample(messages=[Message.model_validate(m) for m in sample]) for sample in samples
        ]
        notes["samples"] = (
            f"{units.count(len(samples), 'request')} drawn at random from {of}, redacted "
            "(advisor workload redact-rules)"
        )
    workload = Workload.model_validate(fields)
    return Proposal(c, workload, notes, _about(c, label, traffic))


def _task(c: Cluster) -> tuple[Task, str]:
    if c.images and c.share(c.images) >= 0.5:
        return "vision", "a guess: most requests send images"
    if c.tools and c.share(c.tools) >= 0.5:
        return "agent", "a guess: most requests offer tools"
    if c.structured and c.share(c.structured) >= 0.5:
        return "extraction", "a guess: most requests ask for JSON"
    return "chat", "a guess: review it"


def _volume(c: Cluster, source: str) -> tuple[dict[str, float], str]:
    if not c.hours:
        return {}, ""
    peak_rps = round(c.peak_rpm / 60, 3)
    peak = f"peak_rps: the busiest minute of {source}, {units.count(c.peak_rpm, 'request')}"
    span = c.span_s
    if span is None or span < MIN_SPAN_S:
        return {"peak_rps": peak_rps}, f"{peak}; the log spans under an hour: no daily volume"
    volume = {"requests_per_day": round(c.count * 86_400 / span, 1), "peak_rps": peak_rps}
    note = (
        f"{units.count(c.count, 'request')} over {span / 3600:,.1f} hours, scaled to a day; {peak}"
    )
    if span < 86_400:
        note += " (under a day of log: no daily cycle seen)"
    return volume, note


def _about(c: Cluster, label: str, traffic: Traffic) -> str:
    lines = [f"{traffic.by} {label!r}: {units.count(c.count, 'request')}"]
    if c.models:
        served = ", ".join(f"{m} ({n:,})" for m, n in sorted(c.models.items(), key=lambda i: -i[1]))
        lines.append(f"served by {served}")
    if c.window_known:
        lines.append(
            f"{_pct(c.near_limit / c.window_known)} of {units.count(c.window_known, 'request')} with a known "
            f"window fill {NEAR_LIMIT:.0%} or more of the serving model's context"
        )
    if c.status_known:
        lines.append(f"errors: {_pct(c.errors / c.status_known)} of {c.status_known:,}")
    if c.latency.count:
        p50, p95 = c.latency.quantile(0.5) or 0, c.latency.quantile(0.95) or 0
        lines.append(
            f"latency as served: p50 {p50:.2f} s, p95 {p95:.2f} s "
            f"({units.count(c.latency.count, 'request')}); set latency budgets yourself"
        )
    if c.cost_known:
        lines.append(
            f"spend {units.usd(c.cost_usd)} over {units.count(c.cost_known, 'priced request')}"
        )
    if c.hours:
        by_hour = c.rpm_by_hour()
        busiest = max(range(24), key=lambda h: by_hour[h])
        lines.append(
            f"arrivals: mean {by_hour[busiest]:.1f} rpm in the busiest hour "
            f"({busiest:02d}:00 UTC), peak {c.peak_rpm:,} rpm"
        )
    return "\n".join(lines)


def _q(q: Any, at: float) -> int:
    return min(int(round(q.quantile(at) or 0)), MAX_TOKENS)


def _pct(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 or share == 0 else "<1%"


def _estimated(estimated: int, total: int) -> str:
    if not estimated:
        return ""
    return (
        f" ({estimated:,} of {total:,} estimated from text at 4 characters a token: "
        "the log had no counts)"
    )


MIN_SPAN_S = 3600
"""Shorter logs give no daily volume: a minute's burst scaled to a day misleads."""

_ORDER = (
    "name",
    "task",
    "context_tokens",
    "max_context_tokens",
    "output_tokens",
    "modalities",
    "structured_output",
    "tool_calling",
    "latency",
    "volume",
    "system_prompt",
    "samples",
)


def render(proposals: list[Proposal], header: str) -> str:
    """The workload file's text: `header` as its opening comment, then each workload with a
    comment of what its cluster is and where each number came from."""
    seq = CommentedSeq()
    for index, p in enumerate(proposals):
        data = p.workload.model_dump(mode="json", exclude_defaults=True)
        data["name"], data["task"] = p.workload.name, p.workload.task
        entry = CommentedMap()
        for key in _ORDER:
            if key in data:
                entry[key] = _plain(data[key])
        for key, note in p.notes.items():
            if key in entry:
                entry.yaml_add_eol_comment(note, key)
        seq.append(entry)
        seq.yaml_set_comment_before_after_key(index, before=p.about, indent=2)
    root = CommentedMap(workloads=seq)
    root.yaml_set_start_comment(header)
    out = io.StringIO()
    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(root, out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    """Drop sample fields left at None, so samples read `messages:` only."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    return value
