"""Workload templates: one per task kind, each valid and each matching real offerings."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.match.matching import match
from advisor.workload.model import Task
from advisor.workload.templates import TASKS, TEMPLATES, from_template
from catalog import BUNDLED_DIR, Catalog, load_catalog

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog([BUNDLED_DIR])


def test_there_is_one_template_per_task_kind() -> None:
    assert tuple(TEMPLATES) == TASKS
    assert len(TASKS) == 8
    assert all(template.task == task for task, template in TEMPLATES.items())


@pytest.mark.parametrize("task", TASKS)
def test_each_template_validates_and_matches_a_bundled_offering(
    task: Task, bundled: Catalog
) -> None:
    workload = from_template(task, f"new-{task}")
    assert workload.name == f"new-{task}" and workload.task == task
    result = match(workload, bundled, today=TODAY)
    assert result.candidates, f"the {task} template matches nothing"


def test_templates_pre_fill_what_the_task_implies() -> None:
    classifier = from_template("classification", "c")
    assert classifier.determinism == "strict"
    assert classifier.structured_output == "json_schema"
    assert classifier.output_tokens <= 50
    assert from_template("vision", "v").modalities == ["text", "image"]
    assert from_template("agent", "a").tool_calling is True
    assert from_template("creative", "w").determinism == "any"


def test_templates_leave_budgets_volume_and_providers_to_the_user() -> None:
    for task in TASKS:
        workload = from_template(task, "x")
        assert workload.budget.usd_per_1k_requests is None
        assert workload.budget.usd_per_month is None
        assert workload.volume.requests_per_day is None
        assert workload.providers.allow == [] and workload.providers.deny == []
