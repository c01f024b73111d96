"""Commands load lazily: `advisor --help` imports none of them, and the table in
advisor/cli/__init__.py agrees with the commands the modules define."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from advisor.cli import cli

CLI_DIR = Path(__file__).resolve().parents[2] / "advisor" / "cli"


def test_root_help_imports_no_command_module_and_nothing_heavy() -> None:
    code = (
        "import json, sys\n"
        "from advisor.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='advisor')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stderr))
    assert "Commands:" in done.stdout
    assert {m for m in loaded if m.startswith("advisor.cli.")} == {"advisor.cli.base"}
    for heavy in ("catalog", "probes", "pydantic", "rich", "textual", "yaml"):
        assert heavy not in loaded, heavy


def test_the_table_lists_every_command_module() -> None:
    named = {m for entry in cli.lazy_commands.values() for m in entry.modules}
    modules = {f"advisor.cli.{p.stem}" for p in CLI_DIR.glob("*_cmd.py")}
    assert modules <= named


def test_the_table_matches_the_commands_the_modules_define() -> None:
    ctx = click.Context(cli)
    for name in cli.lazy_commands:
        assert cli.get_command(ctx, name) is not None, name
    assert set(cli.commands) == set(cli.lazy_commands)
    for name, entry in cli.lazy_commands.items():
        command = cli.commands[name]
        # The table's help is the command's own first sentence: update both together.
        assert entry.short_help == command.get_short_help_str(limit=10_000), name


def test_root_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:", 1)[1]
    for name in cli.lazy_commands:
        assert f"\n  {name} " in listed


def test_a_lazy_group_has_the_subcommands_every_module_adds() -> None:
    result = CliRunner().invoke(cli, ["catalog", "--help"])
    assert result.exit_code == 0
    for sub in ("validate", "show", "schema", "import", "lint"):
        assert f"\n  {sub} " in result.output
