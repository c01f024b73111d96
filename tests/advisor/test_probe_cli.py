"""`advisor probe` end to end against the simulator: figures, the run store, the cap, secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from catalog import BUNDLED_DIR
from probes.simulator import SimulatorHandle, running_simulator
from probes.store import RunStore

WORKLOADS = Path(__file__).resolve().parents[1] / "data" / "probe" / "workloads.yaml"
CANARY = "sk-canary-5b1d7e0f9a2c4e6b8d0f"
FAST = ["--time-scale", "0.02", "--requests", "4", "--top", "1"]


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator((BUNDLED_DIR,), time_scale=0.02, seed=3) as handle:
        yield handle


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_simulated_run_gives_every_probe_kind_figures_with_n(advisor_home: Path) -> None:
    code, out, err = invoke("probe", str(WORKLOADS), "--json", *FAST)
    assert code == 0, err
    data = json.loads(out)
    assert data["simulated"] is True
    (offering,) = data["workloads"]["tagger"]
    probes = data["workloads"]["tagger"][offering]
    assert set(probes) == {
        "latency",
        "determinism",
        "context",
        "structured",
        "samples",
        "retention",
        "correctness",
    }
    ttft = probes["latency"]["ttft_ms_p50"]
    assert ttft["n"] == 4 and ttft["value"] > 0 and ttft["unit"] == "ms"
    outputs = probes["samples"]["outputs"]["detail"]["outputs"]
    assert [o["expected"] for o in outputs] == [{"tag": "bug"}, {"tag": "question"}]
    assert all(o["schema"] == "valid" for o in outputs)
    # Two conversations of eight turns; the tagger answers in JSON, so its format
    # constraint is a JSON key (its schema's required `tag`).
    retention = probes["retention"]
    assert retention["kept_share"]["n"] == 16 and 0 <= retention["kept_share"]["value"] <= 1
    kinds = [c["constraint"] for c in retention["kept_share"]["detail"]["conversations"]]
    assert kinds == ["json_key", "avoid_word"]
    # No declared peak: five a second for five seconds, after six one at a time.
    correctness = probes["correctness"]
    assert correctness["rest_correct_share"]["n"] == 6
    assert correctness["load_correct_share"]["n"] == 25
    assert correctness["load_rate_rps"]["value"] == 5
    assert correctness["load_valid_share"]["value"] == 1.0  # native JSON Schema
    assert correctness["load_ttft_ms_p95"]["unit"] == "ms"
    (run,) = RunStore(advisor_home / "runs.sqlite").runs()
    assert (run.status, run.simulated) == ("complete", True)
    assert run.attempts == data["requests_sent"]


def test_table_output_says_simulated(advisor_home: Path) -> None:
    probes = "latency,samples,retention,correctness"
    code, out, _ = invoke("probe", str(WORKLOADS), "--probes", probes, *FAST)
    assert code == 0
    assert "tagger: probe results (simulated)" in out
    assert "tagger: sample outputs" in out
    assert "tagger: instruction retention over a conversation (simulated)" in out
    assert "json_key " in out and "avoid_word " in out  # each conversation, turn by turn
    assert "tagger: correctness at rest → under load (simulated)" in out
    assert "5/s" in out and "6 → 25" in out  # the rate, and n at rest and under load


def test_the_cap_refuses_a_run_whose_worst_case_exceeds_it(advisor_home: Path) -> None:
    code, _, err = invoke("probe", str(WORKLOADS), "--budget-usd", "0.000001", *FAST)
    assert code == 2
    assert "refused" in err and "exceeds the cap" in err
    assert (
        not (advisor_home / "runs.sqlite").exists()
        or not RunStore(advisor_home / "runs.sqlite").runs()
    )


def test_unknown_probe_kind_is_bad_input() -> None:
    code, _, err = invoke("probe", str(WORKLOADS), "--probes", "latency,vibes")
    assert code == 2 and "vibes" in err


def test_live_run_through_a_providers_override_never_writes_the_key(
    advisor_home: Path, sim: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live target whose base URL the user pointed at the simulator: the real client path,
    with a canary key that must appear in no file and no output."""
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    advisor_home.mkdir(parents=True, exist_ok=True)
    (advisor_home / "providers.yaml").write_text(
        f"providers:\n  openai: {{base_url: {sim.url}/p/openai/v1}}\n", encoding="utf-8"
    )
    code, out, err = invoke("probe", str(WORKLOADS), "--target", "live", "--json", *FAST)
    assert code == 0, err
    data = json.loads(out)
    assert data["simulated"] is False
    assert CANARY not in out and CANARY not in err
    store = RunStore(advisor_home / "runs.sqlite")
    store.db.execute("pragma wal_checkpoint(full)")
    for path in advisor_home.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_live_without_keys_skips_with_reasons(
    advisor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, _, err = invoke("probe", str(WORKLOADS), "--target", "live", *FAST)
    assert "skipped" in err and "OPENAI_API_KEY is not set" in err
    assert code == 1  # nothing left to probe


def test_history_compares_two_runs(advisor_home: Path) -> None:
    for _ in range(2):
        code, _, err = invoke("probe", str(WORKLOADS), "--probes", "latency,samples", *FAST)
        assert code == 0, err
    code, out, _ = invoke("history", "--compare", "1", "2", "--json")
    assert code == 0
    data = json.loads(out)
    ttft = [s for s in data["shifts"] if s["metric"] == "ttft_ms_p50"]
    assert len(ttft) == 1 and ttft[0]["before"] > 0 and ttft[0]["after"] > 0
    assert ttft[0]["change"] == pytest.approx(ttft[0]["after"] - ttft[0]["before"])
    (outputs,) = data["outputs"]
    assert outputs["compared"] == 2 and 0 <= outputs["changed"] <= 2
    code, out, _ = invoke("history", "--compare", "1", "2")
    assert "latency.ttft_ms_p50" in out and "sample outputs changed" in out
    code, _, err = invoke("history", "--compare", "1", "9")
    assert code == 2 and "no run 9" in err


def test_offering_probes_exactly_the_named_offering(advisor_home: Path) -> None:
    code, out, err = invoke(
        "probe", str(WORKLOADS), "--json", "--probes", "latency", "--offering",
        "openai/gpt-5.4-mini", *FAST,
    )  # fmt: skip
    assert code == 0, err
    assert list(json.loads(out)["workloads"]["tagger"]) == ["openai/gpt-5.4-mini"]


def test_an_offering_the_workload_excludes_is_skipped_with_its_reason(advisor_home: Path) -> None:
    code, _, err = invoke(
        "probe", str(WORKLOADS), "--probes", "latency", "--offering",
        "anthropic/claude-opus-5", *FAST,
    )  # fmt: skip
    assert code == 1
    assert "skipped anthropic/claude-opus-5: excluded for tagger" in err
    assert "providers.allow" in err and "nothing to probe" in err


def test_match_explains_named_offerings(advisor_home: Path) -> None:
    code, out, err = invoke(
        "match", str(WORKLOADS), "--offering", "openai/gpt-5.4-mini",
        "--offering", "anthropic/claude-opus-5",
    )  # fmt: skip
    assert code == 0, err
    assert "tagger: openai/gpt-5.4-mini: candidate " in out and "  cost: " in out
    assert "tagger: anthropic/claude-opus-5: excluded" in out
    assert "provider anthropic is not in providers.allow" in out


def test_an_unknown_offering_is_refused_with_the_nearest_keys(advisor_home: Path) -> None:
    code, _, err = invoke("match", str(WORKLOADS), "--offering", "openai/gpt-5.4-mimi")
    assert code == 2
    assert "unknown offering" in err and "did you mean openai/gpt-5.4-mini" in err


def test_history_refuses_to_compare_runs_of_different_time_scales(advisor_home: Path) -> None:
    for scale in ("0.02", "0.04"):
        code, _, err = invoke(
            "probe", str(WORKLOADS), "--probes", "latency", "--requests", "2", "--top", "1",
            "--time-scale", scale,
        )  # fmt: skip
        assert code == 0, err
    code, _, err = invoke("history", "--compare", "1", "2")
    assert code == 2 and "time scale 0.02" in err and "0.04" in err
    code, out, err = invoke("history", "--compare", "1", "2", "--any-scale")
    assert code == 0, err
    code, out, _ = invoke("history")
    assert "time ×0.04" in out and "time ×0.02" in out
