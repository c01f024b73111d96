"""`advisor replay`: tables and JSON, two plans side by side, the simulator as upstream, and
bad input as one line with exit status 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from advisor import home
from advisor.cli import cli
from probes.store import RunStore
from tests.replay.conftest import FALLBACK, PRIMARY, REPLAY_CATALOG, WORKLOAD, workload

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)


def write_log(path: Path, count: int, gap_s: float, route: str = WORKLOAD) -> Path:
    """An OpenAI-style request/response log (tests/traffic/data/README.md) of `count`
    requests `gap_s` apart."""
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    lines = []
    for i in range(count):
        at = start + dt.timedelta(seconds=i * gap_s)
        messages = [{"role": "user", "content": f"req-{i} where is my parcel number {i}?"}]
        lines.append(
            {
                "timestamp": at.isoformat().replace("+00:00", "Z"),
                "status": 200,
                "request": {"model": route, "messages": messages},
                "response": {
                    "id": f"chatcmpl-{i}",
                    "object": "chat.completion",
                    "created": int(at.timestamp()),
                    "model": "whatever-served-it",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
                    "usage": {"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50},
                },
            }
        )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def suite_workloads(tmp_path: Path, name: str = "w.yaml", **changes: object) -> Path:
    path = tmp_path / name
    data = workload(**changes).model_dump(mode="json", exclude_defaults=True)
    path.write_text(yaml.safe_dump({"workloads": [data]}), encoding="utf-8")
    return path


def test_the_example_log_replays_through_the_example_plan_as_json(advisor_home: Path) -> None:
    result = run(
        "replay", str(EXAMPLES / "replay-traffic.jsonl"), "--plan", str(EXAMPLES / "workloads.yaml"),
        "--run", "none", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (replay,) = json.loads(result.stdout)["replays"]
    assert replay["target"] == "gateway model" and replay["simulated"] is True
    assert replay["scale"] == "real time (scale 1)"
    assert replay["total"]["requests"] == 48
    assert {w["workload"] for w in replay["workloads"]} == {"billing-classifier", "support-chat"}
    total = replay["total"]
    served = sum(s["count"] for s in total["served_by"].values())
    assert served + total["errors"]["count"] == 48
    assert total["monthly_usd"]["low"] <= total["monthly_usd"]["value"]
    assert total["monthly_usd"]["value"] <= total["monthly_usd"]["high"]
    assert total["monthly_requests"]["source"] == "workload file"


def test_two_plans_side_by_side_with_the_scale_on_every_table(
    advisor_home: Path, tmp_path: Path
) -> None:
    log = write_log(tmp_path / "log.jsonl", 40, 5.0)
    one = suite_workloads(tmp_path, "one.yaml")
    other = suite_workloads(tmp_path, "two.yaml", providers={"allow": ["south", "vast", "newco"]})
    result = run(
        "--catalog", str(REPLAY_CATALOG), "replay", str(log), "--plan", str(one), "--plan",
        str(other), "--run", "none", "--fail", f"{PRIMARY}=0.5", "--time-scale", "0.5",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "plan 1" in out and "plan 2" in out
    assert f"{WORKLOAD} (time scale 0.5: arrivals 2x closer than in the log)" in out
    assert "whole log (time scale 0.5" in out
    assert f"served by fallback-1 {FALLBACK}" in out
    assert f"{PRIMARY}: latency from catalog figures; failures imposed: fails 50%" in out


def test_the_simulator_target_serves_every_attempt(advisor_home: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.jsonl", 12, 1.0)
    plan = suite_workloads(tmp_path)
    result = run(
        "--catalog", str(REPLAY_CATALOG), "replay", str(log), "--plan", str(plan), "--run",
        "none", "--target", "sim", "--fail", f"{PRIMARY}=1", "--time-scale", "0.1", "--seed",
        "4", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (replay,) = json.loads(result.stdout)["replays"]
    assert replay["target"] == "simulator"
    assert replay["basis"] == [f"simulator at time scale 0.1, faults {PRIMARY}=5xx-burst@1"]
    served = replay["total"]["served_by"]
    assert (
        set(served) == {f"fallback-1 {FALLBACK}"}
        and served[f"fallback-1 {FALLBACK}"]["count"] == 12
    )


def test_bad_input_is_one_line_and_exit_status_two(advisor_home: Path, tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.jsonl", 3, 1.0)
    plan = suite_workloads(tmp_path)
    base = ["--catalog", str(REPLAY_CATALOG), "replay", str(log), "--plan", str(plan)]
    cases = {
        "unknown offering": [*base, "--run", "none", "--fail", "nobody/none=0.5"],
        "--fail": [*base, "--run", "none", "--fail", "north/north-chat=2"],
        "no request of the log": [
            "--catalog", str(REPLAY_CATALOG), "replay",
            str(write_log(tmp_path / "other.jsonl", 2, 1.0, route="other-alias")),
            "--plan", str(plan), "--run", "none",
        ],
        "--gateway URL": [*base, "--target", "gateway"],
    }  # fmt: skip
    broken = tmp_path / "broken.jsonl"
    broken.write_text(log.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    cases[f"{broken}:4"] = [*base[:3], str(broken), *base[4:], "--run", "none"]
    for expected, args in cases.items():
        result = run(*args)
        assert result.exit_code == 2, (expected, result.output)
        assert expected in result.stderr, (expected, result.stderr)
        assert "Traceback" not in result.output


def test_the_latency_probe_replays_a_log_and_the_run_records_its_scale(
    advisor_home: Path, tmp_path: Path
) -> None:
    log = write_log(tmp_path / "log.jsonl", 6, 2.0)
    plan = suite_workloads(tmp_path)
    result = run(
        "--catalog", str(REPLAY_CATALOG), "probe", str(plan), "--target", "sim", "--probes",
        "latency", "--top", "1", "--replay-log", str(log), "--replay-scale", "0.1",
        "--time-scale", "0.1", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "6 logged requests, open loop on a log's 6 arrival times, time scale 0.1" in (
        result.stderr
    )
    figures = json.loads(result.stdout)
    assert figures["requests_sent"] == 6
    with RunStore(home.runs_db()) as store:
        settings = store.run(figures["run"]).settings
    assert settings["replayed_logs"] == {
        WORKLOAD: "open loop on a log's 6 arrival times, time scale 0.1"
    }
    refused = run("probe", str(plan), "--replay-log", str(log), "--rate", "2")
    assert refused.exit_code == 2 and "--replay-log sets the load itself" in refused.stderr


def test_a_probe_runs_figures_drive_the_model(advisor_home: Path, tmp_path: Path) -> None:
    """With a probe run of the plan's workload file, the model's latency and failure rate
    are the run's (its simulated figures, scaled back to real time)."""
    log = write_log(tmp_path / "log.jsonl", 6, 2.0)
    plan = suite_workloads(tmp_path)
    probed = run(
        "--catalog", str(REPLAY_CATALOG), "probe", str(plan), "--target", "sim", "--probes",
        "latency", "--top", "1", "--time-scale", "0.1", "--requests", "5", "--json",
    )  # fmt: skip
    assert probed.exit_code == 0, probed.output
    run_id = json.loads(probed.stdout)["run"]
    result = run(
        "--catalog", str(REPLAY_CATALOG), "replay", str(log), "--plan", str(plan), "--json"
    )
    assert result.exit_code == 0, result.output
    assert f"using probe run {run_id}" in result.stderr
    (replay,) = json.loads(result.stdout)["replays"]
    assert f"simulated probe run {run_id}" in replay["plan"]
    assert any(
        line.startswith(
            f"{PRIMARY}: latency from simulated run {run_id}; failures simulated "
            f"run {run_id}: 0 of 5 attempts failed"
        )
        for line in replay["basis"]
    ), replay["basis"]
