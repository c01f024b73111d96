"""The provider simulator: a loopback HTTP server that serves every catalog offering over its
provider's wire API, with the catalog's traits, and misbehaves on request.

URL scheme, on a server at ROOT (e.g. http://127.0.0.1:8123):

- `ROOT/p/<provider-id><path of the provider's base_url>`: the stand-in for that provider's
  `base_url` (OpenAI: `ROOT/p/openai/v1`, Groq: `ROOT/p/groq/openai/v1`, Anthropic:
  `ROOT/p/anthropic/v1`, Google: `ROOT/p/google/v1beta`); models by API id or alias.
  `sim_base_url(ROOT, provider)` computes it.
- `ROOT/openai/v1`, `ROOT/anthropic/v1`, `ROOT/gemini/v1beta`: any offering over that wire,
  model = `provider/model-id` (or an id only one offering has).
- The Anthropic SDK takes its base URL without the trailing `/v1`, as with the real API.

Every response says `x-advisor-simulated: true`; model calls also name the offering
(`x-sim-offering`) and carry the ground truth (`x-sim-ttft-ms`, `x-sim-itl-ms`, per-event
`: sim due=<ns> sent=<ns>` SSE comments on CLOCK_MONOTONIC). Request headers steer the
simulation: `x-sim-faults`, `x-sim-seed`, `x-sim-output-tokens`; `x-sim-truth: keep` keeps a
stream's ground truth on the server for `GET /_sim/truth`.

Entry points: `serve` (blocking, this process), `start` (inside a running loop),
`start_simulator` / `running_simulator` (a child process), `python -m probes.simulator`.
The full description is docs/simulator.md.
"""

from probes.simulator.app import SimConfig, Simulator, sim_base_url
from probes.simulator.faults import (
    BUNDLES,
    DEFAULTS,
    Fault,
    FaultError,
    parse_faults,
    parse_offering_faults,
)
from probes.simulator.process import SimulatorHandle, running_simulator, start_simulator
from probes.simulator.server import RunningServer, make_config, serve, start

FAULT_NAMES = tuple(DEFAULTS)
"""Every fault a profile may name (bundles aside)."""
FAULT_BUNDLES = tuple(BUNDLES)

__all__ = [
    "FAULT_BUNDLES",
    "FAULT_NAMES",
    "Fault",
    "FaultError",
    "RunningServer",
    "SimConfig",
    "Simulator",
    "SimulatorHandle",
    "make_config",
    "parse_faults",
    "parse_offering_faults",
    "running_simulator",
    "serve",
    "sim_base_url",
    "start",
    "start_simulator",
]
