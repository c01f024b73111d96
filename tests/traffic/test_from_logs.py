"""`advisor workload from-logs`: each fixture format gives a workload file that loads and
matches, and no planted secret or e-mail address reaches it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.match.matching import match
from advisor.workload.model import load_workloads
from catalog import Catalog
from catalog.redact import KEY_SHAPES

DATA = Path(__file__).parent / "data"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("log", "names"),
    [
        ("openai.jsonl", ["support-bot", "invoice-extract"]),
        ("litellm_spend_logs.json", ["chat-default", "classify"]),
        ("otel_spans.jsonl", ["gpt-4o", "claude-3-5-haiku-latest"]),
    ],
)
def test_each_format_gives_a_workload_file_that_loads_and_matches(
    tmp_path: Path, tiny_catalog: Catalog, log: str, names: list[str]
) -> None:
    out = tmp_path / "derived.yaml"
    code, stdout, err = invoke("workload", "from-logs", str(DATA / log), "--out", str(out))
    assert (code, err) == (0, "")
    assert stdout.startswith(f"wrote {out}: {len(names)} workloads from")
    workloads = load_workloads(out)
    assert [w.name for w in workloads] == names
    for workload in workloads:
        result = match(workload, tiny_catalog)
        assert result.workload == workload
    code, stdout, _ = invoke("match", str(out))
    assert code == 0 and all(name in stdout for name in names)


def test_the_file_says_where_each_number_came_from(tmp_path: Path) -> None:
    code, text, _ = invoke("workload", "from-logs", str(DATA / "openai.jsonl"))
    assert code == 0
    assert "# Workloads derived from 7 requests in openai.jsonl, one per route" in text
    for line in (
        "context_tokens: 52 # p50 of 4 requests in openai.jsonl; p95 820 (1 of 4 estimated",
        "max_context_tokens: 120000 # max of 3 requests in openai.jsonl",
        "structured_output: json_mode # 100% of 3 requests in openai.jsonl ask for JSON",
        "tool_calling: true # 33% of 3 requests in openai.jsonl offer tools",
    ):
        assert re.sub(" +#", " #", line) in re.sub(" +#", " #", text), line
    assert "# errors: 25% of 4" in text
    support = next(w for w in load_workloads(_save(tmp_path, text)) if w.name == "support-bot")
    assert support.modalities == ["text", "image"]
    assert support.system_prompt == "You are the support assistant of Acme. Answer briefly."
    assert support.volume.peak_rps == pytest.approx(2 / 60, abs=1e-3)  # two in 09:00


def test_missing_counts_are_estimated_and_said_so() -> None:
    code, text, _ = invoke("workload", "from-logs", str(DATA / "openai_no_usage.jsonl"))
    assert code == 0
    assert "2 of 2 estimated from text at 4 characters a token" in text


def test_clusters_by_system_prompt_and_by_model(tmp_path: Path) -> None:
    logs = [str(DATA / name) for name in ("openai.jsonl", "otel_spans.jsonl")]
    code, text, _ = invoke("workload", "from-logs", *logs, "--by", "system-prompt")
    assert code == 0
    names = [w.name for w in load_workloads(_save(tmp_path, text))]
    assert names[:2] == [
        "you-are-the-support-assistant-of-acme",
        "extract-the-invoice-fields-as-json",
    ]
    code, text, _ = invoke("workload", "from-logs", *logs, "--by", "model")
    assert code == 0
    names = [w.name for w in load_workloads(_save(tmp_path, text))]
    assert "gpt-4o-mini-2024-07-18" in names and "gpt-4o-2024-08-06" in names


PLANTED = [
    "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "AKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJIUzI1NiJ9abcdefghijklmnop",
    "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123",
    "sk-ant-api03-ZYXWVUTSRQPONMLKJIHGFEDCBA987654",
    "abcdefghijklmnopqrstuvwxyz012345",
    "AKIAABCDEFGHIJKLMNOP",
    "Zx81Lq0PmW77",
    "4111 1111 1111 1111",
    "10.20.30.40",
    "+44 20 7946 0958",
    "jane.doe@example.com",
    "billing@globex.example",
    "bob@example.org",
    "carol@example.net",
    "dave@example.com",
    "erin@example.org",
]


def test_every_planted_secret_and_address_is_redacted(tmp_path: Path) -> None:
    """The fixtures plant keys, tokens and addresses in prompts; none reaches the file."""
    logs = sorted(str(p) for p in DATA.glob("*.js*"))
    raw = "".join(Path(log).read_text() for log in logs)
    assert all(secret in raw for secret in PLANTED)  # the test can fail
    for by in ("route", "system-prompt", "model"):
        code, text, _ = invoke("workload", "from-logs", *logs, "--by", by, "--samples", "50")
        assert code == 0
        for secret in PLANTED:
            assert secret not in text, (by, secret)
        assert not KEY_SHAPES.search(text)
        assert not EMAIL.search(text)
        assert "[redacted key]" in text and "[redacted email]" in text


def test_system_prompts_named_as_clusters_are_redacted_too(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    prompt = "Escalate to ops@example.com with key sk-live-0123456789abcdefghijklmn now"
    line = {
        "model": "a",
        "messages": [{"role": "system", "content": prompt}, {"role": "user", "content": "hi"}],
    }
    log.write_text(json.dumps(line) + "\n")
    code, text, _ = invoke("workload", "from-logs", str(log), "--by", "system-prompt")
    assert code == 0
    assert "ops@example.com" not in text and "sk-live" not in text
    assert "name: escalate-to-redacted-email-with-key" in text
    assert load_workloads(_save(tmp_path, text))


def test_user_rules_extend_the_built_in_ones(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  invoice-number: 'Invoice \\d+'\n")
    code, stdout, _ = invoke("workload", "redact-rules", "--redact-rules", str(rules))
    assert code == 0
    assert stdout.splitlines()[-1].split() == ["invoice-number", str(rules), "Invoice", "\\d+"]
    code, text, _ = invoke(
        "workload", "from-logs", str(DATA / "openai.jsonl"), "--redact-rules", str(rules)
    )
    assert code == 0
    assert "Invoice 2291" not in text and "[redacted invoice-number] from Globex" in text


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("rules:\n  ok: 'a'\n  bad: '(unclosed'\n", ":3:"),
        ("rules:\n  email: 'x'\n", ":2:"),
        ("rules:\n  empty: 'a*'\n", ":2:"),
        ("- a\n", ":1:"),
    ],
)
def test_bad_rules_name_their_line(tmp_path: Path, body: str, where: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(body)
    code, _, err = invoke("workload", "redact-rules", "--redact-rules", str(rules))
    assert code == 2
    assert f"{rules}{where}" in err and "Traceback" not in err


def test_a_bad_log_is_one_message_and_exit_2(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"model": "a", "messages": []}\n{"model": "a", "messages": 3}\n')
    code, stdout, err = invoke("workload", "from-logs", str(log))
    assert code == 2 and stdout == ""
    assert err == f"advisor: bad log: {log}:2: messages: expected a list of message objects\n"


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "w.yaml"
    out.write_text("keep")
    code, _, err = invoke("workload", "from-logs", str(DATA / "openai.jsonl"), "--out", str(out))
    assert code == 2 and "--force" in err and out.read_text() == "keep"
    args = ("workload", "from-logs", str(DATA / "openai.jsonl"), "--out", str(out), "--force")
    assert invoke(*args)[0] == 0
    assert load_workloads(out)


def test_an_empty_log_says_so(tmp_path: Path) -> None:
    log = tmp_path / "empty.jsonl"
    log.write_text("\n")
    code, _, err = invoke("workload", "from-logs", str(log))
    assert code == 2 and "no requests" in err


def _save(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "w.yaml"
    path.write_text(text)
    return path


def test_fixture_logs_are_valid_json() -> None:
    for path in DATA.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            json.loads(line)
