"""The sources' parsing, without a gateway: the Prometheus text format, the JSONL request log
(every bad line named by file, line and field), and which names stand for which arm."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from advisor.plan.model import WorkloadPlan
from advisor.watch.look import Latencies
from advisor.watch.sources import Roles, SourceError, jsonl, prometheus
from catalog.problems import InputError

METRICS = """\
# HELP litellm_deployment_success_responses_total LLM Deployment Analytics
# TYPE litellm_deployment_success_responses_total counter
litellm_deployment_success_responses_total{model_id="canary-chat:canary",team="a \\"b\\""} 90.0
litellm_deployment_success_responses_total{model_id="canary-chat:primary"} 400.0
litellm_deployment_failure_responses_total{model_id="canary-chat:canary",exception_status="500"} 10.0
litellm_deployment_success_responses_total{model_id="canary-chat:fallback-1"} 10.0
litellm_llm_api_time_to_first_token_metric_bucket{model_id="canary-chat:canary",le="0.5"} 50.0
litellm_llm_api_time_to_first_token_metric_bucket{model_id="canary-chat:canary",le="1.0"} 80.0
litellm_llm_api_time_to_first_token_metric_bucket{model_id="canary-chat:canary",le="+Inf"} 90.0
litellm_llm_api_latency_metric_bucket{model_id="canary-chat:primary",le="1.0"} 400.0
litellm_llm_api_latency_metric_bucket{model_id="canary-chat:primary",le="+Inf"} 400.0
process_cpu_seconds_total 1.5e+01
"""


def test_prometheus_text_is_parsed_with_escapes_and_specials() -> None:
    samples = prometheus.parse(METRICS)
    assert samples[0].labels["team"] == 'a "b"'
    assert samples[0].value == 90.0
    assert samples[-1].name == "process_cpu_seconds_total" and samples[-1].value == 15.0
    assert math.isinf(prometheus._number("+Inf"))
    with pytest.raises(ValueError, match="line 1"):
        prometheus.parse("m{a=b} 1\n")


def test_prometheus_counters_and_histograms_per_arm(canary_plan: WorkloadPlan) -> None:
    roles = Roles.of(canary_plan)
    traffic = prometheus.traffic_of(prometheus.parse(METRICS), roles, "test")
    assert (traffic.canary.requests, traffic.canary.errors) == (100, 10)
    assert traffic.canary.ttft_ms.over(750) == (10, 30)  # above 1 s sure, 0.5-1 s unsure
    assert traffic.canary.ttft_ms.over(1000) == (10, 0)
    assert traffic.baseline.requests == 400
    assert traffic.notes == (
        "baseline: no streamed requests; the whole call counts as the first token",
    )


def test_a_scrape_that_fails_is_bad_input(canary_plan: WorkloadPlan) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        prometheus.read("http://127.0.0.1:9/metrics", Roles.of(canary_plan))
    with pytest.raises(SourceError, match="http://"):
        prometheus.read("file:///etc/passwd", Roles.of(canary_plan))


def test_latencies_from_values_and_buckets() -> None:
    values = Latencies(values=(100.0, 200.0, 900.0))
    assert values.over(500) == (1, 0) and values.quantile(0.5) == 200.0
    hist = Latencies(buckets=((500.0, 2), (1000.0, 3), (math.inf, 3)))
    assert hist.n == 3 and hist.over(600) == (0, 1) and hist.quantile(0.95) == 1000.0


def test_roles_name_both_arms_by_every_name(canary_plan: WorkloadPlan) -> None:
    roles = Roles.of(canary_plan)
    assert canary_plan.canary is not None
    for name in ("canary-chat:canary", "canary", "newco/newco-chat", "newco-chat"):
        assert roles.arm(name) == "canary"
    for name in ("canary-chat:primary", "primary", "north/north-chat"):
        assert roles.arm(name) == "baseline"
    assert roles.arm("canary-chat:fallback-1") is None


def write_log(path: Path, lines: list[object]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_jsonl_log_read_per_arm(tmp_path: Path, canary_plan: WorkloadPlan) -> None:
    lines: list[object] = [
        {"deployment": "canary", "status": 200, "ttft_ms": 300, "input_tokens": 1000,
         "output_tokens": 100, "agree": True},
        {"deployment": "canary", "status": 500, "latency_ms": 20},
        {"deployment": "north/north-chat", "status": "ok", "latency_ms": 250, "cost_usd": 0.001},
        {"deployment": "south/south-chat", "status": 200},
        {"deployment": "canary", "status": 200, "workload": "other"},
    ]  # fmt: skip
    traffic = jsonl.read(write_log(tmp_path / "log.jsonl", lines), Roles.of(canary_plan))
    canary = traffic.canary
    assert (canary.requests, canary.errors, canary.ttft_ms.values) == (2, 1, (300.0,))
    assert canary.costs is not None and canary.costs.mean == pytest.approx(0.00104)  # 0.8/2.4
    assert canary.disagreements is not None and canary.disagreements.n == 1
    assert traffic.baseline.ttft_ms.values == (250.0,)
    assert traffic.notes == ("1 requests of other deployments skipped",)


def test_jsonl_bad_lines_are_named_by_line_and_field(
    tmp_path: Path, canary_plan: WorkloadPlan
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        '{"deployment": "canary", "status": 200}\n'
        "not json\n"
        '{"status": 200}\n'
        '{"deployment": "canary", "status": 200, "ttft_ms": "fast"}\n'
        '{"deployment": "canary", "status": true}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        jsonl.read(path, Roles.of(canary_plan))
    lines = caught.value.lines()
    assert [line.split(": ")[0] for line in lines] == [f"{path}:{n}:1" for n in (2, 3, 4, 5)]
    assert "deployment: required" in lines[1] and "ttft_ms: a number" in lines[2]
