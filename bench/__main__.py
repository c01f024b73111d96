"""Run every benchmark in bench/ and write docs/benchmarks.md.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"


def machine() -> list[str]:
    import pydantic
    import yaml

    cpu = platform.processor() or platform.machine()
    return [
        f"- date: {dt.date.today()}",
        f"- machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, pydantic {pydantic.VERSION}, PyYAML {yaml.__version__}",
    ]


def main() -> None:
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench`; do not edit by hand.",
        "",
        *machine(),
        "",
    ]
    for name in names:
        print(f"running bench/{name}.py ...", file=sys.stderr)
        module = importlib.import_module(f"bench.{name}")
        section = module.run()
        print("\n".join(section))
        lines += [*section, ""]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
