"""Exports: a plan rendered for one gateway format, written atomically and never over an
existing file unless asked."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from advisor.export import litellm, openrouter, portkey, report, tensorzero
from advisor.plan.model import Plan
from catalog import Catalog

FORMATS = ("litellm", "tensorzero", "portkey", "openrouter", "report")
DEFAULT_NAMES = {
    "litellm": "litellm-config.yaml",
    "tensorzero": "tensorzero.toml",
    "portkey": "portkey-config.json",
    "openrouter": "openrouter-request.json",
    "report": "plan.md",
}


class ExportError(Exception):
    """An export that must not be written: a key value slipped in."""


class ExportExists(ExportError):
    """The target file exists and replacing it was not asked for."""


class ExportTarget(ExportError):
    """The place to write is not usable: its folder is missing, or it is a folder."""


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
        return report.render_markdown(plan)
    raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")


def check_no_secrets(text: str, plan: Plan, environ: Mapping[str, str] = os.environ) -> None:
    """Refuse text holding the value of any key variable the plan names: exports reference
    keys by name only, and this is the last line of defence."""
    for endpoint in plan.endpoints.values():
        value = environ.get(endpoint.key_env) if endpoint.key_env else None
        if value and len(value) >= 8 and value in text:
            raise ExportError(f"the value of {endpoint.key_env} would be written; refusing")


def write(path: Path, text: str, *, force: bool = False) -> None:
    """Write `text` to `path` atomically (a reader sees the old file or the new one, never
    half of one); an existing file is replaced only with `force`."""
    check_target(path)
    if path.exists() and not force:
        raise ExportExists(f"{path} exists; use --force to replace it")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 lets the umask decide the mode, as for any file the user writes.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if not force and path.exists():  # appeared meanwhile: still never overwrite silently
            raise ExportExists(f"{path} exists; use --force to replace it")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = [
    "DEFAULT_NAMES",
    "FORMATS",
    "ExportError",
    "ExportExists",
    "ExportTarget",
    "check_no_secrets",
    "check_target",
    "render",
    "write",
]
