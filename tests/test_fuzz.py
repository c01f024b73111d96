"""Random and mutated input to the three readers of outside text: the catalog loader, the
workload loader and the stream parser. Whatever comes in, the answer is a result or the
reader's own error (InputError, a classified reply), never another exception; and none of it
takes long. Examples are few and each has a deadline, so the suite stays bounded."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.workload.model import load_workloads
from catalog import InputError, load_catalog
from probes.clients import anthropic, gemini, openai
from probes.clients.base import InvalidEvent, Timed, sse_events

ROOT = Path(__file__).resolve().parents[1]
CATALOG_TEXT = (ROOT / "tests" / "data" / "catalog" / "acme.yaml").read_text()
WORKLOAD_TEXT = (ROOT / "examples" / "workloads.yaml").read_text()
STREAM = (
    b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
    b'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"m"}}\n\n'
    b'data: {"candidates":[{"content":{"parts":[{"text":"x"}]}}]}\n\n'
    b"data: [DONE]\n\n"
)

FUZZ = settings(
    max_examples=40,
    deadline=3000,  # ms per example: a reader that runs longer is a finding
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

YAML_BITS = st.sampled_from(
    [
        "&a ", "*a", "<<: *a", ": ", "- ", "{", "}", "[", "]", "\n", "  ", "\t", "'", '"',
        ".nan", ".inf", "-.inf", "1e999", "~", "null", "!!python/object:os.system", "%YAML 1.1\n",
        "? ", "|\n", ">\n", "#", "\x00", "\ufeff", "é", "0x10", "2026-13-45", "yes", "no",
    ]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, base: str) -> str:
    """`base` with a few random edits: cuts, insertions of YAML syntax or random text,
    duplicated spans."""
    text = base
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.integers(0, 3))
        if edit == 0:
            text = text[:at] + text[at + draw(st.integers(1, 80)) :]
        elif edit == 1:
            text = text[:at] + draw(YAML_BITS) + text[at:]
        elif edit == 2:
            text = text[:at] + draw(st.text(max_size=20)) + text[at:]
        else:
            end = min(len(text), at + draw(st.integers(1, 200)))
            text = text[:end] + text[at:end] + text[end:]
    return text


@contextlib.contextmanager
def written(text: str, name: str) -> Iterator[Path | None]:
    """`text` in a file of its own, removed afterwards; None when it is not UTF-8 text."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / name
        try:
            path.write_text(text, encoding="utf-8")
        except UnicodeEncodeError:
            yield None
        else:
            yield path


@FUZZ
@given(st.one_of(mutated(CATALOG_TEXT), st.text(max_size=400)))
def test_catalog_loader_gives_a_catalog_or_input_error(text: str) -> None:
    with written(text, "fuzz.yaml") as path:
        if path is None:
            return
        try:
            load_catalog([path])
        except InputError as error:
            assert error.problems and all(p.path == str(path) for p in error.problems)


@FUZZ
@given(st.one_of(mutated(WORKLOAD_TEXT), st.text(max_size=400)))
def test_workload_loader_gives_workloads_or_input_error(text: str) -> None:
    with written(text, "workloads.yaml") as path:
        if path is None:
            return
        try:
            load_workloads(path)
        except InputError as error:
            assert error.problems


def chunks_of(data: bytes, cuts: list[int]) -> list[tuple[int, bytes]]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [(i, data[a:b]) for i, (a, b) in enumerate(zip(points, points[1:], strict=False))]


STREAM_BYTES = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda cut, junk, at: STREAM[:at] + junk + STREAM[at + cut :],
        st.integers(0, 40),
        st.binary(max_size=30),
        st.integers(0, len(STREAM)),
    ),
)


@FUZZ
@given(STREAM_BYTES, st.lists(st.integers(0, 10_000), max_size=8), st.booleans())
def test_stream_parsers_classify_any_bytes(data: bytes, cuts: list[int], stream: bool) -> None:
    timed = Timed(
        sent_ns=0,
        status=200,
        headers={"content-type": "text/event-stream" if stream else "application/json"},
        first_byte_ns=1,
        end_ns=2,
        chunks=chunks_of(data, cuts),
    )
    for wire in (openai, anthropic, gemini):
        reply = wire.parse(timed, stream)
        assert reply.outcome in {
            "ok",
            "truncated",
            "invalid_event",
            "stream_error",
            "error_body",
            "malformed",
            "wrong_content_type",
        }
        assert isinstance(reply.text, str)
    try:
        events = list(sse_events(timed.chunks))
    except InvalidEvent:
        return
    assert all(isinstance(e.data, dict) for e in events)
