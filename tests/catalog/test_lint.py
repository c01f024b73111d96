"""Lint finds every problem planted in a fixture catalog, once, at the value it is about.

Each planted line in `data/lint/planted.yaml` ends with `# lint: KIND`; nothing else in the
file is wrong, so the findings must be exactly one per marker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from catalog import Problem, load_catalog
from catalog.importers import read_snapshot
from catalog.lint import LintConfig, lint_catalog

DATA = Path(__file__).parent / "data" / "lint"
PLANTED = DATA / "planted.yaml"
REFERENCE = DATA / "litellm_reference.json"
TODAY = dt.date(2026, 11, 25)

EXPECTED = {
    "stale": ("warning", "days ago, over 90"),
    "future": ("warning", "in the future"),
    "output": ("warning", "equals the context window"),
    "disagreement": ("warning", "2 here but 3 in litellm"),
    "ceiling": ("warning", "above the output ceiling of 600"),
    "no-successor": ("warning", "deprecated with no successor"),
    "retired-successor": ("warning", "successor lintco/gone is retired itself"),
    "retired-ahead": ("warning", "status is retired but the shutdown date 2027-02-01 is still"),
    "provenance": ("warning", "lifecycle without a source"),
}


def markers() -> dict[int, str]:
    """Line number → planted kind."""
    lines = PLANTED.read_text(encoding="utf-8").splitlines()
    return {
        number: found[1]
        for number, line in enumerate(lines, start=1)
        if (found := re.search(r"# lint: ([a-z-]+)$", line))
    }


def lint(**options: object) -> list[Problem]:
    reference = read_snapshot("litellm", REFERENCE, imported=TODAY)
    config = dataclasses.replace(LintConfig(today=TODAY), **options)  # type: ignore[arg-type]
    return lint_catalog(load_catalog([DATA]), config, [reference])


def test_every_planted_problem_is_found_once_on_its_line() -> None:
    planted = markers()
    assert sorted(planted.values()) == sorted(EXPECTED)
    problems = lint()
    assert sorted(p.line for p in problems) == sorted(planted)
    for problem in problems:
        severity, words = EXPECTED[planted[problem.line]]
        assert problem.severity == severity, problem
        assert words in problem.message, problem
        assert problem.path == str(PLANTED)


def test_each_problem_points_at_the_value() -> None:
    lines = PLANTED.read_text(encoding="utf-8").splitlines()
    at = {markers()[p.line]: lines[p.line - 1][p.col - 1 :] for p in lint()}
    assert at["stale"].startswith("2026-01-01")
    assert at["output"].startswith("65536")
    assert at["disagreement"].startswith("2  #")
    assert at["retired-successor"].startswith("lintco/gone")
    assert at["provenance"].startswith("{status: preview")


def test_thresholds_are_configurable() -> None:
    kinds = {markers().get(p.line) for p in lint(max_age_days=400, disagreement=0.5)}
    assert "stale" not in kinds and "disagreement" not in kinds
    strict = lint(disagreement=0.01)  # 'sound' is 5 % off its reference price
    assert any(p.field == "offerings[0].pricing.input" for p in strict)


def test_without_a_reference_there_is_no_disagreement() -> None:
    problems = lint_catalog(load_catalog([DATA]), LintConfig(today=TODAY))
    assert "disagreement" not in {markers().get(p.line) for p in problems}
    assert len(problems) == len(EXPECTED) - 1


@pytest.mark.parametrize("days", [-1, 0])
def test_the_shutdown_date_is_judged_by_the_given_day(days: int) -> None:
    day = dt.date(2027, 2, 1) + dt.timedelta(days=days)
    problems = lint_catalog(load_catalog([DATA]), LintConfig(today=day))
    early = [p for p in problems if "retired-early" in p.field or "still ahead" in p.message]
    assert len(early) == (1 if days < 0 else 0)
    assert not [p for p in problems if p.severity == "error"]


def test_a_status_left_as_written_before_the_shutdown_is_no_finding() -> None:
    """The status is derived from the dates: a stored `deprecated` past its shutdown is
    retired on the lint day, not a contradiction to fix by hand."""
    shut = [p for p in lint() if "offerings[9]" in p.field]
    assert shut == []
