"""Simulator fixtures: one server process per test session (per xdist worker), on the
bundled catalog plus a small fixture catalog whose offerings each exercise one trait."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalog import BUNDLED_DIR, Catalog, load_catalog
from probes.simulator import SimulatorHandle, running_simulator

SIM_DATA = Path(__file__).parent / "data" / "catalog"
LAYERS = (BUNDLED_DIR, SIM_DATA)
TIME_SCALE = 0.01
"""Simulated time runs 100× faster: a 450 ms TTFT takes 4.5 ms."""


@pytest.fixture(scope="session")
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator(LAYERS, time_scale=TIME_SCALE, seed=7) as handle:
        yield handle


@pytest.fixture(scope="session")
def sim_catalog() -> Catalog:
    return load_catalog(list(LAYERS))


@pytest.fixture
def http(sim: SimulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, timeout=10) as client:
        yield client


def chat(model: str, content: str = "Say hello.", **extra: Any) -> dict[str, Any]:
    """An OpenAI chat body."""
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def sse_events(body: str) -> list[tuple[str | None, str, list[str]]]:
    """(event name, data, comment lines) per SSE event of a whole body."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name, data, comments = None, [], []
        for line in block.split("\n"):
            if line.startswith(":"):
                comments.append(line[1:].strip())
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        events.append((name, "\n".join(data), comments))
    return events
