"""The help screen: keys and the search syntax."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Model Advisor

**Keys**

| key | does |
|---|---|
| `F1` | this help |
| `F2` | the Catalog screen |
| `Ctrl+P` | command palette |
| `/` | search the catalog |
| `Esc` | leave the search box, close this help |
| `s` | sort by the next column |
| `z` | maximise or restore the focused pane |
| `Ctrl+Q` | quit |

**Search**

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
