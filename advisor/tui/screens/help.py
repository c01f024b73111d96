"""The help screen: keys of every screen, and the search syntax."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Model Advisor

**Anywhere**

- `F1` or `?` this help · `Ctrl+Q` or `q` quit · `Ctrl+P` commands: run probes, re-plan,
  export, next workload, screens, open, save as
- `F2` Catalog · `F3` Workloads · `F4` Candidates · `F5` Probes · `F6` Plan · `F7` Traffic
- `Ctrl+O` open a workload file · `Ctrl+S` save the workloads; in a file dialog `Tab`
  completes the path, `↓` goes to the folder's entries, `Enter` goes into a folder
- `Esc` back to the table; closes this help and dialogs
- `z` maximise or restore the focused pane (on Probes: the results)
- `j`/`k` move down and up, as the arrow keys do

**Catalog**: `/` search · `s` sort by the next column

**Workloads**

- `n` new workload from a template (one per task kind) · `d` delete
- `Enter` edit the highlighted one; `Tab` moves between fields

Each edit is checked as you type: a wrong value shows its message under the
field and is not applied, so the workload changes only when every field is
valid. Numbers take `8k`, `1.5m`, `200,000`; a blank budget means none.

**Candidates**

- `[` `]` previous, next workload · `e` Candidates ⇄ Excluded
- `Enter` every reason and trait of the highlighted offering
- `Space` pin or unpin a candidate for probing (●)
- `c` mark or unmark a candidate (◆) · `v` compare the 2 to 4 marked

**Probes** (the selected workload's pinned candidates, else its top 3)

- check probe kinds, pick simulator or live, set the cap and the latency load: requests,
  in flight at once, or an open-loop rate (blank: closed loop) with Poisson arrivals
- `r` run (refused when the worst case exceeds the cap) · `c` or `Esc` cancel
- `s` Run ⇄ Samples (the latest run's sample outputs side by side) · `h` Run ⇄ History
- `[` `]` previous, next workload

**Plan** (on the newest complete probe run of the file, else catalog figures)

- `[` `]` previous, next workload · `e` Plan ⇄ Export
- `Shift+↑` `Shift+↓` (or `K` `J`) move the highlighted fallback · `x` drop it
- `u` undo · `r` re-plan the workload (dropped fallbacks come back)
- `c` canary weight (0 to below 1; `Enter` applies, 0 removes it)
- `v` verifier · `d` degraded last resort
- `l` replay a request log through the plan as edited (the gateway model, seeded): who
  served, fallback share, errors, latency and monthly cost, under the plan
- Export: `f` next format · `w` write the file (asks before replacing one)

**Traffic** (workloads derived from a request log)

- `o` open a log (OpenAI JSONL, LiteLLM spend logs, OTLP JSON) · `b` cluster by route,
  system prompt or model · `s` save the workloads as a file; then `F6`, `l` replays the log

**Search** (Catalog)

Words must all appear in an offering's key, name, model, family or aliases.
Filters narrow further; prefix one with `-` to exclude:

- `provider:openai` `status:active` `status:deprecated`
- `input:image` (an input modality: text, image, audio, video, pdf)
- `ctx:128k` (a context window of at least 128,000 tokens; `1m` = 1,000,000)
- `free` (free variants), `open` (open weights)

`?` marks a value no source gives: it is unknown, never assumed.
"""


class HelpScreen(ModalScreen[None]):
    """Keys and search syntax, over the current screen."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
