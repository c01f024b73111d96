"""Run every benchmark in bench/ and write docs/benchmarks.md.

    python -m bench              every section, then docs/benchmarks.md is rewritten
    python -m bench NAME ...     only bench/bench_NAME.py (e.g. `startup`), printed only

Each `bench/bench_*.py` module has `run() -> list[str]`: Markdown lines of its section.
Figures are medians over repeated runs with min and max; comparisons are ratios from the
same run on the same machine.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import sys
import time
from pathlib import Path

from bench import tools

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"
ORDER = (
    "bench_harness",
    "bench_catalog",
    "bench_matching",
    "bench_startup",
    "bench_simulator",
    "bench_vllm",
    "bench_quick",
    "bench_logs",
)
"""Sections in the order of the issue's items; any other bench_*.py module follows."""

CONTENTS = """\
What is measured, and where:

1. Probe harness accuracy against a peer (guidellm): "Probe harness against guidellm:
   accuracy".
2. Harness capacity, ours and the peer's: "Probe harness against guidellm: capacity".
3. Catalog loading cold and warm, importing LiteLLM's whole price map, and matching:
   "Catalog loading", "Catalog import", "Matching".
4. Start-up of `advisor --help` and of the TUI: "Start-up".
5. The simulator every harness figure rests on: "Simulator".
6. Both harnesses against a real engine, each beside the engine's own histograms: "Against a
   real engine: vLLM on CPU".
7. `advisor run --probe sim` at real-time speed, and how often its decisive plan agrees with
   an exhaustive run's: "Quick run" (`QUICK_SEEDS`, `QUICK_SCALE`, `FULL_SCALE` set its seeds
   and the two sides' time scales).
8. Request logs summarised into workloads, 1,000,000 lines, time and peak memory: "Request
   logs".

Every target is stated next to its figure with MET or MISSED; where one is missed, the
section says what profiling found. The machine is shared with whatever else runs on it: the
load averages above say how busy it was."""


def machine() -> list[str]:
    from importlib.metadata import version

    import pydantic
    import yaml

    cpu = platform.processor() or platform.machine()
    guidellm = tools.guidellm_path()
    peer = f"guidellm {tools.guidellm_version(guidellm)}" if guidellm else "guidellm not installed"
    return [
        f"- date: {dt.date.today()}",
        f"- machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, pydantic {pydantic.VERSION}, "
        f"PyYAML {yaml.__version__}, uvloop {version('uvloop')}, Textual {version('textual')}",
        f"- peer: {peer} (its own environment, .venv/peer, installed by `make bench`)",
    ]


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def main(argv: list[str]) -> None:
    found = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    names = [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    if argv:
        names = [f"bench_{name.removeprefix('bench_')}" for name in argv]
    started, load_before = time.monotonic(), _load()
    sections: list[str] = []
    for name in names:
        print(f"running bench/{name}.py ...", file=sys.stderr)
        section = importlib.import_module(f"bench.{name}").run()
        print("\n".join(section))
        sections += [*section, ""]
    if argv:
        return
    minutes = (time.monotonic() - started) / 60
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand.",
        "",
        *machine(),
        f"- load average before the run: {load_before}; after: {_load()}",
        f"- the whole run took {minutes:.1f} minutes",
        "",
        CONTENTS,
        "",
        *sections,
    ]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
