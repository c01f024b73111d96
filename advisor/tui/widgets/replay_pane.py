"""The replay of a request log through the plan on show, under the plan: the gateway model
(`advisor.replay.replay_model`, as `advisor replay` runs by default) in a worker with its
progress, then the same tables `advisor replay` prints, simulated label and all."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import ProgressBar, Static

from advisor.plan.model import Plan
from advisor.present.replay import replay_tables
from advisor.replay.assign import assign_logs
from advisor.replay.run import Measures, ReplayReport, replay_model
from advisor.tui.dialogs.path_complete import shown
from advisor.workload.model import Workload
from catalog.errors import AdvisorError

SEED = 0
"""The replay's random draws are fixed, as `advisor replay`'s default --seed: the same log
through the same plan reads the same every time."""
PROGRESS_EVERY_S = 0.1
"""How often the worker tells the screen how far it got: often enough to watch, rarely
enough not to flood the UI thread on a long log."""


@dataclass(frozen=True)
class ReplayJob:
    """What to replay: the logs, through which plan, planned from which workloads."""

    logs: tuple[Path, ...]
    workloads: tuple[Workload, ...]
    plan: Plan
    label: str
    """The plan as the report names it: its file and the figures it rests on."""
    measures: Measures = None


def run_job(job: ReplayJob, progress: Callable[[int, int], None] | None = None) -> ReplayReport:
    """Read the logs, assign their requests to the workloads, replay them: off the UI thread."""
    traffic = assign_logs(job.logs, job.workloads, job.label)
    return replay_model(
        traffic, job.plan, job.label, measures=job.measures, seed=SEED, progress=progress
    )


class ReplayPane(VerticalScroll):
    """Hidden until a replay starts; then its progress, then its report (or why it failed)."""

    DEFAULT_CSS = """
    ReplayPane { display: none; padding: 0 1; }
    ReplayPane.-shown { display: block; }
    ReplayPane #replay-progress { display: none; height: 1; }
    ReplayPane.-running #replay-progress { display: block; }
    """

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.report: ReplayReport | None = None
        """The last replay's report, once done."""
        self.job: ReplayJob | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="replay-status", markup=False)
        yield ProgressBar(id="replay-progress", show_eta=False)
        yield Static(id="replay-result")

    def start(self, job: ReplayJob) -> None:
        """Replay `job` in a worker; a replay already running is cancelled."""
        self.job, self.report = job, None
        self.add_class("-shown", "-running")
        names = ", ".join(shown(p) for p in job.logs)
        self.query_one("#replay-status", Static).update(
            Text(f"replaying {names} through the plan (gateway model)…", style="bold")
        )
        self.query_one("#replay-result", Static).update("")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self._run(job)

    @work(exclusive=True, group="replay", exit_on_error=False)
    async def _run(self, job: ReplayJob) -> None:
        bar = self.query_one(ProgressBar)
        told = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done == total or now - told[0] >= PROGRESS_EVERY_S:
                told[0] = now
                self.app.call_from_thread(bar.update, total=total, progress=done)

        try:
            report = await asyncio.to_thread(run_job, job, progress)
        except AdvisorError as error:
            self.remove_class("-running")
            self.query_one("#replay-status", Static).update(
                Text("\n".join(["Cannot replay:", *error.lines()]), style="red")
            )
            return
        self.show(report)

    def show(self, report: ReplayReport) -> None:
        """Show a finished replay: `advisor replay`'s tables, under the logs it replayed."""
        self.report = report
        self.remove_class("-running")
        logs = ", ".join(shown(p) for p in self.job.logs) if self.job else ""
        self.query_one("#replay-status", Static).update(
            Text.assemble(
                (f"Replay of {logs}", "bold"), f" (seed {SEED}) · l again · Esc back to the plan"
            )
        )
        self.query_one("#replay-result", Static).update(Group(*replay_tables([report])))
        self.focus()  # ↑↓ (or j k) and PgUp PgDn read on; Esc goes back to the plan's table

    def action_cursor_down(self) -> None:
        """`j` scrolls, as it moves in the screen's tables."""
        self.scroll_down()

    def action_cursor_up(self) -> None:
        self.scroll_up()


def replay_label(path: Path | None, plan: Plan) -> str:
    """The plan as `advisor replay` names it: its workload file and what its figures are."""
    return f"{shown(path) if path else 'unsaved workloads'} ({plan.figures_label})"
