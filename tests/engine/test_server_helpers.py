"""The engine fixture's own parts that need no engine: stopping a process group whatever it
started, and reading Prometheus histograms as vLLM writes them."""

from __future__ import annotations

import math
import os
import subprocess
import time

import pytest

from tests.engine.server import _die_with_parent, histogram, stop

TTFT = "vllm:time_to_first_token_seconds"
METRICS = """\
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_sum{engine="0",model_name="tiny"} 0.5
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.005",model_name="tiny"} 10.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.01",model_name="tiny"} 30.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.02",model_name="tiny"} 40.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="tiny"} 40.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="tiny"} 40.0
vllm:e2e_request_latency_seconds_count{engine="0",model_name="tiny"} 7.0
"""


def test_histograms_are_read_and_interpolated_as_prometheus_does() -> None:
    h = histogram(METRICS, TTFT)
    assert (h.count, h.total, h.mean_ms) == (40.0, 0.5, 12.5)
    assert h.buckets[-1] == (math.inf, 40.0)
    # Rank 20 lies halfway through the (5 ms, 10 ms] bucket.
    assert h.quantile(0.5) == pytest.approx(0.0075)
    assert h.bucket_of(0.5) == (0.005, 0.01)
    earlier = METRICS.replace(" 30.0", " 20.0").replace(" 40.0", " 30.0")
    assert h.minus(histogram(earlier, TTFT)).count == 10.0


def test_stop_ends_the_whole_process_group() -> None:
    # A parent that starts a child in its own group and ignores SIGTERM: both must go.
    process = subprocess.Popen(
        ["sh", "-c", "trap '' TERM; sleep 300 & echo $!; wait"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    assert process.stdout is not None
    child = int(process.stdout.readline())
    began = time.monotonic()
    stop(process, timeout_s=0.5)
    assert process.returncode is not None and time.monotonic() - began < 5
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        # A killed child stays a zombie until init reaps it: gone for every purpose here.
        with open(f"/proc/{child}/stat") as stat:
            if stat.read().split()[2] == "Z":
                break
        time.sleep(0.1)
    else:
        raise AssertionError(f"process {child} outlived stop()")
