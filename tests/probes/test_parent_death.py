"""Nothing we start outlives us: after `kill -9` of `advisor probe`, `advisor run` or any
process that started a simulator (even from a worker thread, as the TUI does), the
simulator child ends on its own."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ROOT / "tests" / "data" / "probe" / "workloads.yaml"
ADVISOR = Path(sys.executable).parent / "advisor"


def children(pid: int) -> list[int]:
    """Children of every thread of `pid` (a child started from a worker thread is listed
    under that thread's task only)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def is_simulator(pid: int) -> bool:
    try:
        return b"probes.simulator" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def ended(pid: int) -> bool:
    """Gone, or a zombie waiting for whoever reaps orphans here."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def simulator_of(parent: subprocess.Popen[bytes]) -> int:
    found: list[int] = []

    def started() -> bool:
        found[:] = [c for c in children(parent.pid) if is_simulator(c)]
        return bool(found) or parent.poll() is not None

    assert wait_for(started, 60), "no simulator child appeared"
    assert found, f"the parent exited first with status {parent.returncode}"
    return found[0]


def attempts(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("select count(*) from attempts").fetchone()[0])
    except sqlite3.Error:
        return 0


def kill_and_check(parent: subprocess.Popen[bytes], db: Path) -> None:
    sim = simulator_of(parent)
    # Well into the run: the simulator is serving and has answered. Killed any earlier, it
    # would die anyway, on writing its address to a pipe nobody reads.
    assert wait_for(lambda: attempts(db) >= 1, 60), "no attempt was recorded"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    try:
        assert wait_for(lambda: ended(sim), 10), "the simulator outlived its parent"
    finally:
        if not ended(sim):
            os.kill(sim, signal.SIGKILL)


@pytest.mark.parametrize(
    "command",
    [
        ["probe", str(WORKLOADS), "--probes", "latency", "--requests", "500"],
        ["run", str(WORKLOADS), "--probe", "sim", "--probes", "latency", "--requests", "500"],
    ],
    ids=["probe", "run"],
)
def test_simulator_ends_after_kill_9_of_the_command(command: list[str], advisor_home: Path) -> None:
    parent = subprocess.Popen(
        [str(ADVISOR), *command, "--time-scale", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ADVISOR_HOME": str(advisor_home)},
    )
    kill_and_check(parent, advisor_home / "runs.sqlite")


def test_simulator_started_from_a_worker_thread_ends_with_the_process() -> None:
    script = textwrap.dedent(
        """
        import threading, time
        from probes.simulator import start_simulator
        handles = []
        worker = threading.Thread(target=lambda: handles.append(start_simulator()))
        worker.start()
        worker.join()  # the starting thread has ended; the simulator must live on
        time.sleep(60)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    sim = simulator_of(parent)
    time.sleep(1)
    assert not ended(sim), "the simulator ended with its starting thread"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    try:
        assert wait_for(lambda: ended(sim), 10), "the simulator outlived its parent"
    finally:
        if not ended(sim):
            os.kill(sim, signal.SIGKILL)
