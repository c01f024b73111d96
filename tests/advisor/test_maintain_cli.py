"""`advisor catalog import` and `advisor catalog lint`: what they print, write and exit with."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from advisor import home
from advisor.cli import cli
from catalog import load_catalog
from tests.catalog.importing import LITELLM, MODELSDEV, OPENROUTER, TARGET

LINT = Path(__file__).resolve().parents[1] / "catalog" / "data" / "lint"


def run(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(TARGET, copy)
    return copy


def snapshot_of(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_import_shows_changes_and_writes_nothing(folder: Path) -> None:
    before = snapshot_of(folder)
    result = run("catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "acme/acme-small-2\n  ~ pricing: update [held]" in out
    assert "held: the current values come from https://acme.invalid/pricing; " in out
    assert "--accept acme/acme-small-2#pricing applies it" in out
    assert "      input   0.15 → 0.2" in out
    assert "+ acme/acme-next: context 1,000,000 · output ? · in 1 · out 4 USD/1M" in out
    assert "  ! lifecycle: deprecation [accepted]" in out
    # The fixture's refs name another version of the map: same values are confirmed.
    assert "  = limits: same values, checked " in out
    assert "nothing written: --apply writes the 9 accepted changes" in out
    assert snapshot_of(folder) == before


def test_apply_writes_a_valid_catalog_and_keeps_held_values(folder: Path) -> None:
    result = run(
        "catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder), "--apply"
    )
    assert result.exit_code == 0, result.output
    assert f"wrote 9 changes to 1 file\n  {folder / 'acme.yaml'}" in result.stdout
    assert run("catalog", "validate", str(folder)).exit_code == 0
    small = load_catalog([folder]).get("acme/acme-small-2")
    assert small is not None and small.pricing is not None and small.pricing.input == 0.15
    again = run("catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder))
    assert "1 update; 1 held" in again.stdout  # only the held change is left


def test_accept_applies_a_held_change(folder: Path) -> None:
    result = run(
        "catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder),
        "--apply", "--accept", "acme/acme-small-2#pricing", "--reject", "acme/acme-typo",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    catalog = load_catalog([folder])
    small = catalog.get("acme/acme-small-2")
    assert small is not None and small.pricing is not None and small.pricing.input == 0.2
    assert catalog.get("acme/acme-typo") is None


def test_each_source_s_output_passes_validate(tmp_path: Path) -> None:
    for source, path in (("models.dev", MODELSDEV), ("openrouter", OPENROUTER)):
        folder = tmp_path / source
        folder.mkdir()
        result = run("catalog", "import", source, "--from", str(path), "-o", str(folder), "--apply")
        assert result.exit_code == 0, result.output
        validated = run("catalog", "validate", str(folder))
        assert validated.exit_code == 0, validated.output
    assert (tmp_path / "models.dev" / "newhost.yaml").exists()


def test_json_lists_every_change(folder: Path) -> None:
    result = run(
        "catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder), "--json"
    )
    data = json.loads(result.stdout)
    assert data["source"]["importer"] == "litellm" and data["written"] == []
    change = next(c for c in data["changes"] if c["id"] == "acme/acme-small-2#pricing")
    assert change["selected"] is False and change["held"]
    assert change["fields"][0] == {"field": "input", "old": 0.15, "new": 0.2}
    assert {"key": "acme-embed", "reason": "mode embedding: only chat models are offerings"} in (
        data["skipped"]
    )


def test_provider_filter_and_an_unknown_provider(folder: Path) -> None:
    result = run(
        "catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder),
        "--provider", "nope",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "unknown provider 'nope': litellm has acme, mystery" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"data": [\n  {"id": 1,}\n]}', ":2:12: invalid JSON: Expecting property name"),
        ('{"models": []}', ":1:1: data: expected an OpenRouter /api/v1/models response"),
    ],
)
def test_a_bad_source_file_is_one_message_and_exit_two(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "models.json"
    bad.write_text(content)
    result = run("catalog", "import", "openrouter", "--from", str(bad), "-o", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}{message}")
    assert len(result.stderr.splitlines()) == 1


def test_an_unknown_change_id_is_bad_input(folder: Path) -> None:
    result = run(
        "catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder),
        "--accept", "acme/nothing",
    )  # fmt: skip
    assert result.exit_code == 2 and "no change has the id 'acme/nothing'" in result.output


@pytest.fixture
def source_server() -> Iterator[str]:
    """A loopback server answering every GET with the models.dev fixture, as the live API."""
    body = MODELSDEV.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/api.json"


def test_models_dev_is_fetched_live_and_cached_for_the_day(
    folder: Path, source_server: str, advisor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_MODELSDEV_URL", source_server)
    first = run("catalog", "import", "models.dev", "-o", str(folder))
    assert first.exit_code == 0, first.output
    assert f"{source_server}: fetched" in first.stderr
    cached = list((advisor_home).rglob("modelsdev-*.json"))
    assert len(cached) == 1 and cached[0].read_bytes() == MODELSDEV.read_bytes()
    again = run("catalog", "import", "models.dev", "-o", str(folder))
    assert "cached copy of today" in again.stderr and again.stdout == first.stdout


def test_offline_without_a_cache_says_so_and_how_to_import_a_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_OPENROUTER_URL", _closed_port())
    result = run("catalog", "import", "openrouter", "-o", str(folder))
    assert result.exit_code == 2
    assert "cannot read http://127.0.0.1:" in result.output
    assert "--from FILE" in result.output and "Traceback" not in result.output


def test_offline_with_an_older_copy_uses_it_and_says_how_old(
    folder: Path, advisor_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_OPENROUTER_URL", _closed_port())
    cache = home.cache_dir() / "sources"
    cache.mkdir(parents=True)
    shutil.copyfile(OPENROUTER, cache / "openrouter-2026-11-30.json")
    result = run("catalog", "import", "openrouter", "-o", str(folder))
    assert result.exit_code == 0, result.output
    assert "offline: cannot read" in result.stderr and "copy of 2026-11-30" in result.stderr


def test_review_opens_the_review_screen(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.tui.app import AdvisorApp

    opened: list[AdvisorApp] = []
    monkeypatch.setattr(AdvisorApp, "run", lambda self, *a, **k: opened.append(self))
    result = run(
        "catalog", "import", "litellm", "--from", str(LITELLM), "-o", str(folder), "--review"
    )
    assert result.exit_code == 0, result.output
    (app,) = opened
    assert app.start_screen == "import-review"


def test_lint_prints_one_line_per_problem_warnings_exit_zero() -> None:
    reference = LINT / "litellm_reference.json"
    result = run(
        "catalog", "lint", str(LINT), "--compare", f"litellm={reference}", "--today", "2026-11-25"
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 9
    assert all(line.startswith(f"{LINT / 'planted.yaml'}:") for line in lines)
    assert f"{LINT / 'planted.yaml'}:86:15: offerings[10].lifecycle.status: status is retired" in (
        result.stdout
    )
    assert "0 errors, 9 warnings" in result.stderr


def test_lint_json_and_warnings_only_exit_zero() -> None:
    result = run("catalog", "lint", str(LINT), "--json", "--today", "2026-09-30")
    assert result.exit_code == 0, result.output  # before the planted shutdown: warnings only
    data = json.loads(result.stdout)
    assert data["errors"] == 0 and data["warnings"] == len(data["problems"]) > 0
    assert data["compared_with"] == []


def test_lint_bad_compare_source() -> None:
    result = run("catalog", "lint", "--compare", "nowhere")
    assert result.exit_code == 2 and "unknown source 'nowhere'" in result.output


def test_lint_of_a_catalog_that_does_not_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("provider: nobody\n")
    result = run("catalog", "lint", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:1:11: provider: unknown provider 'nobody'")
    as_json = json.loads(run("catalog", "lint", str(bad), "--json").stdout)
    assert as_json["errors"] == 1 and as_json["problems"][0]["path"] == str(bad)
