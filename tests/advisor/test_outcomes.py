"""How attempts ended, class by class, in `advisor probe`'s tables and JSON and in the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from advisor import home
from advisor.cli import cli
from advisor.present.outcomes import outcome_counts, outcomes_table
from advisor.present.probe import offering_summary
from probes.kinds.base import Figure
from probes.run import RunOutcome

WORKLOADS = Path(__file__).resolve().parents[1] / "data" / "probe" / "workloads.yaml"


def rendered(table: object) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_each_class_gets_its_own_column_and_deadlines_say_they_were_ours() -> None:
    rows = [
        ("w", "a/x", "ok", 1),
        ("w", "a/x", "deadline_stall", 1),
        ("w", "b/y", "error_body", 1),
        ("w", "b/y", "stream_error", 1),
    ]
    counts = outcome_counts(rows)
    assert counts == {
        "w": {"a/x": {"ok": 1, "deadline_stall": 1}, "b/y": {"error_body": 1, "stream_error": 1}}
    }
    text = rendered(outcomes_table(counts["w"], "w"))
    for name in ("deadline_stall", "error_body", "stream_error"):
        assert name in text
    assert "cut by our own limit" in text


def test_a_clean_run_needs_no_outcome_table() -> None:
    assert outcomes_table({"a/x": {"ok": 3}}, "w") is None


def test_probe_json_counts_outcomes_and_the_run_keeps_its_timeouts(advisor_home: Path) -> None:
    args = ["probe", str(WORKLOADS), "--json", "--time-scale", "0.02", "--requests", "2"]
    args += ["--top", "1", "--probes", "latency", "--timeout", "30", "--stall-timeout", "5"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    ((offering, per),) = data["attempt_outcomes"]["tagger"].items()
    assert per == {"ok": 2}
    db = home.runs_db()
    settings = sqlite3.connect(db).execute("select settings from runs").fetchone()[0]
    assert json.loads(settings)["timeouts_s"] == {
        "total_s": 30.0,
        "first_byte_s": None,
        "stall_s": 5.0,
    }


def test_tui_offering_summary_names_the_latency_classes_when_any_failed() -> None:
    figure = Figure("goodput_share", 0.5, 4, "share", {"outcomes": {"ok": 2, "deadline_total": 2}})
    outcome = RunOutcome(figures={("w", "a/x", "latency"): [figure]})
    assert offering_summary(outcome, "w", "a/x").plain == (
        "latency attempts 2 ok · 2 deadline_total"
    )
    clean = Figure("goodput_share", 1.0, 4, "share", {"outcomes": {"ok": 4}})
    assert (
        offering_summary(RunOutcome(figures={("w", "a/x", "latency"): [clean]}), "w", "a/x").plain
        == ""
    )
