"""Catalog loading: the bundled catalog and a generated 5,000-offering one.

Also measures the two choices the loader rests on: yaml-rs against PyYAML's C loader, and
pausing the cyclic garbage collector while a catalog is built.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from bench.gen_catalog import write_catalog
from bench.timing import measure
from catalog import BUNDLED_DIR, load_catalog
from catalog.problems import YamlLoader
from catalog.schema import Offering

TARGET_5K_COLD_S = 1.0


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        big = write_catalog(Path(tmp) / "catalog", 5000)
        return _run(big)


def _run(big: Path) -> list[str]:
    bundled = load_catalog([BUNDLED_DIR])
    bundled_t = measure(lambda: load_catalog([BUNDLED_DIR]), runs=11)
    big_t = measure(lambda: load_catalog([big]))
    script = f"from pathlib import Path; from catalog import load_catalog; load_catalog([Path({str(big)!r})])"
    process_t = measure(lambda: subprocess.run([sys.executable, "-c", script], check=True), runs=5)
    bare_t = measure(
        lambda: subprocess.run([sys.executable, "-c", "import catalog"], check=True), runs=5
    )
    texts = [p.read_text(encoding="utf-8") for p in sorted(big.glob("*.yaml"))]
    size_mb = sum(len(t.encode()) for t in texts) / 1e6
    pyyaml_t = measure(lambda: [yaml.load(t, Loader=YamlLoader) for t in texts], runs=3)
    rs_t = measure(lambda: [yaml_rs.loads(t) for t in texts])
    docs: list[Any] = [yaml_rs.loads(t) for t in texts]

    def validate_all() -> list[Offering]:
        return [Offering.model_validate(o) for d in docs for o in d["offerings"]]

    gc_on = measure(validate_all)
    gc.disable()
    try:
        gc_off = measure(validate_all)
    finally:
        gc.enable()
    verdict = "meets" if big_t.median < TARGET_5K_COLD_S else "MISSES"
    return [
        "## Catalog loading",
        "",
        "Every load parses and validates all files (there is no cache yet): each is a cold load.",
        "",
        "| what | time |",
        "|---|---|",
        f"| bundled catalog ({len(bundled.offerings)} offerings, {len(bundled.files)} files): "
        f"load + validate | {bundled_t.ms()} |",
        f"| generated catalog (5,000 offerings, {size_mb:.1f} MB): load + validate | {big_t.ms()} |",
        f"| a fresh Python process: import, load + validate 5,000 | {process_t.ms()} |",
        f"| a fresh Python process: import only | {bare_t.ms()} |",
        f"| 5,000 offerings: parse with PyYAML CSafeLoader | {pyyaml_t.ms()} |",
        f"| 5,000 offerings: parse with yaml-rs | {rs_t.ms()} |",
        f"| 5,000 offerings: validate, GC running | {gc_on.ms()} |",
        f"| 5,000 offerings: validate, GC paused | {gc_off.ms()} |",
        "",
        f"- Target for 5,000 offerings: under {TARGET_5K_COLD_S:g} s cold; "
        f"the median {big_t.median:.2f} s {verdict} it.",
        f"- yaml-rs parses {pyyaml_t.median / rs_t.median:.1f}× faster than PyYAML's C loader "
        "on the same files.",
        f"- Pausing the cyclic GC makes validation {gc_on.median / gc_off.median:.1f}× faster: "
        "building thousands of long-lived objects otherwise triggers repeated full scans.",
    ]
