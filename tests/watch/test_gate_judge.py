"""The verdict from traffic: a slow or failing canary is rolled back, a healthy one held
until its gates can pass and then promoted, gates a source cannot see are said so; the whole
verdict keeps its false-alarm rate; `--step` moves up the ladder or rolls back; the command
line's exit statuses, with a JSONL log as the source."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.plan.model import Canary, Gate, Plan, WorkloadPlan
from advisor.watch.gate import judge
from advisor.watch.look import Arm, Costs, Latencies, Look, Tally
from advisor.watch.step import LADDER, next_weight, stepped
from tests.gateways.conftest import SUITE_CATALOG, TODAY
from tests.watch.conftest import CANARY, WORKLOAD, _workload_file

GATES = (
    Gate("ttft_p95_ms", 800, "ms", "<=", "budget"),
    Gate("ttft_p99_ms", 1500, "ms", "<=", "primary"),
    Gate("error_rate", 0.01, "share", "<=", "primary"),
    Gate("determinism_agreement", 1.0, "share", ">=", "strict"),
    Gate("usd_per_1k", 1.0, "USD/1k", "<=", "budget"),
)


def with_gates(wp: WorkloadPlan, gates: tuple[Gate, ...] = GATES) -> Canary:
    assert wp.canary is not None
    return dataclasses.replace(wp.canary, gates=gates)


def arm(rng: random.Random, n: int, slow: float = 0.0, errors: float = 0.0) -> Arm:
    """`n` requests: a `slow` share at 2 s to the first token, the rest at 200-600 ms."""
    failed = sum(rng.random() < errors for _ in range(n))
    ttft = tuple(
        2000.0 if rng.random() < slow else rng.uniform(200, 600) for _ in range(n - failed)
    )
    return Arm(n, failed, Latencies(values=ttft), Costs.of([0.0005] * (n - failed)))


def test_a_slow_canary_is_rolled_back_on_its_latency_gates(canary_plan: WorkloadPlan) -> None:
    rng = random.Random(1)
    traffic = Look(arm(rng, 60, slow=0.3), arm(rng, 200), "test")
    j = judge(with_gates(canary_plan), "north/north-chat", WORKLOAD, traffic)
    assert j.verdict == "rollback" and j.exit_status == 1
    decided = {r.gate.metric: r.decision for r in j.gates}
    assert decided["ttft_p95_ms"] == decided["ttft_p99_ms"] == "fail"
    assert decided["determinism_agreement"] == "not judged"  # the source has no agreement
    assert j.alpha_per_gate == pytest.approx(0.05 / 4)
    p95 = next(r for r in j.gates if r.gate.metric == "ttft_p95_ms")
    assert p95.canary is not None and p95.baseline is not None
    assert p95.canary.n == 60 and p95.baseline.n == 200
    assert p95.canary.value.startswith("2,000 ms")


def test_a_healthy_canary_holds_then_promotes_at_the_stated_n(canary_plan: WorkloadPlan) -> None:
    rng = random.Random(2)
    early = judge(with_gates(canary_plan), "b", WORKLOAD, Look(arm(rng, 40), Arm(), "test"))
    assert early.verdict == "hold" and early.exit_status == 3
    stated = max(r.decide_at or 0 for r in early.gates)
    assert f"{stated:,} canary requests" in early.reason
    at = judge(with_gates(canary_plan), "b", WORKLOAD, Look(arm(rng, stated), Arm(), "t"))
    assert at.verdict == "promote", at.reason
    assert "not judged: determinism_agreement" in at.reason


def test_agreement_is_judged_when_the_source_reports_it(canary_plan: WorkloadPlan) -> None:
    rng = random.Random(3)
    canary = dataclasses.replace(arm(rng, 200), disagreements=Tally(1, 50))
    j = judge(with_gates(canary_plan), "b", WORKLOAD, Look(canary, Arm(), "test"))
    assert j.verdict == "rollback" and "determinism_agreement" in j.reason


def test_the_whole_verdict_keeps_its_false_alarm_rate(canary_plan: WorkloadPlan) -> None:
    """300 canaries exactly at every bar, looked at every 25 requests up to 500: rolled back
    at most alpha of the time (Bonferroni over the gates)."""
    gates = GATES[:3]
    rng = random.Random(4)
    rolled = 0
    for _ in range(300):
        ttft: list[float] = []
        failed = 0
        for n in range(1, 501):
            if rng.random() < 0.01:
                failed += 1
            else:
                u = rng.random()  # 5 % over 800 ms, 1 % of them over 1,500 ms
                ttft.append(1600.0 if u < 0.01 else 900.0 if u < 0.05 else 300.0)
            if n % 25 == 0:
                canary = Arm(n, failed, Latencies(values=tuple(ttft)))
                j = judge(with_gates(canary_plan, gates), "b", WORKLOAD, Look(canary, Arm(), "t"))
                if j.verdict == "rollback":
                    rolled += 1
                    break
    assert rolled / 300 <= 0.05 + 0.03, rolled


def test_the_ladder_and_the_next_export(canary_plan: WorkloadPlan) -> None:
    assert LADDER == (0.05, 0.25, 0.5, 1.0)
    assert [next_weight(w) for w in (0.05, 0.2, 0.25, 0.5)] == [0.25, 0.25, 0.5, 1.0]
    plan = Plan((canary_plan,), (), {}, "test", TODAY, None)
    rng = random.Random(5)
    good = judge(with_gates(canary_plan), "b", WORKLOAD, Look(arm(rng, 400), Arm(), "t"))
    bad = judge(with_gates(canary_plan), "b", WORKLOAD, Look(arm(rng, 50, errors=0.5), Arm(), "t"))
    promoted = stepped(plan, good, "2026-12-06")
    assert promoted is not None
    wp = promoted[0].workloads[0]
    assert wp.primary.key == CANARY and wp.canary is None
    assert wp.fallbacks[0].key == canary_plan.primary.key and "promoted" in wp.notes[-1]
    rolled = stepped(plan, bad, "2026-12-06")
    assert rolled is not None and rolled[0].workloads[0].canary is None
    assert "rolled back (weight 0)" in rolled[1]
    quarter = dataclasses.replace(canary_plan.canary, weight=0.05) if canary_plan.canary else None
    small = Plan((dataclasses.replace(canary_plan, canary=quarter),), (), {}, "t", TODAY, None)
    up = stepped(small, good, "2026-12-06")
    assert up is not None and up[0].workloads[0].canary is not None
    assert up[0].workloads[0].canary.weight == 0.25 and "from 5% to 25%" in up[1]
    hold = judge(with_gates(canary_plan), "b", WORKLOAD, Look(arm(rng, 5), Arm(), "t"))
    assert stepped(plan, hold, "2026-12-06") is None


def run_gate(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    workloads = tmp_path / "workloads.yaml"
    _workload_file(workloads)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli,
        ["--catalog", str(SUITE_CATALOG), "gate", str(workloads), "--workload", WORKLOAD]
        + ["--run", "none"]
        + ["--max-fallbacks", "1", "--canary-weight", "0.5", "--canary", CANARY, *args],
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def log(path: Path, canary: int, errors: int = 0) -> Path:
    lines = [{"deployment": "canary-chat:primary", "status": 200, "ttft_ms": 300}] * 100
    lines += [{"deployment": "canary-chat:canary", "status": 500}] * errors
    lines += [{"deployment": "canary-chat:canary", "status": 200, "ttft_ms": 320,
               "input_tokens": 120, "output_tokens": 40}] * (canary - errors)  # fmt: skip
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_cli_exit_statuses_on_a_request_log(tmp_path: Path) -> None:
    status, out, _ = run_gate(tmp_path, "--metrics", f"jsonl:{log(tmp_path / 'a.jsonl', 20)}")
    assert status == 3 and out.startswith("hold")
    assert "error_rate <= 1%" in out and "baseline" in out
    status, out, _ = run_gate(tmp_path, "--metrics", str(log(tmp_path / "b.jsonl", 200)))
    assert status == 0 and out.startswith("promote"), out
    status, out, _ = run_gate(
        tmp_path, "--metrics", str(log(tmp_path / "c.jsonl", 30, 6)), "--json"
    )
    assert status == 1 and json.loads(out)["verdict"] == "rollback"


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    status, _, err = run_gate(tmp_path, "--metrics", "carrier-pigeon")
    assert status == 2 and err.count("\n") == 1 and "prometheus:URL" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"deployment": "canary"}\n', encoding="utf-8")
    status, _, err = run_gate(tmp_path, "--metrics", f"jsonl:{bad}")
    assert status == 2 and f"{bad}:1:1: status:" in err
    status, _, err = run_gate(tmp_path, "--metrics", "probe:http://127.0.0.1:9", "--requests", "2")
    assert status == 2 and "no answer" in err and err.count("\n") == 1
    status, _, err = run_gate(tmp_path, "--metrics", str(log(tmp_path / "a.jsonl", 5)), "--step")
    assert status == 2 and "--output" in err
