"""The run store: attempts survive a killed run, which shows as interrupted; no secret is kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from probes.store import AttemptRecord, Redactor, RunStore

ROOT = Path(__file__).resolve().parents[2]


def test_a_run_with_attempts_and_results(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True, settings={"probes": ["latency"]})
    store.record_attempt(
        run,
        AttemptRecord(
            offering="acme/a",
            probe="latency",
            outcome="ok",
            sent_ns=1,
            end_ns=9,
            output_tokens=5,
            cost_usd=0.002,
            detail={"gaps_ns": [1, 2]},
        ),
    )
    store.record_results(
        run,
        [
            {
                "offering": "acme/a",
                "probe": "latency",
                "metric": "ttft_p50_ms",
                "value": 12.5,
                "n": 1,
                "unit": "ms",
            }
        ],
    )
    store.finish_run(run, "complete")
    (summary,) = store.runs()
    assert (summary.status, summary.attempts, summary.offerings, summary.simulated) == (
        "complete",
        1,
        1,
        True,
    )
    assert summary.spent_usd == 0.002
    (attempt,) = store.attempts(run)
    assert attempt["outcome"] == "ok" and attempt["detail"] == '{"gaps_ns": [1, 2]}'
    assert store.results(run)[0]["value"] == 12.5
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    RunStore(tmp_path / "runs.sqlite")
    store = RunStore(tmp_path / "runs.sqlite")
    names = [row["name"] for row in store.db.table("_sqlite_migrations").rows]
    assert names == ["m001_runs_attempts_results", "m002_run_workloads"]


def test_secrets_are_redacted_before_writing(tmp_path: Path) -> None:
    secret = "sk-canary-0123456789abcdef"
    store = RunStore(tmp_path / "runs.sqlite", Redactor({"OPENAI_API_KEY": secret}))
    run = store.start_run(target="live", simulated=False, settings={"note": f"key {secret}"})
    store.record_attempt(
        run,
        AttemptRecord(
            offering="openai/gpt",
            probe="latency",
            outcome="http_401",
            error=f"Incorrect API key provided: {secret}",
        ),
    )
    store.db.conn.execute("pragma wal_checkpoint(full)")
    for path in tmp_path.iterdir():
        assert secret.encode() not in path.read_bytes(), path.name
    (attempt,) = store.attempts(run)
    assert attempt["error"] == "Incorrect API key provided: [redacted:OPENAI_API_KEY]"


def test_redactor_from_environment_ignores_unset_and_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A_KEY", "abcdefgh12345")
    monkeypatch.setenv("SHORT_KEY", "abc")
    redact = Redactor.from_environment(["A_KEY", "SHORT_KEY", "UNSET_KEY"])
    assert redact("x abcdefgh12345 abc") == "x [redacted:A_KEY] abc"


SAVE_SYNC = """
for i in range(3):
    store.record_attempt(
        run, AttemptRecord(offering="acme/a", probe="latency", outcome="ok", request_index=i)
    )
"""
SAVE_ON_WRITER = """
import asyncio

async def save():
    for i in range(3):
        await store.save_attempt(
            run, AttemptRecord(offering="acme/a", probe="latency", outcome="ok", request_index=i)
        )

asyncio.run(save())
"""


@pytest.mark.parametrize("save", [SAVE_SYNC, SAVE_ON_WRITER], ids=["record", "save_on_writer"])
def test_killed_run_keeps_finished_attempts_and_shows_interrupted(
    tmp_path: Path, save: str
) -> None:
    """What the harness awaited is on disk when the process dies, whichever way it was
    written (the harness writes from a thread of its own)."""
    db = tmp_path / "runs.sqlite"
    script = "\n".join(
        [
            "import time",
            "from pathlib import Path",
            "from probes.store import AttemptRecord, RunStore",
            f"store = RunStore(Path({str(db)!r}))",
            'run = store.start_run(target="sim", simulated=True)',
            textwrap.dedent(save),
            'print("ready", flush=True)',
            "time.sleep(60)",
        ]
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    store = RunStore(db)
    (summary,) = store.runs()
    assert summary.status == "interrupted"
    assert summary.attempts == 3
    assert store.runs()[0].status == "interrupted"  # and it stays so


async def test_saves_from_the_writer_thread_keep_their_order_and_spend(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    for i in range(20):
        record = AttemptRecord(
            offering="acme/a", probe="latency", outcome="ok", request_index=i, cost_usd=0.001
        )
        await store.save_attempt(run, record)
    # The loop's own connection sees every commit the writer made.
    assert [a["request_index"] for a in store.attempts(run)] == list(range(20))
    (summary,) = store.runs()
    assert summary.spent_usd == pytest.approx(0.02)
    store.close()
    assert RunStore(tmp_path / "runs.sqlite").runs()[0].attempts == 20


def _figure(workload: str) -> dict[str, object]:
    return {"workload": workload, "offering": "acme/a", "probe": "latency", "metric": "m"}


def test_each_workload_reads_its_newest_run_that_measured_it(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    file = tmp_path / "workloads.yaml"
    both = store.start_run(
        target="sim", simulated=True, workloads_file=str(file), workloads=["a", "b"]
    )
    only_b = store.start_run(target="sim", simulated=True, workloads_file=str(file))
    store.record_results(only_b, [_figure("b")])  # figures count as measured, too
    elsewhere = store.start_run(
        target="sim", simulated=True, workloads_file=str(tmp_path / "x.yaml"), workloads=["a"]
    )
    unfinished = store.start_run(
        target="sim", simulated=True, workloads_file=str(file), workloads=["a"]
    )
    for run in (both, only_b, elsewhere):
        store.finish_run(run, "complete")
    store.finish_run(unfinished, "cancelled")
    assert store.latest_runs(file) == {"a": both, "b": only_b}
    assert store.run(only_b).workloads == {"b"}


def test_an_old_store_learns_which_workloads_its_runs_measured(tmp_path: Path) -> None:
    """A store written before the run_workloads table: each run's workloads from its
    settings where they are named, else from its figures and attempts."""
    import json
    import sqlite3

    from sqlite_utils import Database

    from probes.store import m001_runs_attempts_results

    path = tmp_path / "runs.sqlite"
    db = Database(sqlite3.connect(str(path)))
    m001_runs_attempts_results(db)
    db.execute("create table _sqlite_migrations (migration_set text, name text, applied_at text)")
    db.execute(
        "insert into _sqlite_migrations values ('advisor.runs', 'm001_runs_attempts_results', '')"
    )
    for run_id, settings in ((1, {"workloads": ["a"]}), (2, {})):
        db.table("runs").insert(
            {
                "id": run_id,
                "started_at": "2026-12-01T00:00:00+00:00",
                "status": "complete",
                "target": "sim",
                "simulated": 1,
                "workloads_file": str(tmp_path / "w.yaml"),
                "settings": json.dumps(settings),
            }
        )
    db.table("results").insert({"run_id": 2, **_figure("b")})
    db.table("attempts").insert(
        {"run_id": 2, "workload": "c", "offering": "acme/a", "probe": "latency", "outcome": "ok"}
    )
    db.conn.commit()
    db.close()
    store = RunStore(path)
    assert {r.id: r.workloads for r in store.runs()} == {1: {"a"}, 2: {"b", "c"}}
    assert store.latest_runs(tmp_path / "w.yaml") == {"a": 1, "b": 2, "c": 2}
