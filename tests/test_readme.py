"""Every console example of the README that is marked to run is run, and its output compared
with what the README shows, so that the README cannot drift from the program.

Each ```console block carries a marker comment on the line before it:
`<!-- example: exact -->` runs every `$ ` command (in a folder holding a copy of `examples/`,
100 columns wide) and compares its output line by line, a `...` line standing for any lines;
a command with no lines under it must succeed, and so must every command unless the next one
is `$ echo $?`, which shows its exit status. `<!-- example: not run: REASON -->` says why an
example is not run here; a block without a marker fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"(?:<!-- example: (?P<mark>[^>]*?) -->\n)?```console\n(?P<body>.*?)```", re.S)


@dataclass(frozen=True)
class Example:
    line: int
    mark: str
    commands: list[tuple[str, list[str]]]
    """Each command with the output lines the README shows under it."""


def examples() -> list[Example]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        commands: list[tuple[str, list[str]]] = []
        lines = match["body"].splitlines()
        i = 0
        while i < len(lines):
            command = lines[i].removeprefix("$ ")
            i += 1
            while command.endswith("\\"):  # a command continued on the next line
                command = command[:-1] + lines[i].strip()
                i += 1
            shown = []
            while i < len(lines) and not lines[i].startswith("$ "):
                shown.append(lines[i].rstrip())
                i += 1
            commands.append((command, shown))
        found.append(Example(text.count("\n", 0, match.start()) + 1, match["mark"] or "", commands))
    return found


def agrees(shown: list[str], actual: list[str]) -> bool:
    """Whether `actual` reads as `shown`, each `...` line standing for any lines."""
    parts: list[list[str]] = [[]]
    for line in shown:
        if line == "...":
            parts.append([])
        else:
            parts[-1].append(line)
    first, *rest = parts
    if not rest:
        return actual == first
    if actual[: len(first)] != first:
        return False
    at = len(first)
    for n, part in enumerate(rest):
        last = n == len(rest) - 1
        if last and shown[-1] != "...":
            return part == actual[len(actual) - len(part) :] and len(actual) - len(part) >= at
        for start in range(at, len(actual) - len(part) + 1):
            if actual[start : start + len(part)] == part:
                at = start + len(part)
                break
        else:
            return False
    return True


def test_every_console_example_is_marked() -> None:
    unmarked = [e.line for e in examples() if not e.mark]
    assert not unmarked, f"README.md console blocks without an example marker at lines {unmarked}"
    assert {e.mark for e in examples()} >= {"exact"}
    assert all(e.mark == "exact" or e.mark.startswith("not run: ") for e in examples())


@pytest.mark.parametrize(
    "example", [e for e in examples() if e.mark == "exact"], ids=lambda e: f"line{e.line}"
)
def test_readme_example(example: Example, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {
        **os.environ,
        "COLUMNS": "100",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    status = 0
    for n, (command, shown) in enumerate(example.commands):
        if command == "echo $?":  # the exit status of the command before
            assert shown == [str(status)], (example.commands[n - 1][0], status)
            continue
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        actual = [line.rstrip() for line in (done.stdout + done.stderr).splitlines()]
        status = done.returncode
        status_shown = example.commands[n + 1 : n + 2] and example.commands[n + 1][0] == "echo $?"
        assert status == 0 or status_shown, (command, done.stderr)
        if shown:
            assert agrees(shown, actual), "\n".join([f"$ {command}", *actual])


def test_dots_stand_for_any_lines() -> None:
    assert agrees(["a", "...", "c"], ["a", "b", "b", "c"])
    assert agrees(["a", "..."], ["a", "b"])
    assert not agrees(["a", "...", "c"], ["a", "b"])
    assert not agrees(["a", "b"], ["a", "b", "c"])
