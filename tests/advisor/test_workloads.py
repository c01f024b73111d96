"""The workload file: the example loads unchanged, defaults stay lenient, bad input is pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.workload.model import Workload, load_workloads
from catalog import InputError
from catalog.problems import Problem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "workloads.yaml"
DATA = Path(__file__).resolve().parents[1] / "data" / "workloads"


def test_example_file_is_the_shared_one_unchanged() -> None:
    shared = ROOT.parent / "shared" / "examples" / "workloads.yaml"
    if shared.exists():  # beside the project on developer machines and CI
        assert EXAMPLE.read_bytes() == shared.read_bytes()


def test_example_loads() -> None:
    workloads = load_workloads(EXAMPLE)
    assert [w.name for w in workloads] == [
        "billing-classifier",
        "support-chat",
        "brainstorm",
        "invoice-extraction",
        "nightly-digest",
    ]
    billing = workloads[0]
    assert billing.output_schema is not None and len(billing.sample_list) == 4
    assert workloads[4].largest_input == 900_000


def test_defaults_never_become_strict_requirements() -> None:
    w = Workload(name="minimal")
    assert w.determinism == "any" and w.structured_output == "none"
    assert not w.tool_calling and not w.open_weights and not w.data.zero_retention
    assert w.modalities == ["text"]
    assert w.budget.usd_per_1k_requests is None and w.latency.ttft_p95_ms is None
    assert w.providers.allow == [] and w.largest_input == w.context_tokens


def test_paths_are_relative_to_the_file() -> None:
    (w,) = load_workloads(DATA / "with-paths.yaml")
    assert w.output_schema == {
        "type": "object",
        "properties": {"label": {"enum": ["a", "b"]}},
        "required": ["label"],
    }
    assert [s.prompt for s in w.sample_list] == ["first", None]


def problems(tmp_path: Path, text: str, name: str = "w.yaml") -> list[Problem]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_workloads(path)
    return caught.value.problems


def where(p: Problem) -> tuple[int, int, str]:
    return p.line, p.col, p.field


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("  - name: a\n    colour: red\n", (3, 5, "workloads[0].colour")),
        ("  - name: a\n    output_tokens: many\n", (3, 20, "workloads[0].output_tokens")),
        (
            "  - name: a\n    budget: {usd_per_month: -5}\n",
            (3, 29, "workloads[0].budget.usd_per_month"),
        ),
        ("  - name: a\n    modalities: [text, smell]\n", (3, 24, "workloads[0].modalities[1]")),
        ("  - name: A b\n", (2, 11, "workloads[0].name")),
        ("  - task: chat\n", (2, 5, "workloads[0].name")),
    ],
)
def test_bad_values_are_pinned(tmp_path: Path, body: str, expected: tuple[int, int, str]) -> None:
    (problem,) = problems(tmp_path, "workloads:\n" + body)
    assert where(problem) == expected


def test_duplicate_names(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "workloads:\n  - name: a\n  - name: a\n")
    assert where(problem) == (3, 11, "workloads[1].name")
    assert "duplicate" in problem.message


def test_max_context_below_typical(tmp_path: Path) -> None:
    (problem,) = problems(
        tmp_path, "workloads:\n  - name: a\n    context_tokens: 10\n    max_context_tokens: 5\n"
    )
    assert problem.field == "workloads[0]" and "below context_tokens" in problem.message


def test_response_schema_must_be_a_json_schema(tmp_path: Path) -> None:
    text = "workloads:\n  - name: a\n    response_schema: {type: objekt}\n"
    (problem,) = problems(tmp_path, text)
    assert where(problem)[:2] == (3, 29) and "not a valid JSON Schema" in problem.message


def test_expected_answers_must_satisfy_the_schema(tmp_path: Path) -> None:
    text = (
        "workloads:\n  - name: a\n    response_schema: {type: object, required: [label]}\n"
        "    samples:\n      - prompt: hi\n        expected: {tag: x}\n"
    )
    (problem,) = problems(tmp_path, text)
    assert where(problem) == (6, 19, "workloads[0].samples[0].expected")


def test_sample_needs_prompt_or_messages(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "workloads:\n  - name: a\n    samples:\n      - expected: 1\n")
    assert problem.field == "workloads[0].samples[0]"
    assert "prompt or messages" in problem.message


def test_samples_file_problems_point_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "s.jsonl").write_text(
        '{"prompt": "ok"}\n{"prompt": 3}\nnot json\n', encoding="utf-8"
    )
    found = problems(tmp_path, "workloads:\n  - name: a\n    samples: s.jsonl\n")
    assert [(Path(p.path).name, p.line) for p in found] == [("s.jsonl", 2), ("s.jsonl", 3)]


def test_missing_schema_file(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "workloads:\n  - name: a\n    response_schema: nope.json\n")
    assert where(problem)[:2] == (3, 22) and "cannot read" in problem.message


def test_empty_file(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "")
    assert problem.message.startswith("expected a mapping")


def test_json_schema_accepts_the_example_and_rejects_unknown_keys() -> None:
    import jsonschema
    import yaml

    from advisor.workload.model import workloads_schema

    schema = workloads_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    assert not validator.is_valid({"workloads": [{"name": "a", "colour": "red"}]})
