"""The simulator's rules, in process: tokens, timing, determinism, JSON, needles."""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
from typing import Any

import jsonschema
import pytest

from catalog import Catalog, Offering, load_catalog
from probes.simulator.behaviour import (
    DIVERGENCE,
    JSON_RATES,
    Ask,
    ContextTooLong,
    MediaUnsupported,
    OutputTooLong,
    ParamUnsupported,
    answer,
    check,
    schema_in,
)
from probes.simulator.jsongen import instance, violate
from probes.simulator.text import EFFECTIVE_FRACTION, WORDS, answer_needles, find_needles
from probes.simulator.timing import (
    DEFAULT_OUTPUT_TPS,
    DEFAULT_TTFT_MS,
    offering_factor,
    schedule,
    timing_model,
)
from probes.simulator.tokens import count_text, split_pieces
from tests.probes.conftest import LAYERS, SIM_DATA


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(list(LAYERS))


def offering(catalog: Catalog, key: str) -> Offering:
    found = catalog.get(key)
    assert found is not None
    return found


def ask_for(o: Offering, text: str = "Say something.", **fields: Any) -> Ask:
    """An Ask for one user message, with `fields` overriding the defaults."""
    ask = Ask(
        offering=o,
        text=text,
        instructions=text,
        last_user=text,
        prompt_tokens=4 + count_text(text),
    )
    return dataclasses.replace(ask, **fields)


# -- tokens -----------------------------------------------------------------------------


def test_prompt_tokens_are_a_quarter_of_the_characters() -> None:
    assert count_text("") == 0 and count_text("abcd") == 1 and count_text("abcde") == 2
    assert count_text("x" * 4_000_000) == 1_000_000


@pytest.mark.parametrize(
    "text", ['{"label": "refund", "n": 12345}', "Hello, world!\n\nA b.", "émoji ✓ ok", ""]
)
def test_output_pieces_join_back_to_the_text(text: str) -> None:
    assert "".join(split_pieces(text)) == text


def test_vocabulary_averages_about_four_characters() -> None:
    assert 3.5 < statistics.mean(len(w) for w in WORDS) < 5.0


# -- timing -----------------------------------------------------------------------------


def test_catalog_figures_give_median_and_spread(catalog: Catalog) -> None:
    model = timing_model(offering(catalog, "simlab/exact-1"))
    assert model.source == "catalog" and model.ttft_ms == 200 and model.itl_ms == 10
    rng = random.Random(5)
    ttfts = sorted(schedule(model, rng, 1, 0, 1.0)[0] / 1e6 for _ in range(4000))
    assert statistics.median(ttfts) == pytest.approx(200, rel=0.05)
    assert ttfts[int(0.95 * len(ttfts))] == pytest.approx(400, rel=0.12)


def test_defaults_vary_per_offering_but_stay_fixed(catalog: Catalog) -> None:
    a = timing_model(offering(catalog, "openai/gpt-6.1-sol"))
    b = timing_model(offering(catalog, "openai/gpt-6.1-terra"))
    assert a.source == "default" and a != b
    assert a == timing_model(offering(catalog, "openai/gpt-6.1-sol"))
    assert 0.6 * DEFAULT_TTFT_MS <= a.ttft_ms <= 1.5 * DEFAULT_TTFT_MS
    assert 0.6 * DEFAULT_OUTPUT_TPS <= 1000 / a.itl_ms <= 1.5 * DEFAULT_OUTPUT_TPS
    assert offering_factor("x", "ttft") == offering_factor("x", "ttft")


def test_schedule_keeps_output_speed_and_scales(catalog: Catalog) -> None:
    model = timing_model(offering(catalog, "simlab/exact-1"))
    rng = random.Random(9)
    itls = []
    for _ in range(400):
        offsets = schedule(model, rng, 50, 0, 1.0)
        assert offsets == sorted(offsets) and len(offsets) == 50
        itls.append((offsets[-1] - offsets[0]) / 49 / 1e6)
    assert statistics.median(itls) == pytest.approx(model.itl_ms, rel=0.05)
    scaled = schedule(model, random.Random(1), 10, 0, 0.01)
    full = schedule(model, random.Random(1), 10, 0, 1.0)
    assert all(abs(s - f * 0.01) <= 1 for s, f in zip(scaled, full, strict=True))


def test_long_prompts_take_longer_to_first_token(catalog: Catalog) -> None:
    model = timing_model(offering(catalog, "simlab/exact-1"))
    short = schedule(model, random.Random(2), 1, 100, 1.0)[0]
    long = schedule(model, random.Random(2), 1, 100_100, 1.0)[0]
    assert (long - short) / 1e9 == pytest.approx(100_000 / model.prefill_tps, rel=1e-6)


# -- checks -----------------------------------------------------------------------------


def test_checks_follow_the_catalog(catalog: Catalog) -> None:
    exact = offering(catalog, "simlab/exact-1")
    with pytest.raises(ContextTooLong):
        check(ask_for(exact, prompt_tokens=4001))
    with pytest.raises(ContextTooLong) as both:
        check(ask_for(exact, prompt_tokens=3500, max_tokens=600))
    assert both.value.max_tokens == 600
    with pytest.raises(OutputTooLong):
        check(ask_for(exact, max_tokens=1001))
    with pytest.raises(MediaUnsupported):
        check(ask_for(exact, media=[("image", "image_url", "messages.[0]")]))
    with pytest.raises(ParamUnsupported):
        check(ask_for(offering(catalog, "simlab/reasoner-1"), temperature=0.0))
    check(ask_for(offering(catalog, "simlab/reasoner-1"), temperature=1.0))
    capped = offering(catalog, "openai/gpt-5.4-mini")  # 272k input cap in a 400k window
    with pytest.raises(ContextTooLong) as cap:
        check(ask_for(capped, prompt_tokens=300_000))
    assert cap.value.limit == 272_000


# -- determinism ------------------------------------------------------------------------


def run_many(o: Offering, n: int, **fields: object) -> list[tuple[str, str | None, bool]]:
    model = timing_model(o)
    out = []
    for i in range(n):
        a = answer(ask_for(o, "Explain caching.", **fields), random.Random(i), model, 0.0)
        out.append((a.text, a.fingerprint, a.diverged))
    return out


@pytest.mark.parametrize(
    ("key", "guarantee"),
    [
        ("simlab/exact-1", "exact"),
        ("simlab/besteffort-1", "best_effort"),
        ("simlab-anthropic/small-1", "none"),
        ("groq/llama-3.3-70b-versatile", None),
    ],
)
def test_divergence_rate_follows_the_guarantee(
    catalog: Catalog, key: str, guarantee: str | None
) -> None:
    o = offering(catalog, key)
    assert o.determinism.guarantee == guarantee
    results = run_many(o, 1000, temperature=0.0)
    texts = [t for t, _, _ in results]
    mode = max(set(texts), key=texts.count)
    share = sum(t != mode for t in texts) / len(texts)
    assert share == pytest.approx(DIVERGENCE[guarantee], abs=0.035)
    diverged = [t for t, _, d in results if d]
    assert all(t != mode for t in diverged)
    # Diverged answers keep a common prefix: the split comes part-way through.
    if diverged:
        prefix = [len(_common_prefix(t, mode)) / len(mode) for t in diverged]
        assert min(prefix) > 0.15


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def test_best_effort_fingerprint_changes_with_some_divergences(catalog: Catalog) -> None:
    results = run_many(offering(catalog, "simlab/besteffort-1"), 1000, temperature=0.0)
    usual = {fp for _, fp, d in results if not d}
    assert len(usual) == 1
    seen = {fp for _, fp, d in results if d}
    assert usual < seen | usual and len(seen | usual) == 2


def test_sampling_without_a_seed_varies(catalog: Catalog) -> None:
    texts = [t for t, _, _ in run_many(offering(catalog, "simlab/exact-1"), 50, temperature=0.7)]
    assert len(set(texts)) == 50


def test_seed_matters_when_sampling_not_when_greedy(catalog: Catalog) -> None:
    o = offering(catalog, "simlab/exact-1")
    greedy = {t for seed in (1, 2) for t, _, _ in run_many(o, 3, temperature=0.0, seed=seed)}
    assert len(greedy) == 1
    sampled = {t for seed in (1, 2) for t, _, _ in run_many(o, 3, temperature=0.8, seed=seed)}
    assert len(sampled) == 2


def test_seed_is_ignored_where_the_catalog_says_no_seed(catalog: Catalog) -> None:
    reasoner = offering(catalog, "simlab/reasoner-1")
    texts = {t for t, _, _ in run_many(reasoner, 5, seed=5)}
    assert len(texts) == 5


# -- structured output ------------------------------------------------------------------

SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {
            "label": {"enum": ["a", "b"]},
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "when": {"type": "string", "format": "date"},
            "id": {"type": "string", "format": "uuid"},
            "email": {"type": "string", "format": "email"},
            "note": {"type": ["string", "null"], "maxLength": 12},
        },
        "required": ["label", "score", "ratio", "when", "id"],
        "additionalProperties": False,
    },
    {
        "$defs": {
            "item": {
                "type": "object",
                "properties": {"sku": {"type": "string", "minLength": 8}, "qty": {"const": 1}},
                "required": ["sku", "qty"],
                "additionalProperties": False,
            }
        },
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/item"}, "minItems": 2},
            "kind": {"anyOf": [{"type": "null"}, {"type": "boolean"}]},
            "both": {
                "allOf": [
                    {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
                    {"properties": {"y": {"type": "string"}}, "required": ["y"]},
                ]
            },
        },
        "required": ["items", "kind", "both"],
    },
    {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_instances_are_schema_valid(schema: dict[str, object]) -> None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    rng = random.Random(3)
    for _ in range(300):
        validator.validate(instance(schema, rng))


def test_violations_break_the_schema() -> None:
    schema = SCHEMAS[0]
    rng = random.Random(4)
    for _ in range(100):
        broken = violate(instance(schema, rng), schema, rng)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def outcome(text: str, validator: jsonschema.Draft202012Validator) -> str:
    if text.startswith("```json"):
        return "fenced"
    try:
        value = json.loads(text)
    except ValueError:
        return "invalid"
    return "valid" if validator.is_valid(value) else "broken"


@pytest.mark.parametrize(
    ("key", "fields", "mode"),
    [
        ("simlab/exact-1", {"format_kind": "json_schema"}, "strict"),
        ("simlab/besteffort-1", {"format_kind": "json_object"}, "json_mode"),
        ("simlab/limited-1", {}, "prompted"),
    ],
)
def test_json_outcome_rates_follow_the_offering(
    catalog: Catalog, key: str, fields: dict[str, object], mode: str
) -> None:
    schema = SCHEMAS[0]
    validator = jsonschema.Draft202012Validator(schema)
    o = offering(catalog, key)
    model = timing_model(o)
    counts = {"valid": 0, "broken": 0, "fenced": 0, "invalid": 0}
    n = 2000
    for i in range(n):
        prompt = f"Request {i}. Reply in JSON with this schema: {json.dumps(schema)}"
        ask = ask_for(o, prompt, schema=schema if fields else None, **fields)
        counts[outcome(answer(ask, random.Random(i), model, 0.0).text, validator)] += 1
    valid, broken, fenced = JSON_RATES[mode]
    assert counts["valid"] / n == pytest.approx(valid, abs=0.03)
    assert counts["broken"] / n == pytest.approx(broken, abs=0.02)
    assert counts["fenced"] / n == pytest.approx(fenced, abs=0.025)


def test_schema_found_in_the_prompt() -> None:
    text = 'Answer with JSON {not json} like {"type": "object", "properties": {"a": {}}} ok'
    assert schema_in(text) == {"type": "object", "properties": {"a": {}}}
    assert schema_in("no schema here {1: 2}") is None


def test_max_tokens_cuts_json_short(catalog: Catalog) -> None:
    o = offering(catalog, "simlab/exact-1")
    ask = ask_for(o, "JSON please", format_kind="json_schema", schema=SCHEMAS[0], max_tokens=5)
    cut = answer(ask, random.Random(0), timing_model(o), 0.0)
    assert cut.finish == "length" and cut.output_tokens == 5
    with pytest.raises(ValueError):
        json.loads(cut.text)


# -- needles ----------------------------------------------------------------------------


def haystack(tokens: int, needles: dict[str, float]) -> str:
    """A prompt of about `tokens` tokens with needles at the given depths (0..1)."""
    filler = "The grass is green and the sky is blue. "  # 40 characters, 10 tokens
    lines = [filler] * (tokens // 10)
    for name, depth in needles.items():
        lines.insert(int(depth * len(lines)), f"The secret code for {name} is C{name.upper()}9. ")
    return "".join(lines)


def test_needles_are_found_within_the_effective_context() -> None:
    window = 10_000
    text = haystack(7000, {"ann": 0.0, "bob": 0.5, "cy": 1.0})
    assert 7000 < count_text(text) < window * EFFECTIVE_FRACTION
    answered = answer_needles(
        ["ann", "bob", "cy"], find_needles(text), len(text), count_text(text), window
    )
    assert answered.splitlines() == [
        "The secret code for ann is CANN9.",
        "The secret code for bob is CBOB9.",
        "The secret code for cy is CCY9.",
    ]


def test_the_middle_is_lost_beyond_the_effective_context() -> None:
    window = 10_000
    text = haystack(9500, {"ann": 0.05, "bob": 0.5, "cy": 0.97})
    tokens = count_text(text)
    assert window * EFFECTIVE_FRACTION < tokens <= window
    lines = answer_needles(
        ["ann", "bob", "cy"], find_needles(text), len(text), tokens, window
    ).splitlines()
    assert lines[0] == "The secret code for ann is CANN9."
    assert lines[2] == "The secret code for cy is CCY9."
    assert lines[1] != "The secret code for bob is CBOB9."


def test_a_missing_needle_is_never_found() -> None:
    line = answer_needles(["zed"], {}, 100, 25, 1000)
    assert line in (
        "I could not find the secret code for zed.",
        f"The secret code for zed is {line.rsplit(' ', 1)[-1][:-1]}.",
    )
    assert "CZED9" not in line


def test_needle_question_over_http_shape(catalog: Catalog) -> None:
    o = offering(catalog, "simlab/exact-1")
    text = haystack(1000, {"kim": 0.3}) + "\nWhat is the secret code for kim?"
    reply = answer(
        ask_for(
            o, text, last_user="What is the secret code for kim?", prompt_tokens=count_text(text)
        ),
        random.Random(0),
        timing_model(o),
        0.0,
    )
    assert reply.text == "The secret code for kim is CKIM9." and reply.finish == "stop"


def test_fixture_catalog_loads() -> None:
    assert len(load_catalog([SIM_DATA]).offerings) == 7
