"""The planner's rules on a small fixture catalog: fallbacks, context, headroom, probes,
canary, verifier, timeouts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from advisor.match.matching import match
from advisor.plan import (
    Plan,
    PlanError,
    PlanOptions,
    Unplanned,
    WorkloadPlan,
    make_plan,
    resolve_endpoints,
)
from advisor.plan.edit import EDITED_NOTE, PlanDraft, drop_fallback, move_fallback
from advisor.plan.model import RunSource
from advisor.plan.timeouts import GATEWAY_OVERHEAD_S
from advisor.probe.measured import Measure, OfferingMeasures, RunMeasures, read_run
from advisor.workload.model import Workload
from catalog import Catalog, load_catalog
from probes.store import AttemptRecord, RunStore, UnknownRun
from probes.targets import ProviderOverride

CATALOG = Path(__file__).parents[1] / "data" / "plan" / "catalog"
TODAY = dt.date(2026, 11, 1)
CHEAPEST_FIRST = {
    "cost": 1.0,
    "latency": 0,
    "context": 0,
    "task_fit": 0,
    "lifecycle": 0,
    "confidence": 0,
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CATALOG])


def workload(**fields: Any) -> Workload:
    return Workload.model_validate({"name": "job", "weights": CHEAPEST_FIRST, **fields})


def plan(
    catalog: Catalog,
    w: Workload,
    measures: RunMeasures | None = None,
    overrides: dict[str, ProviderOverride] | None = None,
    **options: Any,
) -> Plan:
    result = match(w, catalog, today=TODAY)
    endpoints = resolve_endpoints(catalog, overrides or {})
    return make_plan(
        [result], catalog, endpoints, measures=measures, options=PlanOptions(**options), today=TODAY
    )


def only(p: Plan) -> WorkloadPlan:
    (wp,) = p.workloads
    return wp


def keys(wp: WorkloadPlan) -> list[str]:
    return [c.key for c in wp.fallbacks]


def test_the_first_fallback_is_on_another_provider(catalog: Catalog) -> None:
    wp = only(plan(catalog, workload()))
    assert wp.primary.key == "alpha/a-small"  # the cheapest: cost is all that counts here
    assert wp.fallbacks[0].offering.provider != "alpha"
    assert "another provider" in wp.fallbacks[0].reason


def test_the_same_model_on_another_host_comes_before_the_rest(catalog: Catalog) -> None:
    # Only the large model and the mid one qualify; alpha's large model is the cheapest.
    wp = only(
        plan(
            catalog,
            workload(context_tokens=50_000),  # cheapest first, as every workload() here
        )
    )
    assert wp.primary.key == "beta/b-mid"
    assert keys(wp)[0].startswith(("alpha/", "gamma/"))
    w2 = only(plan(catalog, workload(context_tokens=50_000, providers={"deny": ["beta"]})))
    assert w2.primary.key == "gamma/large-hosted"
    assert keys(w2) == ["alpha/a-large"]
    assert "same model" not in w2.fallbacks[0].reason  # another provider already says it


def test_fallbacks_are_distinct_candidates_and_capped(catalog: Catalog) -> None:
    w = workload()
    candidates = {c.offering.key for c in match(w, catalog, today=TODAY).candidates}
    for cap in (0, 1, 2, 5):
        wp = only(plan(catalog, w, max_fallbacks=cap))
        assert len(wp.fallbacks) <= cap
        assert len(set(keys(wp))) == len(keys(wp))
        assert wp.primary.key not in keys(wp)
        assert set(keys(wp)) <= candidates


def test_an_unconfigured_self_hosted_provider_is_left_out(catalog: Catalog) -> None:
    wp = only(plan(catalog, workload()))
    assert all(c.offering.provider != "home" for c in wp.choices())
    assert any("self-hosted home" in n for n in wp.notes)
    configured = {"home": ProviderOverride(base_url="http://10.0.0.5:8000/v1")}
    wp = only(plan(catalog, workload(), overrides=configured))
    assert wp.primary.key == "home/small-local"  # free, so the cheapest


def test_a_large_input_near_the_window_gets_a_context_fallback(catalog: Catalog) -> None:
    wp = only(
        plan(catalog, workload(context_tokens=2000, max_context_tokens=27_000, output_tokens=500))
    )
    assert wp.primary.key == "alpha/a-small"  # 32k window; 27.5k is 86% of it
    assert wp.context.choice is not None
    assert wp.context.choice.key == "beta/b-mid"  # the cheapest with a larger window
    assert wp.context.trim_at_tokens == int(100_000 * 0.95) - 500
    roomy = only(plan(catalog, workload(context_tokens=2000, max_context_tokens=10_000)))
    assert roomy.context.choice is None
    assert "fits" in roomy.context.reason
    assert roomy.context.trim_at_tokens == int(32_000 * 0.95) - roomy.workload.output_tokens


def test_peak_load_over_the_rate_limit_adds_a_balanced_deployment(catalog: Catalog) -> None:
    wp = only(plan(catalog, workload(volume={"peak_rps": 10})))  # 600 rpm against 300
    assert wp.primary.key == "alpha/a-small"
    (extra,) = wp.headroom
    assert extra.weight is not None and 0 < extra.weight < 1
    assert "600 rpm exceeds" in extra.reason
    assert extra.key not in keys(wp)
    calm = only(plan(catalog, workload(volume={"peak_rps": 2})))
    assert calm.headroom == ()


def measures_of(
    figures: dict[str, dict[str, float]], failed: int = 0, simulated: bool = True
) -> RunMeasures:
    by_key = {
        ("job", key): OfferingMeasures({m: Measure(v, 20) for m, v in values.items()}, 20, failed)
        for key, values in figures.items()
    }
    return RunMeasures(7, simulated, by_key)


def test_a_primary_over_budget_in_probes_is_passed_over(catalog: Catalog) -> None:
    w = workload(latency={"ttft_p95_ms": 800})
    slow = measures_of(
        {"alpha/a-small": {"latency.ttft_ms_p95": 1500.0, "latency.e2e_ms_p99": 2500.0}}
    )
    p = plan(catalog, w, slow, allow_unprobed=True)
    wp = only(p)
    assert wp.primary.key != "alpha/a-small"
    assert "did not rule out" in wp.primary.reason
    assert "not probed" in wp.primary.reason
    assert any("alpha/a-small passed over" in n and "800 ms budget" in n for n in wp.notes)
    assert "alpha/a-small" in keys(wp)  # still better than an outage, but last
    assert p.run_id == 7 and p.simulated
    # Unless asked, a workload the run measured is served by a candidate the run probed.
    held = only(plan(catalog, w, slow))
    assert held.primary.key == "alpha/a-small"
    assert "NOT confirmed" in held.primary.reason
    assert any("no candidate was confirmed by probes" in n for n in held.notes)


def test_a_confirmed_primary_takes_its_timeouts_from_measured_percentiles(catalog: Catalog) -> None:
    fast = measures_of(
        {"alpha/a-small": {"latency.ttft_ms_p99": 400.0, "latency.e2e_ms_p99": 2200.0}}
    )
    wp = only(plan(catalog, workload(), fast))
    assert wp.primary.key == "alpha/a-small"
    assert "confirmed by probes" in wp.primary.reason
    assert "best-ranked" in wp.primary.reason
    assert wp.timeouts.request_s == 5.0  # 2 × 2.2 s, rounded up
    assert wp.timeouts.first_token_s == 2.0  # 3 × 0.4 s, rounded up
    assert {b.origin for b in wp.timeouts.basis} == {"simulated"}
    assert wp.timeouts.fits is None and "states no latency budget" in wp.timeouts.summary()


@pytest.mark.parametrize(
    ("budget_ms", "p99_ms", "fallback_p95_ms", "timeout_s", "fallback_s", "fits"),
    [
        # 2 × 2.2 s, and the fallback's 1 s and the 0.3 s gateway allowance still fit
        (8000, 2200.0, 1000.0, 4.4, 3.3, True),
        # cut to what the fallback and the allowance leave: 4 - 0.3 - 1 = 2.7 s
        (4000, 2200.0, 1000.0, 2.7, 1.0, True),
        # the primary's own p99 does not fit beside the fallback: said, not hidden
        (3000, 2200.0, 1000.0, 2.2, 2.2, False),
        # the fallback alone needs more than the budget
        (3000, 1000.0, 3000.0, 2.0, 6.0, False),
    ],
)
def test_a_hung_primary_is_answered_within_the_budget_or_the_plan_says_why(
    catalog: Catalog,
    budget_ms: int,
    p99_ms: float,
    fallback_p95_ms: float,
    timeout_s: float,
    fallback_s: float,
    fits: bool,
) -> None:
    measured = measures_of(
        {
            "alpha/a-small": {"latency.e2e_ms_p99": p99_ms},
            "beta/b-mid": {"latency.e2e_ms_p95": fallback_p95_ms},
        }
    )
    wp = only(plan(catalog, workload(latency={"e2e_p95_ms": budget_ms}), measured))
    assert wp.primary.key == "alpha/a-small" and wp.fallbacks[0].key == "beta/b-mid"
    t = wp.timeouts
    assert (t.request_s, t.retries, t.hop_s, t.fallback_s) == (timeout_s, 0, timeout_s, fallback_s)
    assert t.fits is fits and t.budget_s == budget_ms / 1000
    assert t.reserve is not None and t.reserve.value == fallback_p95_ms
    assert t.reserve.origin == "simulated" and "beta/b-mid" in t.reserve.name
    assert t.overhead_s == GATEWAY_OVERHEAD_S
    if fits:
        assert t.answer_s <= t.budget_s
        assert f"the workload's {budget_ms // 1000} s latency budget holds" in t.summary()
    else:
        assert t.answer_s > t.budget_s
        assert f"OVER the workload's {budget_ms // 1000} s latency budget" in t.summary()
        assert ("fallback alone needs" if fallback_p95_ms > p99_ms else "own p99") in t.reason


def test_a_fallback_of_unknown_latency_gets_what_the_primary_leaves(catalog: Catalog) -> None:
    # The primary takes at most half of what the allowance leaves, unless its own p99 needs more.
    for p99_ms, primary_s, fallback_s in ((1000.0, 1.3, 1.4), (1800.0, 1.8, 0.9)):
        measured = measures_of({"alpha/a-small": {"latency.e2e_ms_p99": p99_ms}})
        t = only(plan(catalog, workload(latency={"e2e_p95_ms": 3000}), measured)).timeouts
        assert (t.request_s, t.fallback_s, t.fits) == (primary_s, fallback_s, True)
    assert t.reserve is not None and t.reserve.origin == "default"
    assert "latency is unknown (no probe or catalog figure)" in t.reason
    # Neither latency known: half each of what the gateway allowance leaves.
    t = only(plan(catalog, workload(latency={"e2e_p95_ms": 3000}))).timeouts
    assert (t.request_s, t.fallback_s, t.fits) == (1.3, 1.4, True)


def test_a_lone_primary_retries_as_often_as_the_budget_holds(catalog: Catalog) -> None:
    measured = measures_of({"alpha/a-small": {"latency.e2e_ms_p99": 1000.0}})
    w = workload(latency={"e2e_p95_ms": 7000}, providers={"allow": ["alpha"]})
    wp = only(plan(catalog, w, measured, max_fallbacks=0))
    t = wp.timeouts
    assert wp.fallbacks == () and t.reserve is None and t.fallback_s is None
    assert (t.request_s, t.retries, t.fits) == (2.0, 2, True)  # 3 × 2 s + 0.3 s within 7 s


def test_reordered_fallbacks_split_the_budget_for_the_new_first_one(catalog: Catalog) -> None:
    measured = measures_of(
        {
            "alpha/a-small": {"latency.e2e_ms_p99": 1000.0},
            "beta/b-mid": {"latency.e2e_ms_p95": 2000.0},
        }
    )
    d = draft(catalog, workload(latency={"e2e_p95_ms": 4000}), measured)
    before = only(d.plan)
    assert before.timeouts.request_s == 1.7  # 4 - 0.3 - 2 s for beta/b-mid
    d.move("job", 0, 1)
    after = only(d.plan)
    assert after.fallbacks[0].key != "beta/b-mid"
    assert after.timeouts.reserve is not None and "beta/b-mid" not in after.timeouts.reserve.name


def test_failing_requests_and_differing_repeats_disqualify(catalog: Catalog) -> None:
    flaky = measures_of({"alpha/a-small": {}}, failed=5)  # 5 of 20 attempts failed
    assert (
        only(plan(catalog, workload(), flaky, allow_unprobed=True)).primary.key != "alpha/a-small"
    )
    differs = measures_of({"alpha/a-small": {"determinism.agreement": 0.3}})  # it samples
    assert (
        only(
            plan(catalog, workload(determinism="strict"), differs, allow_unprobed=True)
        ).primary.key
        != "alpha/a-small"
    )
    assert only(plan(catalog, workload(determinism="any"), differs)).primary.key == "alpha/a-small"


def test_a_rare_differing_repeat_is_noted_but_decides_nothing(catalog: Catalog) -> None:
    # 19 of 20 repeats alike: best-effort determinism, which 16 or 20 repeats show by chance
    # or not, so two runs would disagree if it ruled the candidate out.
    rare = measures_of({"alpha/a-small": {"determinism.agreement": 0.95}})
    wp = only(plan(catalog, workload(determinism="strict"), rare, allow_unprobed=True))
    assert wp.primary.key == "alpha/a-small"
    assert any("some repeats differed" in n and "too few to rule it out" in n for n in wp.notes)


def test_a_p95_over_budget_rules_out_only_when_its_lower_bound_is(catalog: Catalog) -> None:
    w = workload(latency={"ttft_p95_ms": 800})
    # The estimate is over (one slow answer of ten), but the 95 % lower bound is under.
    unclear = measures_of(
        {"alpha/a-small": {"latency.ttft_ms_p95": 900.0, "latency.ttft_ms_p95_lower": 700.0}}
    )
    assert only(plan(catalog, w, unclear, allow_unprobed=True)).primary.key == "alpha/a-small"
    clear = measures_of(
        {"alpha/a-small": {"latency.ttft_ms_p95": 1500.0, "latency.ttft_ms_p95_lower": 1200.0}}
    )
    wp = only(plan(catalog, w, clear, allow_unprobed=True))
    assert wp.primary.key != "alpha/a-small"
    assert any("at least 1,200 ms at 95 %" in n for n in wp.notes)


def test_catalog_figures_set_timeouts_when_nothing_was_probed(catalog: Catalog) -> None:
    wp = only(
        plan(
            catalog,
            workload(context_tokens=50_000, output_tokens=1000, providers={"allow": ["alpha"]}),
        )
    )
    assert wp.primary.key == "alpha/a-large"
    # p95 TTFT 700 ms + 1000 tokens at 100 tokens/s = 10.7 s; twice that, rounded up
    assert wp.timeouts.request_s == 22.0
    assert wp.timeouts.basis[0].origin == "catalog"


def test_a_free_primary_sets_no_cost_gate(tmp_path: Path) -> None:
    """20 % over a free primary is $0, which every priced canary would fail: without a
    budget there is no cost gate. support-chat's primary in the bundled catalog is free."""
    from click.testing import CliRunner

    from advisor.cli import cli

    examples = Path(__file__).parents[2] / "examples" / "workloads.yaml"
    args = ["plan", str(examples), "--canary-weight", "0.05", "--run", "none", "--json"]
    result = CliRunner(env={"ADVISOR_HOME": str(tmp_path)}).invoke(cli, args)
    assert result.exit_code == 0, result.output
    (chat,) = [w for w in json.loads(result.stdout)["workloads"] if w["workload"] == "support-chat"]
    (cost,) = [b for b in chat["primary"]["basis"] if b["name"] == "cost"]
    assert cost["value"] == 0
    gates = {g["metric"] for g in chat["canary"]["gates"]}
    assert "usd_per_1k" not in gates and "error_rate" in gates


def test_a_canary_has_gates_and_a_rollback_rule(catalog: Catalog) -> None:
    w = workload(
        latency={"ttft_p95_ms": 900}, budget={"usd_per_1k_requests": 20.0}, determinism="preferred"
    )
    wp = only(plan(catalog, w, canary_weight=0.1))
    assert wp.canary is not None
    assert wp.canary.weight == 0.1 and wp.canary.choice.key != wp.primary.key
    gates = {g.metric: g for g in wp.canary.gates}
    assert gates["ttft_p95_ms"].limit == 900 and gates["ttft_p95_ms"].op == "<="
    assert gates["usd_per_1k"].limit == 20.0
    assert "determinism_agreement" not in gates  # not strict, and nothing measured
    assert "error_rate" in gates
    assert "roll back (weight 0)" in wp.canary.rollback and "advisor gate" in wp.canary.rollback
    named = only(plan(catalog, w, canary_weight=0.1, canary="gamma/large-hosted"))
    assert named.canary is not None and named.canary.choice.key == "gamma/large-hosted"
    with pytest.raises(PlanError, match="not a candidate"):
        plan(catalog, w, canary_weight=0.1, canary="alpha/nope")
    agreeing = measures_of({named.primary.key: {"determinism.agreement": 0.9}})
    measured = only(plan(catalog, w, agreeing, canary_weight=0.1))
    assert measured.canary is not None
    gate = {g.metric: g for g in measured.canary.gates}["determinism_agreement"]
    assert gate.limit == 0.9 and gate.op == ">="
    alone = only(plan(catalog, workload(providers={"allow": ["beta"]}), canary_weight=0.1))
    assert alone.canary is None and "no canary: no other candidate" in alone.notes


def test_the_verifier_is_the_cheapest_other_candidate(catalog: Catalog) -> None:
    wp = only(
        plan(
            catalog,
            workload(
                providers={"deny": ["home"]},
                weights={
                    "cost": 0,
                    "latency": 0,
                    "context": 1,
                    "task_fit": 0,
                    "lifecycle": 0,
                    "confidence": 0,
                },
            ),
            verifier=True,
        )
    )
    assert wp.verifier is not None
    others = [
        c
        for c in match(wp.workload, catalog, today=TODAY).candidates
        if c.offering.key != wp.primary.key
    ]
    cheapest = min(others, key=lambda c: c.cost.per_1k or 0)
    assert wp.verifier.key == cheapest.offering.key


def test_degraded_is_a_last_resort_with_a_short_timeout(catalog: Catalog) -> None:
    wp = only(
        plan(catalog, workload(latency={"ttft_p95_ms": 1000}), degraded=True, max_fallbacks=1)
    )
    assert wp.degraded is not None
    assert wp.degraded.timeout_s == 2.0
    assert wp.chain[-1] is wp.degraded
    assert wp.degraded.key not in keys(wp) and wp.degraded.key != wp.primary.key


def test_a_workload_nothing_can_serve_is_unplanned(catalog: Catalog) -> None:
    p = plan(catalog, workload(context_tokens=500_000))
    assert p.workloads == ()
    (u,) = p.unplanned
    assert "no candidate" in u.reason


def test_read_run_collects_figures_and_failures(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run = store.start_run(target="sim", simulated=True)
    store.record_results(
        run,
        [
            {
                "workload": "job",
                "offering": "alpha/a-small",
                "probe": "latency",
                "metric": "ttft_ms_p95",
                "value": 420.0,
                "n": 10,
                "unit": "ms",
            },
            {
                "workload": "job",
                "offering": "alpha/a-small",
                "probe": "samples",
                "metric": "schema_valid_rate",
                "value": 0.5,
                "n": 4,
                "unit": "share",
            },
            {
                "workload": "job",
                "offering": "alpha/a-small",
                "probe": "structured",
                "metric": "schema_valid_rate",
                "value": 1.0,
                "n": 8,
                "unit": "share",
            },
        ],
    )
    for outcome in ("ok", "ok", "ok", "http_5xx"):
        store.record_attempt(
            run,
            AttemptRecord(
                workload="job", offering="alpha/a-small", probe="latency", outcome=outcome
            ),
        )
    store.record_attempt(
        run,
        AttemptRecord(
            workload="job", offering="alpha/a-small", probe="ratelimit", outcome="http_429"
        ),
    )
    store.finish_run(run, "complete")
    m = read_run(store, run)
    assert m.simulated and m.run_id == run
    got = m.of("job", "alpha/a-small")
    assert got is not None
    assert got.get("latency.ttft_ms_p95") == Measure(420.0, 10, "ms")
    assert got.get("samples.schema_valid_rate") != got.get("structured.schema_valid_rate")
    assert got.error_rate == 0.25  # the rate-limit probe's 429 is not held against it
    with pytest.raises(UnknownRun):
        read_run(store, run + 1)


# Hand edits (advisor.plan.edit): what the TUI's Plan screen changes.


def draft(
    catalog: Catalog, w: Workload, measures: RunMeasures | None = None, **options: Any
) -> PlanDraft:
    result = match(w, catalog, today=TODAY)
    return PlanDraft(
        [result],
        catalog,
        resolve_endpoints(catalog, {}),
        measures=measures,
        options=PlanOptions(**options),
        today=TODAY,
    )


def test_moving_and_dropping_fallbacks_makes_new_plans(catalog: Catalog) -> None:
    wp = only(plan(catalog, workload()))
    assert keys(wp) == ["beta/b-mid", "gamma/large-hosted", "alpha/a-large"]
    moved = move_fallback(wp, 2, -1)
    assert keys(moved) == ["beta/b-mid", "alpha/a-large", "gamma/large-hosted"]
    assert keys(wp) == ["beta/b-mid", "gamma/large-hosted", "alpha/a-large"]  # untouched
    assert keys(move_fallback(wp, 0, -5)) == keys(wp)  # already first: nothing to do
    assert move_fallback(wp, 0, -5) is wp
    assert keys(move_fallback(wp, 0, 9))[-1] == "beta/b-mid"
    dropped = drop_fallback(moved, 0)
    assert keys(dropped) == ["alpha/a-large", "gamma/large-hosted"]
    (note,) = [n for n in dropped.notes if n.startswith(EDITED_NOTE)]
    assert note.endswith("beta/b-mid, gamma/large-hosted, alpha/a-large")  # the planner's
    with pytest.raises(IndexError):
        drop_fallback(wp, 3)


def test_an_edited_plan_names_only_the_providers_it_routes_to(catalog: Catalog) -> None:
    d = draft(catalog, workload())
    assert set(d.plan.endpoints) == {"alpha", "beta", "gamma"}
    d.drop("job", 1)  # gamma/large-hosted
    assert keys(only(d.plan)) == ["beta/b-mid", "alpha/a-large"]
    assert set(d.plan.endpoints) == {"alpha", "beta"}
    assert d.edited("job") and d.can_undo("job")
    assert d.undo("job")
    assert keys(only(d.plan)) == ["beta/b-mid", "gamma/large-hosted", "alpha/a-large"]
    assert set(d.plan.endpoints) == {"alpha", "beta", "gamma"}
    assert not d.can_undo("job") and not d.undo("job")


def test_replanning_restores_dropped_fallbacks_and_keeps_the_options(catalog: Catalog) -> None:
    d = draft(catalog, workload())
    d.set_canary("job", 0.1)
    d.drop("job", 0)
    d.move("job", 1, -1)
    assert keys(only(d.plan)) == ["alpha/a-large", "gamma/large-hosted"]
    canary = only(d.plan).canary
    assert canary is not None and canary.weight == 0.1  # options survive fallback edits
    d.replan("job")
    assert keys(only(d.plan)) == ["beta/b-mid", "gamma/large-hosted", "alpha/a-large"]
    assert not d.edited("job") and only(d.plan).canary is not None
    assert not any(n.startswith(EDITED_NOTE) for n in only(d.plan).notes)
    d.undo("job")  # re-planning is an edit like the others
    assert keys(only(d.plan)) == ["alpha/a-large", "gamma/large-hosted"]


def test_canary_verifier_and_degraded_keep_the_fallback_order(catalog: Catalog) -> None:
    d = draft(catalog, workload(latency={"ttft_p95_ms": 1000}), max_fallbacks=2)
    d.move("job", 1, -1)
    order = keys(only(d.plan))
    d.set_canary("job", 0.05)
    wp = only(d.plan)
    assert wp.canary is not None and wp.canary.weight == 0.05 and wp.canary.gates
    d.set_verifier("job", True)
    d.set_degraded("job", True)
    wp = only(d.plan)
    assert keys(wp) == order and wp.verifier is not None and wp.degraded is not None
    d.set_canary("job", 0)
    d.set_verifier("job", False)
    wp = only(d.plan)
    assert wp.canary is None and wp.verifier is None and wp.degraded is not None
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="canary weight"):
            d.set_canary("job", bad)


def test_dropping_every_fallback_gives_the_retries_of_a_lone_primary(catalog: Catalog) -> None:
    d = draft(catalog, workload())
    assert only(d.plan).timeouts.retries == 0  # a failure goes to the next provider at once
    for _ in range(3):
        d.drop("job", 0)
    wp = only(d.plan)
    assert wp.fallbacks == () and wp.timeouts.retries == 2
    assert "no fallback" in wp.timeouts.reason


def test_a_new_draft_adopts_the_edits_of_unchanged_workloads(catalog: Catalog) -> None:
    old = draft(catalog, workload())
    old.drop("job", 0)
    same = draft(catalog, workload())
    same.adopt(old)
    assert keys(only(same.plan)) == keys(only(old.plan)) and same.can_undo("job")
    changed = draft(catalog, workload(output_tokens=50))
    changed.adopt(old)
    assert len(keys(only(changed.plan))) == 3 and not changed.can_undo("job")


def test_an_unplanned_workload_cannot_be_edited(catalog: Catalog) -> None:
    d = draft(catalog, workload(context_tokens=500_000))
    assert isinstance(d.outcome("job"), Unplanned)
    with pytest.raises(ValueError, match="no plan"):
        d.set_canary("job", 0.1)
    with pytest.raises(ValueError, match="no plan"):
        d.drop("job", 0)


def test_shares_rule_out_a_candidate_only_on_clear_evidence(catalog: Catalog) -> None:
    def with_recall(found: int, n: int) -> RunMeasures:
        by_key = {
            ("job", "alpha/a-small"): OfferingMeasures(
                {"context.needle_recall": Measure(found / n, n, "share")}, n, 0
            )
        }
        return RunMeasures(9, True, by_key)

    # One needle missed in nine: 89 %, but the interval reaches well above 90 %.
    assert only(plan(catalog, workload(), with_recall(8, 9))).primary.key == "alpha/a-small"
    lost = only(plan(catalog, workload(), with_recall(4, 9), allow_unprobed=True))
    assert lost.primary.key != "alpha/a-small"
    assert any("clearly below 90%" in n for n in lost.notes)
    # With many trials, 80 % is clear evidence; 89 % still is not.
    clear = only(plan(catalog, workload(), with_recall(80, 100), allow_unprobed=True))
    assert clear.primary.key != "alpha/a-small"
    assert only(plan(catalog, workload(), with_recall(89, 100))).primary.key == "alpha/a-small"


def test_the_wilson_interval_brackets_the_share() -> None:
    from advisor.plan.figures import wilson
    from advisor.plan.model import Basis

    low, high = wilson(Basis("recall", 8 / 9, "share", "simulated", 9))
    assert 0.5 < low < 8 / 9 < high < 1.0
    assert wilson(Basis("x", 0.5, "share", "catalog")) == (0.0, 1.0)  # no trials: no evidence
    low, high = wilson(Basis("x", 1.0, "share", "measured", 1000))
    assert low > 0.99 and high == 1.0


def test_a_run_that_did_not_measure_a_workload_says_so(catalog: Catalog) -> None:
    other = RunMeasures(4, True, {("another-job", "alpha/a-small"): OfferingMeasures({}, 5, 0)})
    wp = only(plan(catalog, workload(), other))
    assert any("probe run 4 did not measure this workload" in n for n in wp.notes)
    assert "not probed" in wp.primary.reason  # nothing probed for it: the ranking serves


def test_each_workload_is_planned_on_its_own_run_and_says_which(catalog: Catalog) -> None:
    first, second = workload(), workload(name="other")
    results = [match(w, catalog, today=TODAY) for w in (first, second)]
    ran = RunMeasures(
        3, True, {("job", "alpha/a-small"): OfferingMeasures({}, 10, 0)}, time_scale=0.1
    )
    later = RunMeasures(5, False, {("other", "alpha/a-small"): OfferingMeasures({}, 10, 0)})
    endpoints = resolve_endpoints(catalog, {})
    p = make_plan(
        results, catalog, endpoints, today=TODAY, by_workload={"job": ran, "other": later}
    )
    job, other = p.workloads
    assert (job.source, other.source) == (RunSource(3, True, 0.1), RunSource(5, False))
    assert str(job.source) == "simulated probe run 3 (time-scaled ×0.1, converted to real time)"
    assert p.run_id == 5 and p.simulated and p.time_scales == (0.1,)
    assert "for job" in p.figures_label and "live probe run 5 for other" in p.figures_label
    # A workload no run measured has catalog figures, and says so.
    alone = make_plan(results, catalog, endpoints, today=TODAY, by_workload={"job": ran})
    assert alone.workloads[1].source is None
    assert alone.workloads[1].figures_label == "catalog figures (no probe run measured it)"
    assert alone.figures_label.startswith("simulated probe run 3")
