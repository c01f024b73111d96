"""Starting the simulator: a child process on catalog layers, the command line, `serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from probes.simulator import running_simulator, start_simulator
from probes.simulator.process import command
from tests.probes.conftest import SIM_DATA

ROOT = Path(__file__).resolve().parents[2]


def test_child_process_serves_the_given_layers_and_stops() -> None:
    with running_simulator([SIM_DATA], time_scale=0.01, seed=3) as handle:
        health = handle.health()
        assert health["simulated"] is True and health["offerings"] == 7
        assert health["seed"] == 3 and health["time_scale"] == 0.01
        assert handle.alive() and handle.pid == handle.process.pid
        assert handle.openai_url.endswith("/openai/v1")
        assert handle.anthropic_url.endswith("/anthropic")
        assert handle.gemini_url.endswith("/gemini/v1beta")
    assert not handle.alive()


def test_a_layer_of_several_files_is_one_argument() -> None:
    files = [SIM_DATA / "simlab.yaml", SIM_DATA / "simlab-gemini.yaml"]
    args = command([files], port=0)
    assert args[args.index("--catalog") + 1] == os.pathsep.join(map(str, files))
    with running_simulator([files], time_scale=0.01) as handle:
        assert handle.health()["providers"] == ["simlab", "simlab-gemini"]


def test_bad_faults_fail_fast_with_the_reason() -> None:
    with pytest.raises(RuntimeError, match="unknown fault 'gremlins'"):
        start_simulator([SIM_DATA], faults="gremlins", timeout=20)


def test_command_line_bad_input_exits_2() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "probes.simulator", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    faults = run("--catalog", str(SIM_DATA), "--faults", "stall:soon")
    assert faults.returncode == 2 and "is not a number" in faults.stderr
    missing = run("--catalog", str(SIM_DATA / "nope.yaml"))
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr
    scale = run("--catalog", str(SIM_DATA), "--time-scale", "-1")
    assert scale.returncode == 2 and "time scale" in scale.stderr
    nan = run("--catalog", str(SIM_DATA), "--time-scale", "nan")
    assert nan.returncode == 2 and "not a finite number" in nan.stderr


def test_serve_blocks_until_sigterm_on_the_asyncio_loop() -> None:
    script = (
        "from pathlib import Path\n"
        "from catalog import load_catalog\n"
        "from probes.simulator import serve\n"
        f"serve(load_catalog([Path({str(SIM_DATA)!r})]), time_scale=0.01, loop='asyncio',\n"
        "      announce=lambda line: print(line, flush=True))\n"
        "print('stopped', flush=True)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.rstrip().endswith("every response is simulated")
        url = line.split("listening on ")[1].split()[0]
        reply = httpx.post(
            f"{url}/p/simlab/v1/chat/completions",
            json={"model": "exact-1", "messages": [{"role": "user", "content": "Hi"}]},
            timeout=10,
        )
        assert reply.status_code == 200 and reply.headers["x-advisor-simulated"] == "true"
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        assert process.stdout.read().strip() == "stopped"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
