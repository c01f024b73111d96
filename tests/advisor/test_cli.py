"""The `advisor` command line: exit codes, messages and JSON shapes scripts depend on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from advisor.cli import cli
from catalog.jsonschema import CATALOG_SCHEMA_NAME, SCHEMA_DIR
from tests.conftest import FIXTURE_CATALOG

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)


def test_validate_bundled_catalog_exits_zero() -> None:
    result = run("catalog", "validate")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")


def test_validate_with_overlay_paths() -> None:
    result = run("catalog", "validate", str(FIXTURE_CATALOG))
    assert result.exit_code == 0, result.output


def test_validate_reports_one_line_per_problem_and_exits_two(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "provider:\n  id: acme\n  name: Acme\n  api: openai\n"
        "  base_url: https://acme.invalid\n  colour: red\n"
        "offerings:\n"
        "  - {id: a, model: m/a, name: A, limits: {context: 10, output: 20,"
        " source: {ref: x, checked: 2026-01-01}}}\n",
        encoding="utf-8",
    )
    result = run("catalog", "validate", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}:6:3: provider.colour: unknown key",
        f"{bad}:8:64: offerings[0].limits.output: output limit 20 exceeds the context window 10",
    ]


def test_validate_json(tmp_path: Path) -> None:
    result = run("catalog", "validate", "--json", str(FIXTURE_CATALOG))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["valid"] is True


def test_show_json_lists_offerings_with_the_fields_scripts_need() -> None:
    result = run("catalog", "show", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) >= 60
    assert len({r["provider"] for r in rows}) >= 10
    for row in rows:
        assert row["key"] == f"{row['provider']}/{row['id']}"
        assert {"limits", "pricing", "modalities", "lifecycle"} <= row.keys()
        assert "context" in row["limits"] and "output" in row["limits"]
        assert row["lifecycle"]["status"] in {"preview", "active", "deprecated", "retired"}


def test_show_filters_with_the_query_language() -> None:
    result = run(
        "--catalog",
        str(FIXTURE_CATALOG),
        "catalog",
        "show",
        "--json",
        "provider:acme",
        "-status:retired",
    )
    keys = [r["key"] for r in json.loads(result.stdout)]
    assert keys == ["acme/acme-large-2", "acme/acme-small-2", "acme/acme-large-1"]


def test_show_table(tmp_path: Path) -> None:
    result = run("--catalog", str(FIXTURE_CATALOG), "catalog", "show", "provider:acme")
    assert result.exit_code == 0
    assert "acme/acme-large-1" in result.stdout and "deprecated" in result.stdout


def test_show_with_a_bad_filter_exits_two() -> None:
    result = run("catalog", "show", "ctx:lots")
    assert result.exit_code == 2
    assert "ctx:lots" in result.stderr


def test_schema_writes_the_committed_file(tmp_path: Path) -> None:
    result = run("catalog", "schema", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    written = (tmp_path / "out" / CATALOG_SCHEMA_NAME).read_text(encoding="utf-8")
    assert written == (SCHEMA_DIR / CATALOG_SCHEMA_NAME).read_text(encoding="utf-8")
    workloads = json.loads((tmp_path / "out" / "workloads.schema.json").read_text(encoding="utf-8"))
    assert workloads["title"] == "Model Advisor workload file"


def test_schema_prints_json() -> None:
    assert json.loads(run("catalog", "schema").stdout)["title"] == "Model Advisor catalog file"


def test_missing_overlay_folder_is_bad_input() -> None:
    result = CliRunner().invoke(cli, ["--catalog", "/no/such/dir", "catalog", "validate"])
    assert result.exit_code == 2
    assert "/no/such/dir" in result.output


def test_python_dash_m_and_no_traceback_on_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("provider: [\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "catalog", "validate", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{bad}:2:1: invalid YAML")


def test_user_catalog_folder_is_overlaid_automatically(advisor_home: Path) -> None:
    folder = advisor_home / "catalog"
    folder.mkdir(parents=True)
    (folder / "private.yaml").write_text(
        "provider:\n  id: our-vllm\n  name: Our vLLM\n  api: openai-compatible\n"
        "  base_url: http://10.0.0.5:8000/v1\n  self_hosted: true\n"
        "offerings:\n"
        "  - {id: our-model, model: us/our-model, name: Ours, limits: {context: 32768,"
        " source: {ref: our deployment, checked: 2026-11-01}}}\n",
        encoding="utf-8",
    )
    rows = json.loads(run("catalog", "show", "--json", "provider:our-vllm").stdout)
    assert [r["key"] for r in rows] == ["our-vllm/our-model"]
    assert run("catalog", "validate").exit_code == 0


EXAMPLE = ROOT / "examples" / "workloads.yaml"


def test_match_json_lists_candidates_and_exclusions_per_workload() -> None:
    result = run("match", str(EXAMPLE), "--json", "--top", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [w["workload"] for w in data["workloads"]] == [
        "billing-classifier",
        "support-chat",
        "brainstorm",
        "invoice-extraction",
        "nightly-digest",
    ]
    for w in data["workloads"]:
        assert 1 <= len(w["candidates"]) <= 3
        top = w["candidates"][0]
        assert top["rank"] == 1 and 0 <= top["score"] <= 1
        assert set(top["components"]) == {
            "cost",
            "latency",
            "context",
            "task_fit",
            "lifecycle",
            "confidence",
        }
        assert {"usd_per_1k", "usd_per_month", "prices_checked"} <= top["cost"].keys()
        assert all(e["reasons"] for e in w["exclusions"])


def test_match_table() -> None:
    result = run("match", str(EXAMPLE), "--top", "2")
    assert result.exit_code == 0
    assert "billing-classifier (classification)" in result.stdout
    assert "excluded" in result.stdout


def test_match_bad_workload_file_exits_two_with_positions(tmp_path: Path) -> None:
    bad = tmp_path / "w.yaml"
    bad.write_text(
        "workloads:\n  - name: a\n    modalities: [text, smell]\n    budget: {usd_per_month: -1}\n"
        "    colour: red\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "match", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith(f"{bad}:3:24: workloads[0].modalities[1]: expected")
    assert lines[1].startswith(f"{bad}:4:29: workloads[0].budget.usd_per_month: must be")
    assert lines[2] == f"{bad}:5:5: workloads[0].colour: unknown key"


def test_history_lists_runs_and_says_which_were_simulated(advisor_home: Path) -> None:
    from probes.store import AttemptRecord, RunStore

    assert run("history").stdout.strip() == "No runs yet."
    store = RunStore(advisor_home / "runs.sqlite")
    run_id = store.start_run(target="sim", simulated=True)
    store.record_attempt(run_id, AttemptRecord(offering="acme/a", probe="latency", outcome="ok"))
    store.finish_run(run_id, "complete")
    rows = json.loads(run("history", "--json").stdout)
    assert [(r["id"], r["status"], r["simulated"], r["attempts"]) for r in rows] == [
        (1, "complete", True, 1)
    ]
    assert "(simulated)" in run("history").stdout


def test_sim_serves_until_terminated_and_says_it_is_simulated(advisor_home: Path) -> None:
    import re
    import signal
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "advisor", "sim", "--port", "0", "--time-scale", "0.05"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"listening on (http://\S+)", line)
        assert found, line
        with urllib.request.urlopen(found[1] + "/p/openai/v1/models", timeout=5) as response:
            assert response.headers["x-advisor-simulated"] == "true"
            assert json.loads(response.read())["data"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_sim_with_an_unknown_fault_profile_exits_two() -> None:
    result = CliRunner().invoke(cli, ["sim", "--faults", "gremlins"])
    assert result.exit_code == 2
    assert "unknown fault 'gremlins'" in result.output


def test_plan_reads_each_workloads_newest_run_and_says_which(advisor_home: Path) -> None:
    """Two runs, each measuring another workload: each workload is planned on its own, and
    the output says so; the older run's workload is not planned on the newer run."""
    from advisor import home
    from advisor.match.matching import match
    from advisor.workload.model import load_workloads
    from probes.store import RunStore

    examples = ROOT / "examples" / "workloads.yaml"
    catalog = home.load_catalog(())
    first = {w.name: match(w, catalog).candidates[0].offering.key for w in load_workloads(examples)}
    store = RunStore(advisor_home / "runs.sqlite")
    runs = {}
    for workload in ("brainstorm", "support-chat"):
        run_id = store.start_run(
            target="sim",
            simulated=True,
            workloads_file=str(examples),
            settings={"time_scale": 0.5},
            workloads=[workload],
        )
        row = {"workload": workload, "offering": first[workload], "probe": "latency"}
        store.record_results(run_id, [{**row, "metric": "ttft_ms_p95", "value": 100.0, "n": 10}])
        store.finish_run(run_id, "complete")
        runs[workload] = run_id
    store.close()
    result = run("plan", str(examples))
    assert result.exit_code == 0, result.output
    assert "using probe runs 1 (brainstorm), 2 (support-chat)" in result.stderr
    said: dict[str, str] = {}  # each workload's block: its name, its table, then its lines
    name = ""
    for line in result.stdout.splitlines():
        if line in first:
            name = line
        elif line.startswith("figures: ") and name:
            said[name] = line.removeprefix("figures: ")
            name = ""
    scaled = "(time-scaled ×0.5, converted to real time)"
    assert said["brainstorm"] == f"simulated probe run {runs['brainstorm']} {scaled}"
    assert said["support-chat"] == f"simulated probe run {runs['support-chat']} {scaled}"
    assert said["billing-classifier"] == "catalog figures (no probe run measured it)"
