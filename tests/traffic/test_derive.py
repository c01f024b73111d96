"""Clusters: the context-window share, the cluster cap, the busiest minute and the catalog's
windows for logged model names."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import home
from advisor.traffic import derive
from advisor.traffic.read import Read
from advisor.traffic.records import LoggedRequest
from advisor.traffic.windows import Windows


def request(**changes: object) -> Read:
    fields: dict[str, object] = {
        "source": "log:1",
        "at": None,
        "route": "r",
        "model": "m",
        "system_prompt": None,
        "messages": (),
        "input_tokens": 100,
        "output_tokens": 10,
        "latency_s": None,
        "ttft_s": None,
        "status": 200,
        "structured": False,
        "tools": False,
        "images": False,
        "cost_usd": None,
    }
    fields.update(changes)
    return Read(LoggedRequest(**fields), None)  # type: ignore[arg-type]


def test_requests_near_the_served_models_window_are_counted() -> None:
    reads = [request(input_tokens=n) for n in (100, 700, 800, 950)]
    reads.append(request(model="unknown-model", input_tokens=990))
    traffic = derive.summarise(reads, window_of=lambda m: 1000 if m == "m" else None)
    cluster = traffic.clusters["r"]
    assert (cluster.near_limit, cluster.window_known, cluster.count) == (2, 4, 5)


def test_clusters_past_the_cap_share_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derive, "MAX_CLUSTERS", 3)
    traffic = derive.summarise([request(route=f"r{i}") for i in range(10)])
    assert list(traffic.clusters) == ["r0", "r1", "r2", derive.OTHER]
    assert traffic.clusters[derive.OTHER].count == 7


def test_the_busiest_minute_survives_folding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derive, "MAX_MINUTES", 10)
    reads = [request(at=60.0 * 5 + i) for i in range(7)]  # 7 in minute 5
    reads += [request(at=60.0 * m) for m in range(6, 40)]  # one a minute after
    cluster = derive.summarise(reads).clusters["r"]
    assert len(cluster.minutes) <= 10 and cluster.peak_rpm == 7
    assert cluster.span_s == pytest.approx(60 * 39 - 300)


def test_arrivals_by_hour_average_over_the_days_seen() -> None:
    day = 86_400.0
    reads = [request(at=9 * 3600.0 + i) for i in range(120)]  # day 0, 09:00: 120 requests
    reads += [request(at=day + 9 * 3600.0 + i) for i in range(60)]  # day 1, 09:00: 60
    by_hour = derive.summarise(reads).clusters["r"].rpm_by_hour()
    assert by_hour[9] == pytest.approx((120 + 60) / 2 / 60)
    assert sum(by_hour) == pytest.approx(by_hour[9])


def test_logged_model_names_find_the_catalogs_window() -> None:
    catalog = home.load_catalog()
    offering = catalog.get("openai/gpt-4o-mini")
    assert offering is not None
    window = offering.limits.input or offering.limits.context
    windows = Windows(catalog.offerings)
    for name in ("gpt-4o-mini", "openai/gpt-4o-mini", "gpt-4o-mini-2024-07-18"):
        found = windows(name)
        assert found is not None and found <= (window or 0), name
    assert windows("no-such-model-anywhere") is None


def test_cluster_names_are_unique_slugs() -> None:
    taken: set[str] = set()
    names = [derive.slug(label, taken) for label in ("Support Bot", "support bot", "???")]
    assert names == ["support-bot", "support-bot-2", "traffic"]


def test_named_format_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from advisor.cli import cli

    log = Path(__file__).parent / "data" / "litellm_spend_logs.json"
    runner = CliRunner()
    named = runner.invoke(cli, ["workload", "from-logs", str(log), "--format", "litellm"])
    assert named.exit_code == 0 and "name: chat-default" in named.stdout
    wrong = runner.invoke(cli, ["workload", "from-logs", str(log), "--format", "otel"])
    assert wrong.exit_code == 2
    assert f"{log}:2: resourceSpans: missing: not an OTLP trace export" in wrong.stderr


def test_shards_merged_summarise_as_one_pass() -> None:
    from advisor.traffic.read import read_records

    data = Path(__file__).parent / "data"
    reads = list(read_records(sorted(data.glob("*.js*"))))
    whole = derive.summarise(reads, samples=3)
    merged = derive.summarise(reads[:7], samples=3)
    merged.merge(derive.summarise(reads[7:], samples=3))
    assert merged.requests == whole.requests
    assert list(merged.clusters) == list(whole.clusters)
    for key, one in whole.clusters.items():
        two = merged.clusters[key]
        for q in (0.5, 0.95, 1.0):
            assert two.inputs.quantile(q) == one.inputs.quantile(q)
            assert two.outputs.quantile(q) == one.outputs.quantile(q)
        assert (two.count, two.images, two.tools, two.structured, two.errors) == (
            one.count,
            one.images,
            one.tools,
            one.structured,
            one.errors,
        )
        assert (two.hours, two.peak_rpm, two.span_s) == (one.hours, one.peak_rpm, one.span_s)
        assert (two.models, two.one_system_prompt) == (one.models, one.one_system_prompt)
        assert len(two.samples.items) == min(3, two.samples.seen)


def test_a_merged_reservoir_keeps_each_side_by_its_share() -> None:
    from advisor.traffic.sketch import Reservoir

    kept_from_a = 0
    for seed in range(20):
        a: Reservoir[str] = Reservoir(50, seed=seed)
        b: Reservoir[str] = Reservoir(50, seed=seed + 100)
        for i in range(9000):
            a.add(f"a{i}")
        for i in range(1000):
            b.add(f"b{i}")
        a.merge(b)
        assert len(a.items) == 50 and a.seen == 10_000
        kept_from_a += sum(item.startswith("a") for item in a.items)
    assert 0.85 < kept_from_a / (20 * 50) < 0.95  # 90% expected
