"""Exports: a plan rendered for one gateway format, written atomically and never over an
existing file unless asked."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from advisor.export import litellm, openrouter, portkey, report, tensorzero
from advisor.plan.model import Plan
from advisor.watch.successors import side_by_side
from catalog import Catalog
from catalog.errors import BadInput, Refused
from catalog.files import write_atomically

FORMATS = ("litellm", "tensorzero", "portkey", "openrouter", "report")
DEFAULT_NAMES = {
    "litellm": "litellm-config.yaml",
    "tensorzero": "tensorzero.toml",
    "portkey": "portkey-config.json",
    "openrouter": "openrouter-request.json",
    "report": "plan.md",
}


class ExportError(Refused):
    """An export that must not be written: a key value slipped in."""

    title = "export refused"


class ExportExists(BadInput):
    """The target file exists and replacing it was not asked for."""

    title = "export refused"


class ExportTarget(BadInput):
    """The place to write is not usable: its folder is missing, or it is a folder."""

    title = "export refused"


def check_target(path: Path) -> None:
    """One rule for every export path (`export -o`, `run --export`): its folder must exist
    already, and the path must not be a folder. Folders are never created: a typo would
    otherwise leave new directories behind, even at the filesystem root."""
    parent = path.parent
    if not parent.is_dir():
        raise ExportTarget(f"cannot write {path}: the folder {parent} does not exist")
    if path.is_dir():
        raise ExportTarget(f"cannot write {path}: it is a folder")


def render(fmt: str, plan: Plan, catalog: Catalog, path: Path | None = None) -> str:
    """The plan as `fmt`; a report is JSON when `path` ends in .json, else Markdown."""
    if fmt == "litellm":
        return litellm.render(plan)
    if fmt == "tensorzero":
        return tensorzero.render(plan)
    if fmt == "portkey":
        return portkey.render(plan)
    if fmt == "openrouter":
        return openrouter.render(plan, catalog)
    if fmt == "report":
        if path is not None and path.suffix == ".json":
            return json.dumps(report.plan_json(plan), indent=2, ensure_ascii=False) + "\n"
        return report.render_markdown(plan, side_by_side(plan, catalog))
    raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")


def check_no_secrets(text: str, plan: Plan, environ: Mapping[str, str] = os.environ) -> None:
    """Refuse text holding the value of any key variable the plan names: exports reference
    keys by name only, and this is the last line of defence."""
    for endpoint in plan.endpoints.values():
        value = environ.get(endpoint.key_env) if endpoint.key_env else None
        if value and len(value) >= 8 and value in text:
            raise ExportError(f"the value of {endpoint.key_env} would be written; refusing")


def write(path: Path, text: str, *, force: bool = False) -> None:
    """Write `text` to `path` atomically; an existing file is replaced only with `force`.

    The path must pass `check_target`: folders are never created."""
    check_target(path)
    try:
        write_atomically(path, text, replace=force, parents=False)
    except FileExistsError:
        raise ExportExists(f"{path} exists; use --force to replace it") from None


def companions(fmt: str, plan: Plan, path: Path) -> dict[Path, str]:
    """The files an export needs beside it: the LiteLLM canary plugin, for a plan with a
    canary (the config names it, so the proxy does not start without it)."""
    if fmt == "litellm" and any(wp.canary for wp in plan.workloads):
        return {path.parent / litellm.PLUGIN_FILE: litellm.plugin_source()}
    return {}


def write_companions(fmt: str, plan: Plan, path: Path, *, force: bool = False) -> list[Path]:
    """Write the export's companion files beside `path` (atomically); one that exists is
    replaced only with `force` or when it holds the same text already."""
    written = []
    for target, text in companions(fmt, plan, path).items():
        same = target.is_file() and target.read_text(encoding="utf-8") == text
        write(target, text, force=force or same)
        written.append(target)
    return written


__all__ = [
    "DEFAULT_NAMES",
    "FORMATS",
    "ExportError",
    "ExportExists",
    "ExportTarget",
    "check_no_secrets",
    "check_target",
    "companions",
    "render",
    "write",
    "write_companions",
]
