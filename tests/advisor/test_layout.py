"""The one table layout rule (`advisor.columns`) and the CLI tables laid out by it."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console, RenderableType

from advisor import home
from advisor.columns import Column, fit, legend, short_key
from advisor.match.matching import match
from advisor.present.catalog import offerings_table
from advisor.present.layout import laid_out
from advisor.present.match import candidates_table
from advisor.present.runs import shifts_table
from advisor.workload.model import load_workloads
from catalog import Catalog
from probes.compare import Shift

EXAMPLES = Path(__file__).parents[2] / "examples" / "workloads.yaml"
LONG = "openrouter/mistralai/mistral-small-3.2-24b-instruct"


def text(renderable: RenderableType, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


COLUMNS = (Column("offering", key=True), Column("a", right=True), Column("b", right=True))


def test_columns_without_data_are_hidden() -> None:
    layout = fit(COLUMNS, [["x/y", "1", None], ["x/z", None, None]], 80)
    assert layout.shown == [0, 1]


def test_keys_are_shortened_by_their_provider_then_become_records() -> None:
    rows = [[LONG, "12345", "12345"]]
    assert not fit(COLUMNS, rows, len(LONG) + 14).short_keys
    shortened = fit(COLUMNS, rows, len(LONG) + 10)
    assert shortened.short_keys and not shortened.records
    assert shortened.key(LONG) == "or/mistralai/mistral-small-3.2-24b-instruct"
    assert fit(COLUMNS, rows, 30).records


def test_short_keys_can_be_read_back() -> None:
    assert short_key("anthropic/claude-haiku-5-5") == "ant/claude-haiku-5-5"
    assert short_key("newcomer/model") == "newcomer/model"
    assert legend([LONG, "anthropic/x", "newcomer/y"]) == "or = openrouter · ant = anthropic"


def test_records_keep_every_key_whole() -> None:
    key = "provider/some-model-name"
    rendered = text(laid_out(COLUMNS, [[key, "1", "2"], ["a/b", "3", None]], 28), 28)
    lines = rendered.splitlines()
    assert lines[0].strip() == key
    assert lines[1].split() == ["a", "1", "·", "b", "2"]
    assert lines[2].strip() == "a/b"
    assert lines[3].split() == ["a", "3"]


def test_catalog_show_never_splits_a_key(tiny_catalog: Catalog) -> None:
    offerings = tiny_catalog.offerings
    for width in (60, 80, 100, 160):
        rendered = text(offerings_table(offerings, width), width)
        for o in offerings:
            assert o.key in rendered, (width, o.key)
    wide = text(offerings_table(offerings, 120), 120)
    assert wide.splitlines()[0].split()[:7] == [
        "offering",
        "ctx",
        "out",
        "$in",
        "$out",
        "inputs",
        "status",
    ]


def test_match_names_every_offering_at_80_columns() -> None:
    bundled_catalog = home.load_catalog([])
    for workload in load_workloads(EXAMPLES):
        result = match(workload, bundled_catalog)
        for width in (80, 160):
            rendered = text(candidates_table(result, 5, width), width)
            for c in result.candidates[:5]:
                assert c.offering.key in rendered or short_key(c.offering.key) in rendered
            assert "needs probe: " in rendered or all(not c.flags for c in result.candidates[:5])


def test_history_compare_keeps_metric_names_whole() -> None:
    shifts = [
        Shift("billing", LONG, "correctness", metric, 0.5, 0.6, "share")
        for metric in ("load_correct_share", "load_valid_share")
    ]
    for width in (60, 80):
        rendered = text(shifts_table(shifts, 3, 7, width), width)
        assert "correctness.load_correct_share" in rendered
        assert "correctness.load_valid_share" in rendered
