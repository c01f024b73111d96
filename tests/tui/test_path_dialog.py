"""The file dialogs: a path box that completes (Tab, a suggestion as you type) over the
entries of its folder, driven by keys alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, OptionList, Static

from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.path_complete import complete, listing, parent, split
from advisor.tui.dialogs.path_prompt import PathDialog
from tests.tui.conftest import settle

UNSET = object()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a folder, workload files, another file and a hidden one."""
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "old.yaml").write_text("workloads: []\n")
    for name in ("alpha.yaml", "alpine.yml", "beta.yaml", "notes.txt", ".hidden.yaml"):
        (tmp_path / name).write_text("workloads: []\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_listing_filters_by_what_is_typed_folders_first(folder: Path) -> None:
    assert [e.shown for e in listing("").entries] == [
        "archive/",
        "alpha.yaml",
        "alpine.yml",
        "beta.yaml",
        "notes.txt",
    ]
    assert [e.shown for e in listing("al").entries] == ["alpha.yaml", "alpine.yml"]
    assert [e.shown for e in listing("", (".yaml",)).entries] == [
        "archive/",
        "alpha.yaml",
        "beta.yaml",
    ]
    assert [e.shown for e in listing(".").entries] == [".hidden.yaml"]
    assert [e.shown for e in listing("archive/").entries] == ["old.yaml"]
    assert listing("nowhere/x").error


def test_tab_completes_as_far_as_the_entries_agree(folder: Path) -> None:
    assert complete("al") == "alp"
    assert complete("alph") == "alpha.yaml"
    assert complete("ar") == "archive/"
    assert complete("archive/") == "archive/old.yaml"
    assert complete("zz") == "zz"
    assert complete(str(folder / "be")) == str(folder / "beta.yaml")


def test_split_and_parent() -> None:
    assert split("examples/wo") == ("examples/", "wo")
    assert split("wo") == ("", "wo")
    assert parent("a/b/") == "a/"
    assert parent("a/") == ""
    assert parent("") == "../"
    assert parent("/tmp/") == "/"
    assert parent("../") == "../../"


class Harness(App[None]):
    """One dialog over an empty screen; `result` is what it was dismissed with."""

    def __init__(self, dialog: PathDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.result: Any = UNSET

    def compose(self) -> ComposeResult:
        yield Static("behind the dialog")

    def on_mount(self) -> None:
        self.push_screen(self.dialog, callback=self._done)

    def _done(self, value: Path | None) -> None:
        self.result = value


def focused(app: App[Any]) -> object:
    return app.focused


def entries(app: App[Any]) -> list[str]:
    found = app.screen.query_one("#path-entries", OptionList)
    return [str(found.get_option_at_index(i).id) for i in range(found.option_count)]


async def test_typing_filters_the_list_and_tab_completes_a_file(folder: Path) -> None:
    app = Harness(PathDialog("Open", "", suffixes=(".yaml", ".yml")))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert entries(app) == ["../", "archive/", "alpha.yaml", "alpine.yml", "beta.yaml"]
        await pilot.press("a", "l")
        await pilot.pause()
        assert entries(app) == ["../", "alpha.yaml", "alpine.yml"]
        box = app.screen.query_one(Input)
        await pilot.press("p", "h")
        await pilot.pause()
        assert box._suggestion == "alpha.yaml"  # shown after the cursor as you type
        await pilot.press("tab")
        assert box.value == "alpha.yaml"
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == Path("alpha.yaml")


async def test_a_folder_is_gone_into_and_a_file_picked_from_the_list(folder: Path) -> None:
    app = Harness(PathDialog("Open", "", suffixes=(".yaml",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "r", "tab")
        await pilot.pause()
        box = app.screen.query_one(Input)
        assert box.value == "archive/"
        assert entries(app) == ["../", "old.yaml"]
        await pilot.press("down")  # into the list, on '../'
        assert focused(app) is app.screen.query_one("#path-entries", OptionList)
        await pilot.press("enter")  # back up
        await pilot.pause()
        assert box.value == "" and focused(app) is box
        await pilot.press("a", "r", "c", "h", "i", "v", "e", "enter")  # Enter on a folder
        await pilot.pause()
        assert box.value == "archive/" and app.result is UNSET
        await pilot.press("down", "down", "up", "up")  # ↑ from the top comes back to the box
        assert focused(app) is box
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.result == Path("archive/old.yaml")


async def test_the_named_file_is_highlighted_in_its_whole_folder(folder: Path) -> None:
    app = Harness(PathDialog("Save as", "beta.yaml", suffixes=(".yaml",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        found = app.screen.query_one("#path-entries", OptionList)
        assert entries(app) == ["../", "archive/", "alpha.yaml", "beta.yaml"]
        assert found.highlighted == 3
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


async def test_ctrl_o_opens_the_file_chosen_in_the_dialog(
    folder: Path, workloads_app: AdvisorApp
) -> None:
    (folder / "alpha.yaml").write_text(
        "workloads:\n  - name: picked\n    task: chat\n", encoding="utf-8"
    )
    async with workloads_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(workloads_app.screen, PathDialog)
        await pilot.press("ctrl+a", "ctrl+k", "a", "l", "p", "h", "tab", "enter")
        await settle(pilot)
        assert workloads_app.session.path == Path("alpha.yaml")
        assert [w.name for w in workloads_app.session.workloads] == ["picked"]


def test_the_open_dialog_at_80x24(workloads_app: AdvisorApp, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()

    assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))


async def test_a_new_name_lists_what_the_folder_already_holds(folder: Path) -> None:
    app = Harness(PathDialog("Save as", "gamma.yaml", suffixes=(".yaml",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert entries(app) == ["../", "archive/", "alpha.yaml", "beta.yaml"]
        about = app.screen.query_one("#path-folder", Static)
        assert str(about.render()) == "in ./: 1 folder, 2 files · gamma.yaml is new"
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == Path("gamma.yaml")
