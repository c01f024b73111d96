"""Bad input, files and flags alike: one message with the file, line and column (or the
flag), exit status 2, no traceback, nothing read without bound, nothing created, no key
echoed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from catalog.files import SCHEMA_FILE_MAX, WORKLOAD_FILE_MAX
from catalog.redact import redact_keys

ROOT = Path(__file__).resolve().parents[2]
ACME = ROOT / "tests" / "data" / "catalog" / "acme.yaml"
EXAMPLES = ROOT / "examples" / "workloads.yaml"
KEY = "sk-proj-Zq8xv0Lr3TmWb7Yc2Nd5Kf9Hs1Jg4Pa6"

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def advisor(*args: str) -> subprocess.CompletedProcess[str]:
    """In a process of its own, with a generous bound: an expanding bomb fails the test
    instead of hanging the suite."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def workload_file(tmp_path: Path, body: str, name: str = "w.yaml") -> Path:
    path = tmp_path / name
    path.write_text("workloads:\n  - name: job\n" + body)
    return path


def test_alias_bomb_in_a_workload_file_is_refused_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + "workloads: *i\n")
    done = advisor("match", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{path}:1:4:" in done.stderr and "anchors and aliases" in done.stderr


def test_alias_bomb_in_a_catalog_overlay_is_refused_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "overlay.yaml"
    path.write_text(
        ACME.read_text() + "x-bomb:\n" + "".join("  " + line + "\n" for line in BOMB.splitlines())
    )
    done = advisor("--catalog", str(path), "catalog", "validate")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        f"{path}:" in done.stdout + done.stderr
        and "anchors and aliases" in done.stdout + done.stderr
    )


def test_samples_from_a_device_are_refused(tmp_path: Path) -> None:
    path = workload_file(tmp_path, "    samples: /dev/zero\n")
    code, _, err = invoke("match", str(path))
    assert code == 2 and "not a regular file" in err and f"{path}:3:" in err


def test_workload_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "w.yaml"
    os.mkfifo(fifo)
    code, _, err = invoke("match", str(fifo))
    assert code == 2 and "not a regular file" in err


def test_oversized_files_are_refused_with_their_limit(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    with schema.open("wb") as f:
        f.truncate(SCHEMA_FILE_MAX + 1)  # sparse: nothing is written
    path = workload_file(tmp_path, "    response_schema: schema.json\n")
    code, _, err = invoke("match", str(path))
    assert code == 2 and "over the 1.0 MB limit for a response schema" in err
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(WORKLOAD_FILE_MAX + 1)
    code, _, err = invoke("match", str(big))
    assert code == 2 and "limit for a workload file" in err


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("    latency: {ttft_p95_ms: .nan}\n", "latency.ttft_p95_ms"),
        ("    budget:\n      usd_per_month: .inf\n", "budget.usd_per_month"),
        ("    volume: {requests_per_day: 1e999}\n", "volume.requests_per_day"),
        ("    response_schema: {type: object, maximum: -.inf}\n", "response_schema.maximum"),
    ],
)
def test_nan_and_infinity_in_a_workload_file_are_refused(
    tmp_path: Path, body: str, where: str
) -> None:
    code, _, err = invoke("match", str(workload_file(tmp_path, body)))
    assert code == 2 and f"{where}: must be a finite number" in err


def test_nan_in_jsonl_samples_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.jsonl").write_text('{"prompt": "hi", "expected": NaN}\n')
    code, _, err = invoke("match", str(workload_file(tmp_path, "    samples: s.jsonl\n")))
    assert code == 2 and "s.jsonl:1:" in err and "NaN is not a finite number" in err


def test_infinite_price_in_a_catalog_overlay_is_refused(tmp_path: Path) -> None:
    overlay = tmp_path / "acme.yaml"
    overlay.write_text(ACME.read_text().replace("input: 3\n", "input: .inf\n", 1))
    code, out, err = invoke("--catalog", str(overlay), "catalog", "validate")
    assert code == 2 and "must be a finite number" in out + err


def test_context_window_past_the_ceiling_is_refused(tmp_path: Path) -> None:
    overlay = tmp_path / "acme.yaml"
    overlay.write_text(
        ACME.read_text().replace("context: 200000", "context: 1000000000000000000000000000000", 1)
    )
    code, out, err = invoke("--catalog", str(overlay), "catalog", "validate")
    assert code == 2 and "limits.context" in out + err


def test_all_zero_weights_are_refused(tmp_path: Path) -> None:
    body = (
        "    weights: {cost: 0, latency: 0, context: 0, task_fit: 0, lifecycle: 0, confidence: 0}\n"
    )
    code, _, err = invoke("match", str(workload_file(tmp_path, body)))
    assert code == 2 and "at least one weight must be above 0" in err


@pytest.mark.parametrize(
    "args",
    [
        ["probe", "--budget-usd", "nan"],
        ["probe", "--rate", "nan"],
        ["probe", "--timeout", "inf"],
        ["probe", "--stall-timeout", "nan"],
        ["plan", "--canary-weight", "nan"],
        ["run", "--budget-usd", "-inf"],
        ["match", "--horizon-days", "99999999999999"],
        ["probe", "--probes", ""],
        ["run", "--probes", ""],
        ["probe", "--probes", " , "],
    ],
)
def test_bad_flags_exit_2_with_one_line(args: list[str]) -> None:
    command, *flags = args
    code, _, err = invoke(command, str(EXAMPLES), *flags)
    assert code == 2, err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in err


def test_run_export_and_export_refuse_a_missing_folder_alike(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "deeper" / "x.yaml"
    code, _, err = invoke("run", str(EXAMPLES), "--export", f"litellm:{target}")
    assert code == 2 and "does not exist" in err
    code, _, err2 = invoke("export", str(EXAMPLES), "--format", "litellm", "-o", str(target))
    assert code == 2 and "does not exist" in err2
    assert not (tmp_path / "nowhere").exists()


def test_key_pasted_into_a_workload_file_is_never_echoed(tmp_path: Path) -> None:
    path = workload_file(
        tmp_path,
        f'    system_prompt: "use {KEY}"\n    samples:\n      - prompt: "{KEY}"\n        expected: "{KEY}"\n',
    )
    named = tmp_path / "named.yaml"
    named.write_text(f"workloads:\n  - name: {KEY.lower()}\n")
    for args in (
        ["match", str(path), "--json"],
        ["plan", str(path), "--json"],
        ["export", str(path), "--format", "report"],
        ["match", str(named)],
        ["match", str(named), "--json"],
    ):
        code, out, err = invoke(*args)
        assert code == 0, err
        assert KEY not in out and KEY.lower() not in out


def test_key_shapes_are_redacted_and_prose_is_not() -> None:
    assert redact_keys(f"key {KEY} and AIza{'x' * 35}") == "key [redacted key] and [redacted key]"
    assert redact_keys("Authorization: Bearer abcdefghijklmnopqrstuvwxyz") == (
        "Authorization: Bearer [redacted key]"
    )
    prose = "ask-me-anything sk-short task-fit weights"
    assert redact_keys(prose) == prose
