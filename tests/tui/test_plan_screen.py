"""The Plan screen, driven by keys: plans of the example workloads, hand edits that reach the
preview and the exported file, every format's preview, overwrite protection, and figures
from a simulated run labelled as such."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Static

from advisor import home
from advisor.export import DEFAULT_NAMES, FORMATS, ExportError, check_no_secrets
from advisor.plan import WorkloadPlan
from advisor.tui.app import AdvisorApp
from advisor.tui.dialogs.confirm import ConfirmDialog
from advisor.tui.dialogs.path_prompt import PathDialog
from advisor.tui.screens.plan import PlanScreen
from advisor.tui.widgets.plan_table import PlanTable
from catalog import Catalog
from probes.store import AttemptRecord, RunStore
from tests.tui.conftest import TODAY, settle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "workloads.yaml"


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports name the version that wrote them: pin it, so previews never move."""
    monkeypatch.setattr("advisor.plan.planner.__version__", "0.0.0")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example workloads, so exports land in a temporary folder beside it."""
    path = tmp_path / "workloads.yaml"
    shutil.copyfile(EXAMPLE, path)
    return path


def plan_app(workloads: Path, catalog: Catalog | None = None) -> AdvisorApp:
    return AdvisorApp(
        catalog=catalog or home.load_catalog(), workloads_path=workloads, today=TODAY, screen="plan"
    )


def screen_of(app: AdvisorApp) -> PlanScreen:
    screen = app.screen
    assert isinstance(screen, PlanScreen)
    return screen


def current(app: AdvisorApp) -> WorkloadPlan:
    wp = screen_of(app).planned()
    assert wp is not None
    return wp


def roles(app: AdvisorApp) -> list[str]:
    return [r.role for r in screen_of(app).query_one(PlanTable).plan_rows]


def shown(app: AdvisorApp, selector: str) -> str:
    console = Console(width=200, color_system=None)
    with console.capture() as capture:
        console.print(app.screen.query_one(selector, Static).content)
    return capture.get()


def chain_in_litellm(text: str, workload: str) -> list[str]:
    """The offerings of a workload's fallback chain, in order, as the LiteLLM export has it."""
    doc = yaml.safe_load(text)
    by_name = {m["model_name"]: m["model_info"]["offering"] for m in doc["model_list"]}
    (chain,) = [f[workload] for f in doc["router_settings"].get("fallbacks", []) if workload in f]
    return [by_name[name] for name in chain]


async def to_first_fallback(pilot: Pilot[None]) -> None:
    assert isinstance(pilot.app, AdvisorApp)
    table = screen_of(pilot.app).query_one(PlanTable)
    index = next(i for i, r in enumerate(table.plan_rows) if r.fallback == 0)
    table.move_cursor(row=index)
    await pilot.pause()


async def export(pilot: Pilot[None], path: Path | None = None) -> None:
    """Press w, wait for the path dialog, give it `path` (else keep the default), Enter."""
    await pilot.press("w")
    for _ in range(500):  # up to 10 s: a loaded 2-core machine can take seconds
        if isinstance(pilot.app.screen, PathDialog):
            break
        await pilot.pause(0.02)
    assert isinstance(pilot.app.screen, PathDialog)
    if path is not None:
        pilot.app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def test_each_example_workload_shows_a_primary_and_its_fallbacks(example: Path) -> None:
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert "catalog figures (not probed)" in shown(app, "#candidates-summary")
        seen = []
        for _ in app.session.names():
            wp = current(app)
            seen.append(wp.name)
            rows = roles(app)
            assert rows[0] == "primary"
            assert [r for r in rows if r.startswith("fallback")] == [
                f"fallback {i}" for i in range(1, len(wp.fallbacks) + 1)
            ]
            assert wp.fallbacks and "context" in rows and "timeouts" in rows
            table = screen.query_one(PlanTable)
            keys = [r.what for r in table.plan_rows if r.fallback is not None]
            assert keys == [c.key for c in wp.fallbacks]
            assert "why" in shown(app, "#plan-detail-text")  # the primary's reason
            await pilot.press("right_square_bracket")
            await pilot.pause()
        assert seen == app.session.names()


async def test_moving_a_fallback_changes_the_preview_and_undo_restores_it(example: Path) -> None:
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        planned = [c.key for c in current(app).fallbacks]
        await to_first_fallback(pilot)
        await pilot.press("shift+down")
        await pilot.pause()
        moved = [planned[1], planned[0], *planned[2:]]
        assert [c.key for c in current(app).fallbacks] == moved
        table = screen_of(app).query_one(PlanTable)
        assert table.current is not None and table.current.what == planned[0]  # it follows
        await pilot.press("K")  # and back up, by the other key
        await pilot.pause()
        assert [c.key for c in current(app).fallbacks] == planned
        assert "as planned" in shown(app, "#plan-state")  # the planner's order again
        await pilot.press("J", "e")
        await pilot.pause()
        preview = screen_of(app).preview
        assert chain_in_litellm(preview.text, "billing-classifier") == moved
        await pilot.press("e", "u", "u", "u", "e")  # back to Plan, undo the 3 moves, Export
        await pilot.pause()
        assert chain_in_litellm(preview.text, "billing-classifier") == planned


async def test_dropping_a_fallback_reaches_the_export_and_replanning_restores_it(
    example: Path,
) -> None:
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        planned = [c.key for c in current(app).fallbacks]
        await to_first_fallback(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert [c.key for c in current(app).fallbacks] == planned[1:]
        assert "edited" in shown(app, "#plan-state")
        await pilot.press("e")
        await export(pilot)
        await settle(pilot)
        written = (example.parent / "litellm-config.yaml").read_text(encoding="utf-8")
        assert chain_in_litellm(written, "billing-classifier") == planned[1:]
        await pilot.press("e", "r")
        await pilot.pause()
        assert [c.key for c in current(app).fallbacks] == planned
        assert "as planned" in shown(app, "#plan-state")


async def test_a_canary_weight_adds_a_canary_with_gates(example: Path) -> None:
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c", *"0.1", "enter")
        await pilot.pause()
        canary = current(app).canary
        assert canary is not None and canary.weight == 0.1 and canary.gates
        assert "canary 10%" in roles(app)
        detail = shown(app, "#plan-detail-text")  # the cursor went to the canary's row
        assert "gates" in detail and str(canary.gates[0]) in detail
        await pilot.press("e")
        await pilot.pause()
        doc = yaml.safe_load(screen_of(app).preview.text)
        group = [m for m in doc["model_list"] if m["model_name"] == "billing-classifier"]
        assert [m["model_info"]["role"] for m in group] == ["primary"]
        (own,) = [m for m in doc["model_list"] if m["model_name"] == "billing-classifier.canary"]
        assert own["model_info"]["canary_weight"] == 0.1
        await export(pilot, example.parent / "canary.yaml")  # with the plugin it names
        assert (example.parent / "canary.yaml").exists()
        assert "class CanaryGate" in (example.parent / "advisor_canary.py").read_text()
        await pilot.press("e", "c", "ctrl+a", "ctrl+k", *"1.5", "enter")
        await pilot.pause()
        assert any(n.severity == "error" for n in app._notifications)
        assert current(app).canary == canary  # unchanged
        await pilot.press("ctrl+a", "ctrl+k", "0", "enter")
        await pilot.pause()
        assert current(app).canary is None and not any(r.startswith("canary") for r in roles(app))
        await pilot.press("c", *"0.3", "escape")  # typed, not applied: the field says so
        await pilot.pause()
        assert current(app).canary is None
        assert screen_of(app).query_one("#plan-canary", Input).value == "0"


async def test_verifier_and_degraded_toggle_by_key(example: Path) -> None:
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v", "d")
        await pilot.pause()
        wp = current(app)
        assert wp.verifier is not None and wp.degraded is not None
        assert {"verifier", "degraded"} <= set(roles(app))
        await pilot.press("v")
        await pilot.pause()
        assert current(app).verifier is None and current(app).degraded is not None


async def test_every_format_previews_text_that_parses(example: Path) -> None:
    parsers: dict[str, Any] = {
        "litellm": yaml.safe_load,
        "tensorzero": tomllib.loads,
        "portkey": json.loads,
        "openrouter": json.loads,
        "report": lambda text: text.startswith("# ") or pytest.fail(text[:200]),
    }
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        preview = screen_of(app).preview
        for fmt in FORMATS:
            assert preview.format == fmt
            assert preview.text.strip()
            assert parsers[fmt](preview.text)
            assert DEFAULT_NAMES[fmt] in shown(app, "#export-info")
            await pilot.press("f")
            await pilot.pause()
        assert preview.format == FORMATS[0]  # f wraps round
        await pilot.press("f", "f", "f")  # quicker than the buttons report back
        await pilot.pause()
        assert preview.format == FORMATS[3]
        assert json.loads(preview.text)
        await pilot.click("#format-tensorzero")  # the mouse picks too
        await pilot.pause()
        assert preview.format == "tensorzero" and tomllib.loads(preview.text)


async def test_export_refuses_to_overwrite_without_confirmation(example: Path) -> None:
    target = example.parent / "portkey-config.json"
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e", "f", "f", "w")  # portkey
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PathDialog)
        assert dialog.query_one(Input).value == str(target)  # beside the workload file
        await pilot.press("escape")
        await pilot.pause()
        await export(pilot)
        await settle(pilot)
        assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
            screen_of(app).preview.text
        )
        target.write_text("kept", encoding="utf-8")
        await export(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert target.read_text(encoding="utf-8") == "kept"
        await export(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert json.loads(target.read_text(encoding="utf-8"))["configs"]


async def test_export_problems_are_notified_and_nothing_is_written(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def leaky(text: str, plan: object) -> None:
        raise ExportError("the value of ACME_API_KEY would be written; refusing")

    monkeypatch.setattr("advisor.tui.widgets.export_preview.check_no_secrets", leaky)
    blocker = example.parent / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await export(pilot)
        await settle(pilot)
        assert not (example.parent / "litellm-config.yaml").exists()
        monkeypatch.setattr("advisor.tui.widgets.export_preview.check_no_secrets", check_no_secrets)
        await export(pilot, blocker / "x.yaml")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, PlanScreen)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert [n.title for n in errors] == ["Not exported", f"Cannot write {blocker / 'x.yaml'}"]


def record_run(workloads: Path, workload: str, offering: str, *, simulated: bool) -> int:
    """A complete probe run of `workloads` with latency figures for one offering."""
    store = RunStore(home.runs_db())
    run = store.start_run(
        target="sim" if simulated else "live",
        simulated=simulated,
        workloads_file=str(workloads.resolve()),
    )
    rows = [
        {
            "workload": workload,
            "offering": offering,
            "probe": "latency",
            "metric": metric,
            "value": value,
            "n": 10,
            "unit": "ms",
        }
        for metric, value in (("ttft_ms_p95", 420.0), ("e2e_ms_p95", 700.0))
    ]
    store.record_results(run, rows)
    for _ in range(10):
        store.record_attempt(
            run,
            AttemptRecord(workload=workload, offering=offering, probe="latency", outcome="ok"),
        )
    store.finish_run(run, "complete")
    return run


async def test_plans_on_a_simulated_run_say_simulated(example: Path) -> None:
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        primary = current(app).primary.key
        await pilot.press("f2")  # a run recorded while another screen is on view...
        run = record_run(example, "billing-classifier", primary, simulated=True)
        await pilot.press("f6")  # ...is picked up on return
        await settle(pilot)
        assert f"simulated probe run {run}" in shown(app, "#candidates-summary")
        assert "simulated" in {b.origin for b in current(app).primary.basis}
        table = screen_of(app).query_one(PlanTable)
        assert table.plan_rows[0].figures.startswith("simulated · p95 TTFT 420 ms")
        assert "p95 TTFT 420 ms (simulated, n=10)" in shown(app, "#plan-detail-text")
        await pilot.press("e")
        await pilot.pause()
        assert "SIMULATED" in screen_of(app).preview.text
        assert f"simulated probe run {run}" in shown(app, "#export-info")


async def test_edits_of_unchanged_workloads_survive_a_change_elsewhere(example: Path) -> None:
    app = plan_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        planned = [c.key for c in current(app).fallbacks]
        await to_first_fallback(pilot)
        await pilot.press("x")
        await pilot.pause()
        other = app.session.workloads[1]
        app.session.replace(other.name, other.model_copy(update={"output_tokens": 500}))
        await pilot.press("f3", "f6")
        await settle(pilot)
        assert app.session.selected == "billing-classifier"
        assert [c.key for c in current(app).fallbacks] == planned[1:]


async def test_f6_and_the_palette_open_the_plan_screen(app: AdvisorApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        screen = screen_of(app)
        assert screen.query_one("#plan-empty").display  # no workloads: says how to get some
        assert screen.check_action("write", ()) is False
        await pilot.press("f2", "ctrl+p", *"Plan")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)


class TestSnapshots:
    """The fixture catalog and workloads, so the pictures never move with the bundled data."""

    def test_narrow_on_a_fallback(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await pilot.press("f6")
            await settle(pilot)
            await pilot.press("down")
            await pilot.pause()

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))

    def test_wide_with_a_canary(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await pilot.press("f6")
            await settle(pilot)
            await pilot.press("c", *"0.05", "enter", "v")
            await pilot.pause()

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(140, 36))

    def test_export_preview(self, workloads_app: AdvisorApp, snap_compare: Any) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            await pilot.press("f6")
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            await pilot.pause()

        assert snap_compare(workloads_app, run_before=run_before, terminal_size=(80, 24))
