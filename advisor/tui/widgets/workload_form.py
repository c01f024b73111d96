"""The workload editor: one input per field, validated as the user types.

Every change is judged at once by the Workload model. A message appears under each field that
is wrong, and the workload is offered to the screen (`Edited`) only when all of it is valid,
so a half-typed value never reaches the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from advisor.tui.form_fields import (
    FIELDS,
    MODALITIES,
    FieldSpec,
    build,
    format_value,
    parse_list,
    parse_number,
    value_at,
)
from advisor.tui.widgets.toggles import StateCheckbox
from advisor.workload.model import Workload


class WorkloadForm(Vertical):
    """Edits one workload; `load` fills it, `Edited` carries each valid change."""

    @dataclass
    class Edited(Message):
        """The form holds a valid workload that differs from the last one it offered."""

        workload: Workload
        generation: int
        """Which `load` the edit started from: an edit posted before the form was loaded
        with another workload is stale and must be dropped."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base: Workload | None = None
        self.generation = 0
        """Counts `load` calls."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-fields"):
            for spec in FIELDS:
                with Vertical(classes="field"):
                    with Horizontal(classes="field-row"):
                        yield Label(spec.label, classes="field-label")
                        yield _input(spec)
                    # Messages quote what was typed, '[' included: never markup.
                    yield Static(
                        "", classes="field-error", id=f"err-{spec.widget_id}", markup=False
                    )
        yield Static("", id="form-status")

    @property
    def workload(self) -> Workload | None:
        """The workload as last loaded, or as last offered in `Edited`."""
        return self._base

    def load(self, workload: Workload | None) -> None:
        """Show `workload` (None empties and disables the form), dropping unapplied edits."""
        self._base = workload
        self.generation += 1
        self.disabled = workload is None
        self.query_one("#form-fields").display = workload is not None
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            for spec in FIELDS:
                value = value_at(workload, spec.path) if workload is not None else None
                self._set(spec, value)
        self.show_errors({})
        self.set_status(
            "" if workload is not None else "No workload yet: n starts one from a template."
        )

    def focus_first(self) -> None:
        """Put the cursor in the name field."""
        self.query_one(f"#{FIELDS[0].widget_id}", Input).focus()

    def set_status(self, text: str | Text) -> None:
        """The line under the fields: what became of the last edit (a str is markup)."""
        self.query_one("#form-status", Static).update(text)

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Show each message under its field; '' holds those of no single field."""
        for spec in FIELDS:
            message = errors.get(spec.path, "")
            label = self.query_one(f"#err-{spec.widget_id}", Static)
            label.update(message)
            label.set_class(bool(message), "-shown")
        if errors:
            general = errors.get("", "")
            count = len(errors)
            self.set_status(
                Text.assemble(
                    ("✗ not applied", "bold red"),
                    f": {count} field{'s' if count > 1 else ''} to fix",
                    f" · {general}" if general else "",
                )
            )

    def values(self) -> dict[str, Any]:
        """What the fields hold, parsed: dotted path → value."""
        out: dict[str, Any] = {}
        for spec in FIELDS:
            if spec.kind == "modalities":
                out[spec.path] = [
                    m for m in MODALITIES if self.query_one(f"#m-{m}", Checkbox).value
                ]
            elif spec.kind == "bool":
                out[spec.path] = self.query_one(f"#{spec.widget_id}", Checkbox).value
            elif spec.kind == "select":
                out[spec.path] = self.query_one(f"#{spec.widget_id}", Select).value
            else:
                text = self.query_one(f"#{spec.widget_id}", Input).value
                if spec.kind == "list":
                    out[spec.path] = parse_list(text)
                elif spec.kind == "text":
                    out[spec.path] = text.strip()
                else:
                    out[spec.path] = parse_number(text, spec.kind)
        return out

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Message) -> None:
        event.stop()
        if self._base is None:
            return
        outcome = build(self._base, self.values())
        self.show_errors(outcome.errors)
        if outcome.workload is None:
            return
        if outcome.workload == self._base:
            self.set_status("")  # back to what the session holds: nothing left to fix
            return
        # Keystrokes arrive faster than the screen applies edits: the next edit builds on
        # this one, not on what the session holds yet.
        self._base = outcome.workload
        self.post_message(self.Edited(outcome.workload, self.generation))

    def _set(self, spec: FieldSpec, value: Any) -> None:
        if spec.kind == "modalities":
            for m in MODALITIES:
                self.query_one(f"#m-{m}", Checkbox).value = m in (value or [])
        elif spec.kind == "bool":
            self.query_one(f"#{spec.widget_id}", Checkbox).value = bool(value)
        elif spec.kind == "select":
            if value is not None:
                self.query_one(f"#{spec.widget_id}", Select).value = value
        else:
            self.query_one(f"#{spec.widget_id}", Input).value = format_value(spec, value)


def _input(spec: FieldSpec) -> Widget:
    """The input widget for one field."""
    if spec.kind == "select":
        return Select(
            [(option, option) for option in spec.options],
            allow_blank=False,
            compact=True,
            id=spec.widget_id,
        )
    if spec.kind == "bool":
        return StateCheckbox(spec.placeholder, compact=True, id=spec.widget_id)
    if spec.kind == "modalities":
        return Horizontal(
            *(StateCheckbox(m, compact=True, id=f"m-{m}") for m in MODALITIES),
            id=spec.widget_id,
            classes="modalities",
        )
    return Input(placeholder=spec.placeholder, compact=True, id=spec.widget_id)
