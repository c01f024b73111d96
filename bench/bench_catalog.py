"""Catalog loading: the bundled catalog and a generated 5,000-offering one, cold and warm
(from the content-keyed cache); importing LiteLLM's whole price map.

Also measures the two choices the loader rests on: yaml-rs against PyYAML's C loader, and
pausing the cyclic garbage collector while a catalog is built.
"""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from advisor.maintain.imports import ImportRequest, plan_import, write_import
from bench.gen_catalog import write_catalog
from bench.timing import Timing, measure
from catalog import BUNDLED_DIR, load_catalog
from catalog.cache import load_catalog_cached
from catalog.importers import litellm as litellm_importer
from catalog.problems import YamlLoader
from catalog.schema import Offering

TARGET_5K_COLD_S = 1.0
TARGET_5K_WARM_S = 0.150
TARGET_LITELLM_IMPORT_S = 3.0


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
    cache = big.parent / "cache"

    def cold_with_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        load_catalog_cached([big], cache)  # a miss: parse, validate and write the cache

    cold_cached_t = measure(cold_with_cache, runs=5)
    load_catalog_cached([big], cache)
    warm_t = measure(lambda: load_catalog_cached([big], cache), runs=11)
    warm_script = (
        "from pathlib import Path; from catalog.cache import load_catalog_cached; "
        f"load_catalog_cached([Path({str(big)!r})], Path({str(cache)!r}))"
    )
    warm_process_t = measure(
        lambda: subprocess.run([sys.executable, "-c", warm_script], check=True), runs=5
    )
    verdict = "meets" if big_t.median < TARGET_5K_COLD_S else "MISSES"
    warm_verdict = "meets" if warm_t.median < TARGET_5K_WARM_S else "MISSES"
    return [
        "## Catalog loading",
        "",
        "Cold: every file parsed and validated. Warm: the validated catalog read back from the",
        "cache (`catalog.cache`), keyed on the files' content, the layers and the catalog code.",
        "",
        "| what | time |",
        "|---|---|",
        f"| bundled catalog ({len(bundled.offerings)} offerings, {len(bundled.files)} files): "
        f"load + validate | {bundled_t.ms()} |",
        f"| generated catalog (5,000 offerings, {size_mb:.1f} MB): load + validate | {big_t.ms()} |",
        f"| 5,000 offerings, cold with the cache: load + validate + write the cache | "
        f"{cold_cached_t.ms()} |",
        f"| 5,000 offerings, warm: from the cache | {warm_t.ms()} |",
        f"| a fresh Python process: import, load 5,000 from the cache | {warm_process_t.ms()} |",
        f"| a fresh Python process: import, load + validate 5,000 | {process_t.ms()} |",
        f"| a fresh Python process: import only | {bare_t.ms()} |",
        f"| 5,000 offerings: parse with PyYAML CSafeLoader | {pyyaml_t.ms()} |",
        f"| 5,000 offerings: parse with yaml-rs | {rs_t.ms()} |",
        f"| 5,000 offerings: validate, GC running | {gc_on.ms()} |",
        f"| 5,000 offerings: validate, GC paused | {gc_off.ms()} |",
        "",
        f"- Target for 5,000 offerings: under {TARGET_5K_COLD_S:g} s cold; "
        f"the median {big_t.median:.2f} s {verdict} it "
        f"({cold_cached_t.median:.2f} s when it also writes the cache).",
        f"- Target for 5,000 offerings: under {TARGET_5K_WARM_S * 1000:.0f} ms warm; "
        f"the median {warm_t.median * 1000:.0f} ms {warm_verdict} it.",
        f"- yaml-rs parses {pyyaml_t.median / rs_t.median:.1f}× faster than PyYAML's C loader "
        "on the same files.",
        f"- Pausing the cyclic GC makes validation {gc_on.median / gc_off.median:.1f}× faster: "
        "building thousands of long-lived objects otherwise triggers repeated full scans.",
        "",
        *_import_section(big.parent),
    ]


def _import_section(scratch: Path) -> list[str]:
    """`advisor catalog import litellm` on the installed package's whole price map."""
    path = litellm_importer.bundled_file()
    if path is None:
        return ["## Catalog import", "", "litellm is not installed: the import is not measured."]
    today = dt.date.today()

    def dry_run() -> int:
        request = ImportRequest("litellm", BUNDLED_DIR, [BUNDLED_DIR], today)
        return len(plan_import(request).changes.changes)

    def into_empty_folder() -> int:
        folder = scratch / "imported"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        plan = plan_import(ImportRequest("litellm", folder, [BUNDLED_DIR], today))
        return len(write_import(plan, plan.changes.default_selection()))

    request = ImportRequest("litellm", scratch, [BUNDLED_DIR], today)
    changes = plan_import(request).changes
    new = sum(1 for c in changes.changes if c.kind == "new")
    dry_t = measure(dry_run, runs=5)
    full_t: Timing = measure(into_empty_folder, runs=5)
    verdict = "meets" if full_t.median < TARGET_LITELLM_IMPORT_S else "MISSES"
    return [
        "## Catalog import",
        "",
        f"LiteLLM {changes.info.version}'s price map: {changes.entries:,} entries, "
        f"{changes.read:,} chat offerings read; {new:,} of them from providers whose endpoint",
        "is known (the others are skipped with a reason).",
        "",
        "| what | time |",
        "|---|---|",
        f"| read, map and compare with the bundled catalog (a dry run) | {dry_t.ms()} |",
        f"| the same into an empty folder, validated and written ({new:,} offerings) | "
        f"{full_t.ms()} |",
        "",
        f"- Target: the whole file under {TARGET_LITELLM_IMPORT_S:g} s; the median "
        f"{full_t.median:.2f} s {verdict} it.",
    ]
