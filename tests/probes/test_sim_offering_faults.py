"""Faults scoped to one offering: it fails while every other offering answers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from probes.simulator import (
    Fault,
    FaultError,
    SimulatorHandle,
    parse_offering_faults,
    running_simulator,
    start_simulator,
)
from probes.simulator.process import PROJECT_ROOT, command
from tests.probes.conftest import SIM_DATA, TIME_SCALE, chat

OPENAI = "/p/simlab/v1/chat/completions"
FAILING = "simlab/exact-1"


def test_specs_parse_from_the_command_line_or_a_mapping() -> None:
    burst = (Fault("5xx-burst", 10.0, None),)
    assert parse_offering_faults([f"{FAILING}=5xx-burst:10"]) == {FAILING: burst}
    assert parse_offering_faults({FAILING: "5xx-burst:10"}) == {FAILING: burst}
    assert parse_offering_faults({FAILING: burst}) == {FAILING: burst}
    # Repeating a key adds to its profile; a key may hold slashes and colons.
    assert parse_offering_faults(
        [f"{FAILING}=stall:2", f"{FAILING}=reset@0.5", "groq/openai/gpt-oss-20b:free=reset"]
    ) == {
        FAILING: (Fault("stall", 2.0, None), Fault("reset", None, 0.5)),
        "groq/openai/gpt-oss-20b:free": (Fault("reset", None, None),),
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("simlab/exact-1", "expected KEY=PROFILE"),
        ("=5xx-burst", "no offering key"),
        ("simlab/exact-1=gremlins", "unknown fault 'gremlins'"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(FaultError, match=message):
        parse_offering_faults([spec])


@pytest.fixture(scope="module")
def scoped() -> Iterator[SimulatorHandle]:
    """exact-1 fails the first request of every 10 it gets; the others are healthy."""
    with running_simulator(
        [SIM_DATA], time_scale=TIME_SCALE, seed=3, offering_faults={FAILING: "5xx-burst:1"}
    ) as handle:
        yield handle


def test_only_the_named_offering_fails_and_its_burst_counts_its_own_requests(
    scoped: SimulatorHandle,
) -> None:
    with httpx.Client(base_url=scoped.url, timeout=10) as http:
        others = [http.post(OPENAI, json=chat("besteffort-1")) for _ in range(3)]
        first, second = (http.post(OPENAI, json=chat("exact-1")) for _ in range(2))

    assert [r.status_code for r in others] == [200, 200, 200]
    assert all("x-sim-faults" not in r.headers for r in others)
    # Three requests to another offering did not advance exact-1's burst: its first fails.
    assert first.status_code == 503 and first.headers["x-sim-offering"] == FAILING
    assert first.headers["x-sim-faults"] == "5xx-burst:1"
    assert second.status_code == 200


def test_health_names_the_scoped_faults(scoped: SimulatorHandle) -> None:
    assert scoped.health()["offering_faults"] == {FAILING: "5xx-burst:1"}
    assert scoped.health()["faults"] == ""


def test_an_always_failing_offering_next_to_a_rate_limited_one() -> None:
    faults = {FAILING: "5xx-burst:10", "simlab/besteffort-1": "429-storm:20"}
    with (
        running_simulator([SIM_DATA], time_scale=TIME_SCALE, offering_faults=faults) as sim,
        httpx.Client(base_url=sim.url, timeout=10) as http,
    ):
        failing = {http.post(OPENAI, json=chat("exact-1")).status_code for _ in range(12)}
        limited = {http.post(OPENAI, json=chat("besteffort-1")).status_code for _ in range(12)}
        healthy = http.post(OPENAI, json=chat("reasoner-1"))
    assert failing == {500, 503}
    assert limited == {429}
    assert healthy.status_code == 200


def test_an_unknown_offering_is_refused_at_start() -> None:
    args = command([SIM_DATA], offering_faults={"simlab/nope": "reset"})
    assert args[args.index("--offering-faults") + 1] == "simlab/nope=reset"
    with pytest.raises(RuntimeError, match="no offering 'simlab/nope' in the catalog"):
        start_simulator([SIM_DATA], offering_faults={"simlab/nope": "reset"}, timeout=20)


def test_command_line_bad_spec_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "probes.simulator", "--catalog", str(SIM_DATA)]
        + ["--offering-faults", "simlab/exact-1"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "expected KEY=PROFILE" in result.stderr
