"""Start-up: `advisor --help`, and the TUI from launch to its first interactive frame.

The TUI runs as `advisor tui --screen catalog examples/workloads.yaml` in a pseudo-terminal
(120×40, xterm-256color), as a user starts it. Its first interactive frame is the first
moment the terminal has received both the catalog table's header and the key bar: the app
draws a whole frame at once, after it has mounted and is reading keys. To show it is
answering, F1 is pressed at once and the time until the help screen shows is taken too. Both
without a provider key (probes target the simulator, the default for `make run`) and with one
set. User state lives in a
temporary ADVISOR_HOME.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from pathlib import Path

from bench.timing import Timing, measure
from catalog import load_catalog

ROOT = Path(__file__).resolve().parent.parent
ADVISOR = Path(sys.executable).parent / "advisor"
WORKLOADS = ROOT / "examples" / "workloads.yaml"
SIZE = (40, 120)  # rows, columns
TARGET_HELP_S = 0.3
TARGET_TUI_S = 1.0
RUNS_HELP = 11
RUNS_TUI = 5
TIMEOUT_S = 20.0

FIRST_FRAME = (" offering ", "f1 Help")
"""Both on screen: the catalog table and the key bar."""
HELP_SHOWN = "command palette"
F1 = b"\x1bOP"
CTRL_Q = b"\x11"
_ESCAPES = re.compile(
    rb"\x1b(\[[0-9;?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>])"
)


def run() -> list[str]:
    help_t = measure(lambda: _quiet([str(ADVISOR), "--help"]), runs=RUNS_HELP)
    eager_t = measure(lambda: _quiet([sys.executable, "-c", _EAGER_HELP]), runs=RUNS_HELP)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as home:
        sim = [_tui(Path(home), with_key=False) for _ in range(RUNS_TUI)]
        no_sim = [_tui(Path(home), with_key=True) for _ in range(RUNS_TUI)]
    parts = _parts()
    sim_frame, sim_key = _timings([s[0] for s in sim]), _timings([s[1] for s in sim])
    key_frame, key_key = _timings([s[0] for s in no_sim]), _timings([s[1] for s in no_sim])
    lines = [
        "## Start-up",
        "",
        "From process launch, in a fresh process each run.",
        "",
        "| what | time |",
        "|---|---|",
        f"| `advisor --help` | {help_t.ms()} |",
        f"| the same help with every command module imported (as before commands loaded "
        f"lazily) | {eager_t.ms()} |",
        f"| TUI, no provider key (probes on the simulator): first interactive frame | "
        f"{sim_frame.ms()} |",
        f"| TUI, no provider key: F1 answered (help screen drawn) | {sim_key.ms()} |",
        f"| TUI, a provider key set (probes live): first interactive frame | {key_frame.ms()} |",
        f"| TUI, a provider key set: F1 answered | {key_key.ms()} |",
        "",
        f"- Target: `advisor --help` under {TARGET_HELP_S:g} s: the median "
        f"{help_t.median:.2f} s: {_verdict(help_t.median < TARGET_HELP_S)}. "
        f"Lazy command loading makes it {eager_t.median / help_t.median:.1f}× faster: the "
        "root group lists each command from a one-line help and imports a command's module "
        "only when it runs (advisor/cli/__init__.py).",
        f"- Target: TUI first interactive frame under {TARGET_TUI_S:g} s: "
        f"{sim_frame.median:.2f} s without a key, {key_frame.median:.2f} s with one: "
        f"{_verdict(max(sim_frame.median, key_frame.median) < TARGET_TUI_S)}.",
        "- Where the TUI's start-up goes (each step in a fresh process, median of 3): "
        + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in parts.items())
        + ". The simulator is not on the start-up path: the Probes screen starts it for a "
        "run. What is left is Python, the CLI and catalog code, Textual with every screen's "
        "module, and the app's first layout and render.",
    ]
    return lines


def _verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


def _quiet(args: list[str]) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)


_EAGER_HELP = """
import click
from advisor.cli import cli
ctx = click.Context(cli)
for name in cli.list_commands(ctx):
    cli.get_command(ctx, name)
try:
    cli.main(["--help"], prog_name="advisor")
except SystemExit:
    pass
"""


def _timings(samples: list[float]) -> Timing:
    ordered = sorted(samples)
    return Timing(ordered[len(ordered) // 2], ordered[0], ordered[-1], len(ordered))


def _environment(home: Path, with_key: bool) -> dict[str, str]:
    env = dict(os.environ)
    for provider in load_catalog().providers.values():
        if provider.key_env:
            env.pop(provider.key_env, None)
    if with_key:
        env["OPENAI_API_KEY"] = "sk-bench-not-a-real-key"
    env |= {"ADVISOR_HOME": str(home), "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("NO_COLOR", None)
    return env


def _tui(home: Path, with_key: bool) -> tuple[float, float]:
    """Seconds from launch to the first interactive frame, and to F1 answered."""
    with _pseudo_terminal() as (master, slave):
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(ADVISOR), "tui", "--screen", "catalog", str(WORKLOADS)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=_environment(home, with_key),
            start_new_session=True,
        )
        os.close(slave)
        try:
            screen = _Screen(master)
            frame = screen.wait_for(*FIRST_FRAME) - started
            os.write(master, F1)
            mark = len(screen.text)
            answered = screen.wait_for(HELP_SHOWN, since=mark) - started
            os.write(master, CTRL_Q)
            screen.drain_until_exit(process)
        finally:
            _stop(process)
    return frame, answered


class _Screen:
    """What a program wrote to a pseudo-terminal, escape sequences removed."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.raw = b""
        self.text = ""

    def wait_for(self, *needles: str, since: int = 0) -> float:
        """Read until every needle has appeared after `since`; returns when (perf_counter)."""
        deadline = time.perf_counter() + TIMEOUT_S
        while not all(needle in self.text[since:] for needle in needles):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"the TUI never showed {needles}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                self.raw += os.read(self.master, 1 << 16)
                self.text = _ESCAPES.sub(b"", self.raw).decode("utf-8", "replace")
        return time.perf_counter()

    def drain_until_exit(self, process: subprocess.Popen[bytes]) -> None:
        """Keep reading (a full terminal would block the app's writes) until it exits."""
        deadline = time.perf_counter() + TIMEOUT_S
        while process.poll() is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    os.read(self.master, 1 << 16)
                except OSError:  # the terminal closed: the app has gone
                    break
        process.wait(max(0.0, deadline - time.perf_counter()))


@contextlib.contextmanager
def _pseudo_terminal() -> Iterator[tuple[int, int]]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *SIZE, 0, 0))
    try:
        yield master, slave
    finally:
        os.close(master)
        with contextlib.suppress(OSError):
            os.close(slave)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the app and whatever it started (its own session), if it is still there."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


_PARTS = """
import json, sys, time
started = time.perf_counter()
import advisor.cli.tui_cmd
cli = time.perf_counter()
from advisor import home
home.load_catalog([])
loaded = time.perf_counter()
import advisor.tui.app
textual = time.perf_counter()
json.dump([cli - started, loaded - cli, textual - loaded], sys.stdout)
"""


def _parts() -> dict[str, float]:
    import json
    import statistics

    runs = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", _PARTS], capture_output=True, text=True, check=True, cwd=ROOT
        )
        runs.append(json.loads(done.stdout))
    names = (
        "importing the CLI and the tui command",
        "loading the catalog",
        "importing Textual and the app's screens",
    )
    return {name: statistics.median(r[i] for r in runs) for i, name in enumerate(names)}
