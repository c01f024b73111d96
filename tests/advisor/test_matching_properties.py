"""Properties of matching that must hold for any workload (hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.match.constraints import explain
from advisor.match.cost import estimate
from advisor.match.matching import HORIZON_DAYS, match
from advisor.workload.model import Task, Workload
from catalog import Catalog, load_catalog
from tests.conftest import FIXTURE_CATALOG

TODAY = dt.date(2026, 11, 25)
CATALOGS = {"bundled": load_catalog(), "fixture": load_catalog([FIXTURE_CATALOG])}
PROVIDERS = sorted({o.provider for c in CATALOGS.values() for o in c.offerings})

workloads = st.builds(
    Workload,
    name=st.just("w"),
    task=st.sampled_from(get_args(Task)),
    context_tokens=st.integers(0, 300_000),
    output_tokens=st.integers(0, 40_000),
    determinism=st.sampled_from(["strict", "preferred", "any"]),
    modalities=st.lists(
        st.sampled_from(["text", "image", "audio", "video", "pdf"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    structured_output=st.sampled_from(["none", "json_mode", "json_schema"]),
    tool_calling=st.booleans(),
    budget=st.builds(
        dict,
        usd_per_1k_requests=st.none() | st.floats(0, 50),
        usd_per_month=st.none() | st.floats(0, 50_000),
    ),
    volume=st.builds(dict, requests_per_day=st.none() | st.floats(0, 1e6)),
    providers=st.builds(
        dict,
        allow=st.lists(st.sampled_from(PROVIDERS), max_size=3),
        deny=st.lists(st.sampled_from(PROVIDERS), max_size=2),
    ),
    open_weights=st.booleans(),
    data=st.builds(dict, zero_retention=st.booleans()),
)


def _halved(budget: float | None) -> float:
    """Half the budget, or a budget where there was none: always at least as tight."""
    return 10.0 if budget is None else budget / 2


TIGHTENINGS: list[tuple[str, Any]] = [
    ("tool_calling", lambda w: {"tool_calling": True}),
    ("open_weights", lambda w: {"open_weights": True}),
    ("structured_output", lambda w: {"structured_output": "json_schema"}),
    ("modalities", lambda w: {"modalities": sorted({*w.modalities, "image"})}),
    ("output_tokens", lambda w: {"output_tokens": w.output_tokens * 2 + 1}),
    ("context_tokens", lambda w: {"context_tokens": w.context_tokens * 2 + 1}),
    (
        "budget",
        lambda w: {
            "budget": w.budget.model_copy(
                update={"usd_per_1k_requests": _halved(w.budget.usd_per_1k_requests)}
            )
        },
    ),
    (
        "deny",
        lambda w: {
            "providers": w.providers.model_copy(update={"deny": [*w.providers.deny, PROVIDERS[0]]})
        },
    ),
    ("zero_retention", lambda w: {"data": w.data.model_copy(update={"zero_retention": True})}),
]

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def candidate_keys(w: Workload, catalog: Catalog) -> set[str]:
    return {c.offering.key for c in match(w, catalog, today=TODAY).candidates}


@SETTINGS
@given(w=workloads, which=st.sampled_from(sorted(CATALOGS)), tighten=st.sampled_from(TIGHTENINGS))
def test_tightening_a_requirement_never_adds_a_candidate(
    w: Workload, which: str, tighten: tuple[str, Any]
) -> None:
    catalog = CATALOGS[which]
    _, change = tighten
    tighter = Workload.model_validate({**w.model_dump(), **change(w)})
    assert candidate_keys(tighter, catalog) <= candidate_keys(w, catalog)


@SETTINGS
@given(w=workloads, which=st.sampled_from(sorted(CATALOGS)))
def test_every_offering_is_a_candidate_or_an_exclusion_with_a_reason(
    w: Workload, which: str
) -> None:
    catalog = CATALOGS[which]
    result = match(w, catalog, today=TODAY)
    assert all(e.reasons and len(e.reasons) == len(e.kinds) for e in result.exclusions)
    seen = [c.offering.key for c in result.candidates] + [e.offering.key for e in result.exclusions]
    assert sorted(seen) == sorted(o.key for o in catalog.offerings)
    for c in result.candidates:
        assert 0 <= c.score <= 1


@SETTINGS
@given(w=workloads, low=st.floats(1, 1e5), factor=st.floats(1.01, 100))
def test_monthly_cost_grows_with_volume(w: Workload, low: float, factor: float) -> None:
    catalog: Catalog = CATALOGS["bundled"]
    for offering in catalog.offerings[:40]:
        a = estimate(
            w.model_copy(update={"volume": w.volume.model_copy(update={"requests_per_day": low})}),
            offering,
        )
        b = estimate(
            w.model_copy(
                update={"volume": w.volume.model_copy(update={"requests_per_day": low * factor})}
            ),
            offering,
        )
        if a.per_month is None:
            assert b.per_month is None
        elif a.per_month > 0:
            assert b.per_month is not None and b.per_month > a.per_month


@SETTINGS
@given(w=workloads, which=st.sampled_from(sorted(CATALOGS)), days=st.integers(0, 400))
def test_prefilter_survivors_are_exactly_the_offerings_with_no_reason(
    w: Workload, which: str, days: int
) -> None:
    """The index's set algebra and the full per-offering checks must never disagree."""
    catalog = CATALOGS[which]
    today = TODAY + dt.timedelta(days=days)
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    candidates = match(w, catalog, today=today).candidates
    passed = {c.offering.key for c in candidates}
    for c in candidates:  # the prefilter's shortcut costs equal the cost model's
        assert c.cost == estimate(w, c.offering)
    by_full_checks = {
        o.key
        for o in catalog.offerings
        if not explain(w, o, estimate(w, o), today, horizon).reasons
    }
    assert passed == by_full_checks


@SETTINGS
@given(w=workloads, which=st.sampled_from(sorted(CATALOGS)))
def test_the_score_is_the_weighted_sum_of_its_components(w: Workload, which: str) -> None:
    for c in match(w, CATALOGS[which], today=TODAY).candidates[:10]:
        assert c.score == pytest.approx(sum(p.points for p in c.components), abs=1e-9)
        assert [p.name for p in c.components] == [
            "cost",
            "latency",
            "context",
            "task_fit",
            "lifecycle",
            "confidence",
        ]
