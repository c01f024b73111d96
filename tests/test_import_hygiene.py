"""The import contracts of docs/architecture.md.

- The floors point one way: catalog ← probes ← the advisor core ← present ← cli / tui.
- Only advisor/tui imports Textual; Rich stays out of the core (catalog, probes and the
  advisor's stage packages), so every capability runs headless without either.

Checked twice: statically over every module's imports (including imports inside functions),
and at run time by importing every core module in a fresh interpreter and looking at what
got loaded.
"""

from __future__ import annotations

import functools
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


_IMPORTS_OF = """
import ast, json, sys
out = {}
for path in sys.argv[1:]:
    names = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from advisor import home` imports the module advisor.home
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    out[path] = sorted(names)
print(json.dumps(out))
"""


@functools.cache
def _imports_of(paths: tuple[Path, ...]) -> dict[str, list[str]]:
    # Parsed in a fresh interpreter: hypothesis, run earlier in this worker, changes the
    # recursion limit, and CPython 3.11's ast then fails with "recursion depth mismatch".
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTS_OF, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, list[str]] = json.loads(result.stdout)
    return found


def imported(path: Path, among: tuple[Path, ...] | None = None) -> set[str]:
    """What `path` imports (every import statement, also those inside functions)."""
    paths = among if among is not None else tuple(p for _, p in modules())
    return set(_imports_of(paths)[str(path)])


FLOORS = ("catalog", "probes", "core", "present", "front")
"""Lowest first: a module may import its own floor and the floors below it."""


def floor(name: str) -> str | None:
    """The floor of one of our modules (None for anyone else's)."""
    top = name.split(".")[0]
    if top in ("catalog", "probes"):
        return top
    if top != "advisor":
        return None
    second = name.split(".")[1] if "." in name else ""
    if second == "present":
        return "present"
    if second in ("cli", "tui", "__main__"):
        return "front"
    return "core"


def is_core(name: str) -> bool:
    return floor(name) in ("catalog", "probes", "core")


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


def upward(found: list[tuple[str, Path]]) -> list[tuple[str, str]]:
    """(module, what it imports) for every import of a higher floor."""
    offenders = []
    among = tuple(path for _, path in found)
    for name, path in found:
        own = FLOORS.index(floor(name) or "front")
        for target in imported(path, among):
            target_floor = floor(target)
            if target_floor is not None and FLOORS.index(target_floor) > own:
                offenders.append((name, target))
    return offenders


def test_floors_point_one_way() -> None:
    assert upward(modules()) == []


def test_the_tui_does_not_import_the_command_line() -> None:
    offenders = [
        (name, i)
        for name, path in modules()
        if is_tui(name)
        for i in imported(path)
        if i == "advisor.cli" or i.startswith("advisor.cli.")
    ]
    assert offenders == []


def test_the_core_imports_no_rich() -> None:
    offenders = [
        (name, i)
        for name, path in modules()
        if is_core(name)
        for i in imported(path)
        if i.split(".")[0] == "rich"
    ]
    assert offenders == []


def test_a_planted_upward_import_is_caught(tmp_path: Path) -> None:
    """The floor rule can fail: core and probe modules importing upwards are named."""
    planted = tmp_path / "planted.py"
    planted.write_text("from advisor.present import match\nimport advisor.cli.base\n")
    inside_function = tmp_path / "lazy.py"
    inside_function.write_text("def f():\n    from advisor.match.matching import match\n")
    found = [("advisor.match.planted", planted), ("probes.lazy", inside_function)]
    assert {(name, target.split(".")[1]) for name, target in upward(found)} == {
        ("advisor.match.planted", "present"),
        ("advisor.match.planted", "cli"),
        ("probes.lazy", "match"),
    }


def loaded_by(names: list[str], package: str) -> list[str]:
    """The modules of `package` that importing `names` in a fresh interpreter loads."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == {package!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(json.loads(result.stdout))


def test_headless_modules_do_not_load_textual_at_run_time() -> None:
    headless = [name for name, _ in modules() if not is_tui(name) and name != "advisor.__main__"]
    assert loaded_by(headless, "textual") == []


GATEWAY_PLUGINS = ("advisor.export.litellm_canary",)
"""Modules that run inside a gateway (the LiteLLM proxy loads the canary plugin an export
writes), never in the advisor: they import the gateway, and the gateway's own imports
(LiteLLM loads Rich) are no part of the advisor's run time."""


def test_the_core_does_not_load_rich_at_run_time() -> None:
    core = [name for name, _ in modules() if is_core(name) and name not in GATEWAY_PLUGINS]
    assert loaded_by(core, "rich") == []


def test_no_module_of_ours_imports_a_gateway_plugin() -> None:
    """The advisor reads a plugin's source as text (to write it beside an export); importing
    it would load the gateway."""
    offenders = [
        (name, i) for name, path in modules() for i in imported(path) if i in GATEWAY_PLUGINS
    ]
    assert offenders == []
