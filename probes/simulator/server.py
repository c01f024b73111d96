"""Running the simulator: in this process (blocking `serve`, or `start` inside a loop).

The event loop is uvloop where it is installed (it keeps more streams on schedule: see
docs/benchmarks.md), else asyncio's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from catalog import Catalog
from probes.simulator.app import SimConfig, Simulator
from probes.simulator.faults import Fault, parse_faults, parse_offering_faults
from probes.simulator.transport import HttpServer

OfferingFaults = Mapping[str, str | tuple[Fault, ...]] | list[str] | tuple[str, ...]
"""Per-offering profiles: {key: profile}, or `KEY=PROFILE` strings as on the command line."""


@dataclass
class RunningServer:
    """A simulator listening in the current event loop."""

    host: str
    port: int
    simulator: Simulator
    http: HttpServer

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:8123."""
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Close the socket and every connection."""
        await self.http.stop()


def make_config(
    faults: str | tuple[Fault, ...] | None = None,
    time_scale: float = 1.0,
    seed: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    offering_faults: OfferingFaults | None = None,
    retention_turns: float | None = None,
    capacity: int | None = None,
) -> SimConfig:
    """A SimConfig from command-line-like values; raises FaultError on a bad profile."""
    parsed = parse_faults(faults) if isinstance(faults, str) or faults is None else faults
    if time_scale < 0:
        raise ValueError("the time scale must not be negative")
    if retention_turns is not None and retention_turns <= 0:
        raise ValueError("the retention horizon must be a positive number of turns")
    if capacity is not None and capacity < 1:
        raise ValueError("the capacity must be at least one request in flight")
    return SimConfig(
        time_scale=time_scale,
        faults=parsed,
        offering_faults=parse_offering_faults(offering_faults or {}),
        seed=seed,
        rpm=rpm,
        tpm=tpm,
        retention_turns=retention_turns,
        capacity=capacity,
    )


async def start(
    catalog: Catalog, host: str = "127.0.0.1", port: int = 0, config: SimConfig | None = None
) -> RunningServer:
    """Start serving `catalog` in the running event loop; returns once it listens."""
    simulator = Simulator(catalog, config)
    http = HttpServer(simulator, asyncio.get_running_loop())
    bound_host, bound_port = await http.start(host, port)
    return RunningServer(bound_host, bound_port, simulator, http)


def serve(
    catalog: Catalog,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: str | tuple[Fault, ...] | None = None,
    *,
    time_scale: float = 1.0,
    seed: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    loop: str = "auto",
    announce: Callable[[str], None] = print,
    offering_faults: OfferingFaults | None = None,
    retention_turns: float | None = None,
    capacity: int | None = None,
) -> None:
    """Serve `catalog` until interrupted (Ctrl-C or SIGTERM). Blocks.

    Announces `simulator listening on http://HOST:PORT ...` once the socket is bound (port
    0 picks a free one). Raises FaultError for a bad fault profile, OSError when the port
    is taken.
    """
    config = make_config(
        faults, time_scale, seed, rpm, tpm, offering_faults, retention_turns, capacity
    )

    async def main() -> None:
        running = await start(catalog, host, port, config)
        # Everything built so far (the catalog, indexes) lives as long as the server:
        # keep the cyclic collector from re-scanning it on every collection.
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        event_loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                event_loop.add_signal_handler(sig, stop.set)
        described = running.simulator.describe()
        announce(
            f"simulator listening on {running.url} "
            f"({described['offerings']} offerings, time scale {config.time_scale:g}, "
            f"faults: {_faults_summary(described)}, seed {described['seed']}); "
            "every response is simulated"
        )
        try:
            await stop.wait()
        finally:
            await running.stop()

    run_loop(main(), loop)


def run_loop(main: Coroutine[Any, Any, None], loop: str = "auto") -> None:
    """Run a coroutine on uvloop (`auto` falls back to asyncio when it is missing)."""
    if loop not in ("auto", "uvloop", "asyncio"):
        raise ValueError(f"unknown loop {loop!r}: auto, uvloop or asyncio")
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                raise
        else:
            with contextlib.suppress(KeyboardInterrupt):
                uvloop.run(main)
            return
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main)


def _faults_summary(described: dict[str, Any]) -> str:
    """`5xx-burst:1; acme/acme-large-2: 5xx-burst:10` for the announce line."""
    parts = [described["faults"]] if described["faults"] else []
    parts += [f"{key}: {profile}" for key, profile in described["offering_faults"].items()]
    return "; ".join(parts) or "none"
