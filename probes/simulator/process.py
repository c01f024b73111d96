"""Running the simulator in its own process: for tests, benches and the TUI's offline default.

The child runs `python -m probes.simulator` on the same catalog layers (paths on its command
line), prints its address when it listens, and stops on SIGTERM. It also stops when its
parent dies, however it dies (kill -9 included): it holds the read end of a pipe whose only
write end the parent keeps, and the kernel closes that end with the parent. A pipe rather
than prctl(PR_SET_PDEATHSIG): the TUI starts the simulator from a worker thread, and the
parent-death signal fires when the starting thread ends, not the process.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from catalog import BUNDLED_DIR, Provider
from probes.simulator.app import sim_base_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_ADDRESS = re.compile(r"listening on (http://\S+)")

Layer = Path | Sequence[Path]


@dataclass
class SimulatorHandle:
    """A simulator running in a child process."""

    url: str
    """The server root, e.g. http://127.0.0.1:8123."""
    pid: int
    process: subprocess.Popen[str] = field(repr=False)
    lifeline: int | None = field(default=None, repr=False)
    """The write end of the child's watch pipe: closing it (or dying) ends the child."""

    def base_url(self, provider: Provider) -> str:
        """The stand-in for `provider.base_url` (same path under /p/<provider-id>)."""
        return sim_base_url(self.url, provider)

    @property
    def openai_url(self) -> str:
        """OpenAI wire for any offering (model = 'provider/model-id'): an SDK base_url."""
        return self.url + "/openai/v1"

    @property
    def anthropic_url(self) -> str:
        """Anthropic wire for any offering: the Anthropic SDK's base_url (it adds /v1)."""
        return self.url + "/anthropic"

    @property
    def gemini_url(self) -> str:
        """Gemini wire for any offering: .../models/<key>:generateContent lives under it."""
        return self.url + "/gemini/v1beta"

    def health(self) -> dict[str, Any]:
        """The server's own description (GET /_sim/health)."""
        import httpx  # timing does not matter here; imported when first needed

        value: dict[str, Any] = httpx.get(self.url + "/_sim/health", timeout=5).json()
        return value

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self.lifeline is not None:
            os.close(self.lifeline)
            self.lifeline = None


def command(
    layers: Sequence[Layer] = (BUNDLED_DIR,),
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: str | None = None,
    time_scale: float = 1.0,
    seed: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    loop: str = "auto",
    python: str = sys.executable,
    offering_faults: Mapping[str, str] | None = None,
    retention_turns: float | None = None,
    capacity: int | None = None,
) -> list[str]:
    """The child's command line. A layer given as several paths is joined with os.pathsep."""
    args = [python, "-m", "probes.simulator", "--host", host, "--port", str(port)]
    for layer in layers:
        paths = [layer] if isinstance(layer, Path) else list(layer)
        args += ["--catalog", os.pathsep.join(str(p) for p in paths)]
    if faults:
        args += ["--faults", faults]
    for key, profile in (offering_faults or {}).items():
        args += ["--offering-faults", f"{key}={profile}"]
    args += ["--time-scale", repr(time_scale), "--loop", loop]
    if seed is not None:
        args += ["--seed", str(seed)]
    if rpm is not None:
        args += ["--rpm", str(rpm)]
    if tpm is not None:
        args += ["--tpm", str(tpm)]
    if retention_turns is not None:
        args += ["--retention-turns", repr(retention_turns)]
    if capacity is not None:
        args += ["--capacity", str(capacity)]
    return args


def start_simulator(
    layers: Sequence[Layer] = (BUNDLED_DIR,),
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: str | None = None,
    time_scale: float = 1.0,
    seed: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    loop: str = "auto",
    timeout: float = 30.0,
    offering_faults: Mapping[str, str] | None = None,
    retention_turns: float | None = None,
    capacity: int | None = None,
) -> SimulatorHandle:
    """Start a simulator process on the catalog `layers` and wait until it answers.

    Port 0 picks a free loopback port. `offering_faults` maps offering keys to a fault
    profile for that offering alone ({"acme/acme-large-2": "5xx-burst:10"}: it always
    fails, the others answer). Raises RuntimeError (with the child's error output) when it
    exits or stays silent for `timeout` seconds.
    """
    args = command(
        layers,
        host=host,
        port=port,
        faults=faults,
        time_scale=time_scale,
        seed=seed,
        rpm=rpm,
        tpm=tpm,
        loop=loop,
        offering_faults=offering_faults,
        retention_turns=retention_turns,
        capacity=capacity,
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    errors = tempfile.TemporaryFile(mode="w+")
    # Both ends are non-inheritable: only the read end is passed, to this child alone, so
    # no other child of ours keeps the write end (and this simulator) alive.
    watch, lifeline = os.pipe()
    try:
        process = subprocess.Popen(
            [*args, "--watch-fd", str(watch)],
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            pass_fds=(watch,),
        )
    except BaseException:
        os.close(lifeline)
        raise
    finally:
        os.close(watch)
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    deadline = time.monotonic() + timeout
    url = None
    try:
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"the simulator did not start within {timeout:g} s")
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                process.wait(5)
                raise RuntimeError(
                    f"the simulator exited with status {process.returncode}: "
                    + _read(errors).strip()
                )
            found = _ADDRESS.search(line)
            if found:
                url = found[1]
    except BaseException:
        if process.poll() is None:
            process.kill()
            process.wait()
        errors.close()
        os.close(lifeline)
        raise
    errors.close()
    handle = SimulatorHandle(url, process.pid, process, lifeline)
    handle.health()  # it printed its address after binding, so this answers at once
    return handle


@contextlib.contextmanager
def running_simulator(
    layers: Sequence[Layer] = (BUNDLED_DIR,), **options: Any
) -> Iterator[SimulatorHandle]:
    """`start_simulator(layers, **options)`, stopped on exit."""
    handle = start_simulator(layers, **options)
    try:
        yield handle
    finally:
        handle.stop()


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward the child's stdout lines (and keep its pipe from filling up)."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _read(file: IO[str]) -> str:
    file.seek(0)
    return file.read()
