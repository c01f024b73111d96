"""`advisor [tui] [WORKLOADS.yaml]`: which file the TUI opens, without running it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from advisor import home
from advisor.cli import cli
from advisor.tui.app import AdvisorApp

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "workloads.yaml"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[AdvisorApp]:
    """Apps the CLI would have run, in order."""
    apps: list[AdvisorApp] = []

    def run(self: AdvisorApp, *args: object, **kwargs: object) -> None:
        apps.append(self)

    monkeypatch.setattr(AdvisorApp, "run", run)
    return apps


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider key is set unless a test sets one."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_no_arguments_opens_the_tui_without_a_file(opened: list[AdvisorApp]) -> None:
    assert invoke().exit_code == 0
    (app,) = opened
    assert app.workloads_path is None


@pytest.mark.parametrize("prefix", [(), ("tui",)])
def test_a_workload_file_opens_in_the_tui(
    opened: list[AdvisorApp], prefix: tuple[str, ...]
) -> None:
    result = invoke(*prefix, str(EXAMPLE))
    assert result.exit_code == 0, result.output
    (app,) = opened
    assert app.workloads_path == EXAMPLE


def test_options_before_the_file_still_apply(opened: list[AdvisorApp]) -> None:
    fixture = ROOT / "tests" / "data" / "catalog"
    result = invoke("--catalog", str(fixture), str(EXAMPLE))
    assert result.exit_code == 0, result.output
    (app,) = opened
    assert app.catalog.get("acme/acme-large-2") is not None  # the overlay was loaded


def test_a_missing_file_starts_a_new_one(opened: list[AdvisorApp], tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    result = invoke(str(new))
    assert result.exit_code == 0, result.output
    assert [app.workloads_path for app in opened] == [new]
    assert not new.exists()  # written only on save


async def test_a_new_file_opens_on_workloads(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    app = AdvisorApp(catalog=home.load_catalog(), workloads_path=new)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.current_mode == "workloads"
        assert app.session.path == new
        assert "new.yaml" in app.sub_title


def test_commands_are_not_taken_for_files(opened: list[AdvisorApp]) -> None:
    result = invoke("match", str(EXAMPLE), "--top", "1")
    assert result.exit_code == 0
    assert "billing-classifier" in result.output
    assert opened == []
    result = CliRunner().invoke(cli, ["nonsense"])
    assert result.exit_code == 2 and "No such command 'nonsense'" in result.output


def test_without_any_key_probes_target_the_simulator(opened: list[AdvisorApp]) -> None:
    assert invoke().exit_code == 0
    (app,) = opened
    assert app.probe_target == "simulator (no provider key set)"


def test_with_a_key_probes_go_live(
    opened: list[AdvisorApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0000000000")
    assert invoke().exit_code == 0
    (app,) = opened
    assert app.probe_target is None


def test_screen_option_chooses_where_the_app_opens(opened: list[AdvisorApp]) -> None:
    assert invoke("tui", "--screen", "catalog", str(EXAMPLE)).exit_code == 0
    (app,) = opened
    assert app.start_screen == "catalog" and app.workloads_path == EXAMPLE


async def test_make_run_opens_the_catalog_screen_with_the_examples_loaded() -> None:
    from advisor.tui.screens.catalog import CatalogScreen
    from catalog import load_catalog

    app = AdvisorApp(catalog=load_catalog(), workloads_path=EXAMPLE, screen="catalog")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CatalogScreen)
        assert [w.name for w in app.session.workloads][:1] == ["billing-classifier"]
