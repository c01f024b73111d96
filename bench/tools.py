"""The two load tools the harness benches compare, each run as a child process against the
same simulator, with the same requests in the same load shape.

- ours: the probe harness (`probes.harness.run_batch`) in `bench.harness_client`;
- the peer: guidellm, a pinned release in its own virtual environment (`make bench` installs
  it: its torch dependency and its click pin do not belong in the project's environment).

Every request asks for exactly `TOKENS` tokens of offering `OFFERING` and for the simulator
to keep its ground truth (`x-sim-truth: keep`), which `bench.truth` later holds against what
each tool recorded. On a machine with two or more CPUs the simulator gets one and the client
(every process of it) another, so the two tools are compared on the same single core.

Each tool's CPU is sampled from /proc for its whole process tree (`TreeCpu`), so it can be
counted over the part of a run that is measured: start-up, worker spawning and report
writing are left out for both.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent

OFFERING = "openai/gpt-5.6-terra"
"""Served at time scale TIME_SCALE: TTFT about 140 ms, a token every 5 ms."""
MODEL = "gpt-5.6-terra"
TIME_SCALE = 0.5
TOKENS = 50
PROMPT = "Write a short note."
SIM_HEADERS = {"x-sim-output-tokens": str(TOKENS), "x-sim-truth": "keep"}
CPU_SAMPLE_S = 0.05

Clock = Literal["monotonic", "unix"]


@dataclass(frozen=True)
class Shape:
    """A load: `streams` closed-loop streams, or open-loop arrivals at `rate` per second."""

    count: int
    streams: int = 0
    rate: float = 0.0

    @property
    def open_loop(self) -> bool:
        return self.rate > 0

    def describe(self) -> str:
        if self.open_loop:
            return f"{self.rate:g} requests/s"
        return f"{self.streams} stream{'s' if self.streams != 1 else ''}"


@dataclass(frozen=True)
class Sample:
    """One request as a tool recorded it, in ns on the tool's own clock."""

    response_id: str | None
    ok: bool
    sent_ns: int
    done_ns: int
    first_token_ns: int | None = None
    last_token_ns: int | None = None
    intended_ns: int | None = None
    """Open loop: when the schedule said to send it."""


@dataclass(frozen=True)
class ToolRun:
    """One tool's run of one load."""

    tool: str
    shape: Shape
    samples: list[Sample]
    cpu: TreeCpu
    """The client's process tree's CPU over time."""
    clock: Clock
    """The clock of the samples' stamps (guidellm's are Unix time)."""

    def cpu_s(self, start_ns: int, end_ns: int) -> float:
        """CPU seconds the client used between two of its own stamps."""
        return self.cpu.between(start_ns, end_ns, self.clock)


# -- placing processes on CPUs -----------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Which CPU the simulator and the client run on (None: wherever the OS likes)."""

    sim: int | None
    client: int | None

    def describe(self) -> str:
        if self.client is None:
            return "client and simulator share the machine's CPUs"
        return f"simulator on CPU {self.sim}, client (all its processes) on CPU {self.client}"


def placement() -> Placement:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return Placement(None, None)
    return Placement(cpus[0], cpus[1])


@contextlib.contextmanager
def pinned(cpu: int | None) -> Iterator[None]:
    """Run this process on `cpu` for the block (the /proc sampler thread included)."""
    if cpu is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# -- CPU of a process tree ---------------------------------------------------------------

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and its live descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as file:
                    todo += [int(child) for child in file.read().split()]
    return out


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU of `pids`, plus what their reaped children used."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat", encoding="ascii") as file:
                fields = file.read().rpartition(")")[2].split()
            # utime, stime, cutime, cstime: fields 14-17 of stat(5), 12-15 after the name.
            total += sum(int(value) for value in fields[11:15])
    return total * _TICK_S


class TreeCpu:
    """Samples the CPU time of a process and its descendants every CPU_SAMPLE_S."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[tuple[int, int, float]] = []
        """(monotonic ns, unix ns, CPU seconds so far)."""
        self.processes = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        # Walking the tree reads a file per thread: done every tenth sample only, so the
        # sampler stays light (it shares a CPU with the simulator).
        pids: list[int] = []
        for tick in itertools.count():
            if tick % 10 == 0:
                pids = _tree(self.pid)
                self.processes = max(self.processes, len(pids))
            self.samples.append((time.monotonic_ns(), time.time_ns(), _cpu_s(pids)))
            if self._stop.wait(CPU_SAMPLE_S):
                return

    def between(self, start_ns: int, end_ns: int, clock: Clock) -> float:
        """CPU seconds used between two instants on `clock`, interpolated between samples."""
        index = 0 if clock == "monotonic" else 1
        return self._at(end_ns, index) - self._at(start_ns, index)

    def _at(self, when: int, index: int) -> float:
        samples = self.samples
        if not samples:
            return 0.0
        for before, after in zip(samples, samples[1:], strict=False):
            if before[index] <= when <= after[index]:
                span = after[index] - before[index]
                share = (when - before[index]) / span if span else 0.0
                return before[2] + (after[2] - before[2]) * share
        return samples[0][2] if when < samples[0][index] else samples[-1][2]


def _run_child(
    args: list[str], env: dict[str, str], cpu: int | None, cwd: Path = ROOT
) -> tuple[str, TreeCpu]:
    """Run a client to the end on `cpu`, sampling its CPU; returns its stdout."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        if cpu is not None:
            os.sched_setaffinity(process.pid, {cpu})  # before it imports anything heavy
        with TreeCpu(process.pid) as cpu_use:
            out, _ = process.communicate()
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read()[-3000:]
            raise RuntimeError(f"{Path(args[0]).name} exited with {process.returncode}:\n{tail}")
    return out, cpu_use


# -- our harness ---------------------------------------------------------------------------


def run_ours(sim_url: str, shape: Shape, cpu: int | None) -> ToolRun:
    """Our probe harness in its own process (`python -m bench.harness_client`)."""
    args = [sys.executable, "-m", "bench.harness_client", sim_url, "--count", str(shape.count)]
    args += ["--rate", repr(shape.rate)] if shape.open_loop else ["--streams", str(shape.streams)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    out, cpu_use = _run_child(args, env, cpu)
    samples = [Sample(**row) for row in json.loads(out)["samples"]]
    return ToolRun("ours", shape, samples, cpu_use, "monotonic")


# -- guidellm ------------------------------------------------------------------------------


def guidellm_path() -> Path | None:
    """The guidellm executable: $BENCH_GUIDELLM, else the one `make bench` installs next to
    this environment (.venv/peer); None when neither exists."""
    named = os.environ.get("BENCH_GUIDELLM")
    candidates = [Path(named)] if named else []
    candidates.append(Path(sys.prefix) / "peer" / "bin" / "guidellm")
    return next((c for c in candidates if c.is_file()), None)


def guidellm_version(path: Path) -> str:
    done = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip().rpartition(" ")[2] or done.stdout.strip()


def run_guidellm(
    path: Path, sim_url: str, shape: Shape, cpu: int | None, repeats: int = 1
) -> list[ToolRun]:
    """guidellm's `run` command: openai_http backend, prompts from a text file, `repeats`
    benchmarks of `shape` one after the other in one invocation (profile `concurrent` or
    `constant`), every request kept in its JSON report."""
    backend = {
        "kind": "openai_http",
        "target": f"{sim_url}/p/openai",
        "model": MODEL,
        "validate_backend": False,
        "max_tokens": TOKENS,
        "extras": {"headers": SIM_HEADERS},
    }
    profile: dict[str, Any] = (
        {"kind": "constant", "rate": [shape.rate] * repeats}
        if shape.open_loop
        else {"kind": "concurrent", "streams": [shape.streams] * repeats}
    )
    with tempfile.TemporaryDirectory(prefix="bench-guidellm-") as tmp:
        prompts = Path(tmp) / "prompts.txt"
        prompts.write_text(f"{PROMPT}\n" * shape.count * repeats, encoding="utf-8")
        report = Path(tmp) / "report.json"
        args = [str(path), "run", "--backend", json.dumps(backend)]
        args += ["--data", f"kind=text_file,path={prompts}", "--profile", json.dumps(profile)]
        args += ["--constraint", f"kind=max_requests,count={shape.count}"]
        args += ["--output", f"kind=json,path={report}", "--disable-console"]
        env = dict(os.environ)
        # Offline: nothing may reach for a model hub; caches stay in the temporary folder.
        env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        env["HF_HOME"] = str(Path(tmp) / "hf")
        _, cpu_use = _run_child(args, env, cpu, cwd=Path(tmp))
        data = json.loads(report.read_text(encoding="utf-8"))
    return [
        ToolRun(
            "guidellm", shape, _guidellm_samples(b["requests"], shape.open_loop), cpu_use, "unix"
        )
        for b in data["benchmarks"]
    ]


def _guidellm_samples(requests: dict[str, Any], open_loop: bool) -> list[Sample]:
    """guidellm's per-request records: its timings are time.time() floats (Unix seconds)."""

    def ns(value: float | None) -> int | None:
        return None if value is None else int(value * 1e9)

    out = []
    for status in ("successful", "errored", "incomplete"):
        for record in requests.get(status) or []:
            timings = record["info"]["timings"]
            sent = ns(timings.get("request_start"))
            if sent is None:
                continue  # never sent
            out.append(
                Sample(
                    response_id=record.get("response_id"),
                    ok=status == "successful",
                    sent_ns=sent,
                    done_ns=ns(timings.get("request_end")) or sent,
                    first_token_ns=ns(timings.get("first_token_iteration")),
                    last_token_ns=ns(timings.get("last_token_iteration")),
                    intended_ns=ns(timings.get("targeted_start")) if open_loop else None,
                )
            )
    return out
