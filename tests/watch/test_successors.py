"""The lifecycle autopilot: `advisor plan` warns about an offering near its shutdown and names
its successor; `advisor probe --successors` measures both side by side and proposes the
successor as a canary. The catalog layer is written with dates relative to today, the day
the code computes status for, so the tests hold as the calendar moves."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import home
from advisor.cli import cli
from advisor.export.report import render_markdown
from advisor.match.matching import match
from advisor.plan import Plan
from advisor.plan.inputs import plan_for
from advisor.watch.successors import side_by_side, sunsets
from advisor.workload.model import load_workloads

WORKLOADS = """\
workloads:
  - name: triage
    task: classification
    context_tokens: 300
    output_tokens: 20
    providers: {allow: [dusk]}
    samples:
      - prompt: "The export button crashes the app."
"""


def layer(folder: Path, shutdown_in_days: int, deprecated: bool = True) -> Path:
    """A provider whose cheaper offering shuts down in `shutdown_in_days` days."""
    today = dt.date.today()
    status = (
        f"status: deprecated\n      deprecation_date: {today - dt.timedelta(days=60)}"
        if deprecated
        else "status: active"
    )
    checked = today - dt.timedelta(days=1)
    source = f"{{ref: fixture, checked: {checked}}}"
    text = f"""\
provider:
  id: dusk
  name: Dusk AI
  api: openai
  base_url: https://api.dusk.invalid/v1
  key_env: DUSK_API_KEY
offerings:
  - id: dusk-old
    model: dusk/old
    name: Dusk Old
    limits: {{context: 32000, output: 4000, source: {source}}}
    pricing: {{input: 0.1, output: 0.4, source: {source}}}
    capabilities: {{structured_output: {{json_schema: true}}}}
    determinism: {{temperature: true, seed: true, guarantee: best_effort}}
    lifecycle:
      {status}
      shutdown_date: {today + dt.timedelta(days=shutdown_in_days)}
      successor: dusk/dusk-new
      source: {source}
  - id: dusk-new
    model: dusk/new
    name: Dusk New
    limits: {{context: 128000, output: 8000, source: {source}}}
    pricing: {{input: 0.3, output: 1.2, source: {source}}}
"""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dusk.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    workloads = tmp_path / "workloads.yaml"
    workloads.write_text(WORKLOADS, encoding="utf-8")
    return workloads, layer(tmp_path / "catalog", shutdown_in_days=30)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_plan_warns_about_a_primary_that_shuts_down_in_30_days(files: tuple[Path, Path]) -> None:
    workloads, catalog = files
    shutdown = dt.date.today() + dt.timedelta(days=30)
    code, out, err = run(
        "--catalog", str(catalog), "plan", str(workloads), "--horizon-days", "0", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["workloads"][0]["primary"]["offering"] == "dusk/dusk-old"
    assert (
        f"warning: triage: primary dusk/dusk-old is deprecated, shuts down {shutdown} "
        "(in 30 days); successor dusk/dusk-new"
    ) in err
    assert "advisor probe" in err and "--successors" in err
    (entry,) = json.loads(out)["lifecycle"]
    assert entry["days_left"] == 30 and entry["successor"] == "dusk/dusk-new"
    # The default horizon leaves it out (it shuts down within 90 days): no warning then.
    code, out, err = run("--catalog", str(catalog), "plan", str(workloads), "--json")
    assert json.loads(out)["workloads"][0]["primary"]["offering"] == "dusk/dusk-new"
    assert "warning" not in err


def plan_with(tmp_path: Path, shutdown_in_days: int, deprecated: bool) -> Plan:
    workloads = tmp_path / "workloads.yaml"
    workloads.write_text(WORKLOADS, encoding="utf-8")
    folder = layer(
        tmp_path / f"catalog-{shutdown_in_days}-{deprecated}", shutdown_in_days, deprecated
    )
    catalog = home.load_catalog([folder])
    return plan_for(catalog, [match(w, catalog, horizon_days=0) for w in load_workloads(workloads)])


def test_the_sunset_window_is_the_users_and_deprecated_is_always_named(tmp_path: Path) -> None:
    plan = plan_with(tmp_path, 200, deprecated=False)
    (within,) = sunsets(plan, within_days=365)
    assert (within.status, within.days_left) == ("active", 200)
    assert sunsets(plan, within_days=90) == []
    # A deprecation is named whatever the window: the provider has announced the end.
    plan = plan_with(tmp_path, 400, deprecated=True)
    assert [s.status for s in sunsets(plan, within_days=10)] == ["deprecated"]


def test_probe_successors_measures_both_side_by_side_and_proposes_a_canary(
    files: tuple[Path, Path],
) -> None:
    workloads, catalog = files
    args = ["--catalog", str(catalog), "probe", str(workloads), "--successors"]
    fast = ["--probes", "latency,samples", "--requests", "4", "--time-scale", "0.02"]
    code, out, err = run(*args, *fast, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data["workloads"]["triage"]) == {"dusk/dusk-old", "dusk/dusk-new"}
    (pair,) = data["successors"]
    assert (pair["offering"], pair["successor"], pair["days_left"]) == (
        "dusk/dusk-old", "dusk/dusk-new", 30,
    )  # fmt: skip
    ttft = next(f for f in pair["figures"] if f["figure"] == "p95 TTFT")
    assert ttft["current"]["origin"] == ttft["successor"]["origin"] == "simulated"
    assert ttft["current"]["n"] == ttft["successor"]["n"] == 4
    assert pair["probed"] == {"current": True, "successor": True}
    canary = pair["canary"]
    assert canary["offering"] == "dusk/dusk-new" and canary["weight"] == 0.05
    assert canary["gates"] and "dusk/dusk-old as primary" in pair["proposal"]

    code, out, err = run(*args, *fast)
    assert code == 0, err
    assert "triage: dusk/dusk-old beside its successor (simulated)" in out
    assert "p95 TTFT" in out and "workload's bars" in out
    assert "proposed: keep dusk/dusk-old as primary and send 5% to dusk/dusk-new" in out


def test_the_report_shows_the_side_by_side_and_the_proposal(files: tuple[Path, Path]) -> None:
    workloads, layer_folder = files
    catalog = home.load_catalog([layer_folder])
    results = [match(w, catalog, horizon_days=0) for w in load_workloads(workloads)]
    plan = plan_for(catalog, results)
    text = render_markdown(plan, side_by_side(plan, catalog))
    assert "## Lifecycle" in text
    assert "dusk/dusk-old" in text and "dusk/dusk-new" in text
    assert "| figure | `dusk/dusk-old` | `dusk/dusk-new` |" in text
    assert "canary" in text


def test_probe_successors_with_nothing_near_its_sunset_says_so(tmp_path: Path) -> None:
    workloads = tmp_path / "workloads.yaml"
    workloads.write_text(WORKLOADS, encoding="utf-8")
    catalog = layer(tmp_path / "catalog", shutdown_in_days=400, deprecated=False)
    code, _, err = run("--catalog", str(catalog), "probe", str(workloads), "--successors")
    assert code == 1 and "no offering of the plan is deprecated or shuts down within 90" in err
