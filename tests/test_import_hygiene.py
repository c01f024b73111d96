"""Dependencies point one way, and only advisor/tui imports Textual.

Checked twice: statically over every module's imports, and at run time by importing every
headless module in a fresh interpreter and looking at what got loaded.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("advisor", "catalog", "probes")


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def is_tui(name: str) -> bool:
    return name == "advisor.tui" or name.startswith("advisor.tui.")


def test_modules_are_found() -> None:
    names = [name for name, _ in modules()]
    assert "catalog.loader" in names and "advisor.cli" in names and "advisor.tui.app" in names


def test_only_advisor_tui_imports_textual() -> None:
    offenders = [
        name
        for name, path in modules()
        if not is_tui(name) and any(i.split(".")[0] == "textual" for i in imported(path))
    ]
    assert offenders == []


def test_dependencies_point_one_way() -> None:
    allowed = {"catalog": {"catalog"}, "probes": {"catalog", "probes"}}
    offenders = []
    for name, path in modules():
        package = name.split(".")[0]
        if package not in allowed:
            continue
        ours = {i.split(".")[0] for i in imported(path)} & set(PACKAGES)
        if not ours <= allowed[package]:
            offenders.append((name, sorted(ours - allowed[package])))
    assert offenders == []


def test_headless_modules_do_not_load_textual_at_run_time() -> None:
    headless = [name for name, _ in modules() if not is_tui(name) and name != "advisor.__main__"]
    code = (
        "import importlib, json, sys\n"
        f"for name in {headless!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
