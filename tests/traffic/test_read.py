"""The three log readers on hand-written fixtures (see data/README.md), and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.traffic import jsonstream
from advisor.traffic.read import read_logs, read_records
from advisor.traffic.records import LogError

DATA = Path(__file__).parent / "data"


def test_openai_lines_give_routes_models_usage_and_flags() -> None:
    requests = list(read_logs([DATA / "openai.jsonl"]))
    assert len(requests) == 7
    first = requests[0]
    assert first.source.endswith("openai.jsonl:1")
    assert (first.route, first.model) == ("support-bot", "gpt-4o-mini-2024-07-18")
    assert (first.input_tokens, first.output_tokens) == (38, 12)
    assert first.latency_s == pytest.approx(0.82)
    assert first.ttft_s == pytest.approx(0.21)
    assert first.at == pytest.approx(1_793_610_005.0)
    assert first.system_prompt == "You are the support assistant of Acme. Answer briefly."
    assert first.cost_usd == pytest.approx(0.00041)
    assert [r.images for r in requests] == [False, False, True, False, False, False, False]
    assert [r.structured for r in requests] == [False] * 4 + [True] * 3
    assert [r.tools for r in requests] == [False] * 6 + [True]
    failed = requests[3]
    assert (failed.status, failed.model, failed.input_tokens) == (429, None, None)


def test_openai_lines_without_usage_are_estimated_from_text() -> None:
    reads = list(read_records([DATA / "openai_no_usage.jsonl"]))
    assert [r.request.input_tokens for r in reads] == [None, None]
    assert reads[0].output_estimate is None  # no answer at all
    answer = "Budget approved; two hires; retro Friday."
    assert reads[1].output_estimate == -(-len(answer) // 4)
    assert reads[1].request.status == 200  # the Batch API's status_code


def test_litellm_spend_logs_array_is_read_row_by_row() -> None:
    requests = list(read_logs([DATA / "litellm_spend_logs.json"]))
    assert [r.route for r in requests] == ["chat-default"] * 3 + ["classify"]
    first = requests[0]
    assert first.model == "gpt-4o-mini"
    assert first.latency_s == pytest.approx(0.9)
    assert first.ttft_s == pytest.approx(0.28)
    assert first.cost_usd == pytest.approx(0.000315)
    assert first.source.endswith("litellm_spend_logs.json:2")
    assert requests[1].messages == ()  # prompts not stored: the proxy's default
    assert requests[1].latency_s == pytest.approx(1.8)
    failed = requests[2]
    assert failed.status == 429  # metadata.error_information.error_code
    assert (failed.input_tokens, failed.output_tokens) == (None, None)
    assert requests[3].structured


def test_otel_spans_skip_embeddings_and_tool_runs() -> None:
    reads = list(read_records([DATA / "otel_spans.jsonl"]))
    requests = [r.request for r in reads]
    assert [r.route for r in requests] == ["gpt-4o", "gpt-4o", "claude-3-5-haiku-latest", "gpt-4o"]
    first, second, third, older = requests
    assert first.model == "gpt-4o-2024-08-06"
    assert (first.input_tokens, first.output_tokens) == (1200, 310)
    assert first.latency_s == pytest.approx(1.5)
    assert first.at == pytest.approx(1_793_710_800.0)
    assert first.structured and not first.tools and not first.images
    assert first.system_prompt == "Triage incoming tickets into JSON."
    assert second.tools and second.images
    assert third.model == "claude-3-5-haiku-latest" and third.status is None
    # conventions before 1.27: prompt_tokens, flattened messages, no output count
    assert (older.input_tokens, older.output_tokens) == (75, None)
    assert older.system_prompt == "Triage incoming tickets into JSON."
    assert [m["role"] for m in older.messages] == ["system", "user"]
    assert reads[3].output_estimate == -(-len('{"queue": "facilities"}') // 4)


def test_format_can_be_named(tmp_path: Path) -> None:
    assert len(list(read_logs([DATA / "otel_spans.jsonl"], "otel"))) == 4
    with pytest.raises(LogError) as caught:
        list(read_logs([DATA / "otel_spans.jsonl"], "openai"))
    assert "messages" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ('{"model": "a", "messages": []}\n{"model": "a", "messages": [}\n', 2, "json"),
        ('{"model": "a", "messages": "hi"}\n', 1, "messages"),
        (
            '{"request": {"model": "a", "messages": []}, "response": {"usage": {"prompt_tokens": -3}}}\n',
            1,
            "response.usage.prompt_tokens",
        ),
        ('{"timestamp": "yesterday", "model": "a", "messages": []}\n', 1, "timestamp"),
        ('{"hello": 1}\n', 1, "format"),
        (
            '[{"request_id": "x", "startTime": "2026-01-01T00:00:00Z", "status": "odd"}]',
            1,
            "status",
        ),
        (
            '[\n{"request_id": "x", "startTime": "2026-01-01T00:00:00Z"},\n{"request_id": ]',
            3,
            "json",
        ),
        ("[]\n[]\n", 2, "json"),
    ],
)
def test_bad_lines_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(LogError) as caught:
        list(read_logs([path]))
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), line, field)
    assert error.exit_status == 2
    assert str(error).startswith(f"{path}:{line}: {field}: ")


def test_an_array_is_decoded_across_small_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Elements and numbers cut at every chunk boundary decode as `json.load` reads them."""
    rows = [
        {"request_id": f"r{i}", "startTime": 1_700_000_000 + i, "spend": i * 0.125, "n": [i] * i}
        for i in range(40)
    ]
    path = tmp_path / "spend.json"
    path.write_text(json.dumps(rows, indent=1))
    monkeypatch.setattr(jsonstream, "CHUNK_CHARS", 7)
    values = [value for _, value in jsonstream.iter_values(path)]
    assert values == json.loads(path.read_text())
    lines = [line for line, _ in jsonstream.iter_values(path)]
    text = path.read_text().splitlines()
    assert all(text[n - 1].strip().startswith("{") for n in lines)


def test_a_pretty_printed_export_is_one_document(tmp_path: Path) -> None:
    export = json.loads((DATA / "otel_spans.jsonl").read_text().splitlines()[0])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, indent=2))
    assert [r.route for r in read_logs([path])] == ["gpt-4o"]


def test_spend_log_rows_one_per_line_read_as_the_array(tmp_path: Path) -> None:
    rows = json.loads((DATA / "litellm_spend_logs.json").read_text())
    path = tmp_path / "spend.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    as_lines = [r.route for r in read_logs([path])]
    assert as_lines == [r.route for r in read_logs([DATA / "litellm_spend_logs.json"])]
    assert [r.source for r in read_logs([path])][-1] == f"{path}:4"
