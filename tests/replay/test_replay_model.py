"""The gateway model: routing, cooldowns, time compression, context fallback, intervals."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from advisor.plan.model import Plan
from advisor.replay.assign import NO_ROUTE, ReplayRequest, assign, message_tokens
from advisor.replay.behaviour import Behaviour
from advisor.replay.gateway import Router, Served, rules_for
from advisor.replay.outcome import SECONDS_PER_DAY
from advisor.replay.run import (
    UnknownOffering,
    behaviours,
    check_failures,
    replay_model,
    report_json,
)
from advisor.replay.upstream import ModelUpstream
from advisor.workload.model import DAYS_PER_MONTH
from catalog import Catalog
from tests.replay.conftest import (
    CANARY_TRUTH,
    CONTEXT,
    FAILS,
    FALLBACK,
    OUTPUT_TOKENS,
    PRIMARY,
    START,
    WORKLOAD,
    logged,
    make,
    workload,
)


def expected_monthly(catalog: Catalog, shares: dict[str, float], tokens: int) -> float:
    """The closed-form monthly cost: each offering's share of requests at its price."""
    plan = make(catalog, canary=True)
    router = Router(plan, ModelUpstream({}), rules_for(plan))
    request = ReplayRequest(0, "x", WORKLOAD, 0.0, tokens, OUTPUT_TOKENS, (), "messages")
    by_key = {c.key: c.offering for c in plan.workloads[0].choices()}
    per_request = 0.0
    for key, share in shares.items():
        cost = router.cost(by_key[key], request, tokens, OUTPUT_TOKENS)
        assert cost is not None
        per_request += share * cost
    return per_request * 20_000 * DAYS_PER_MONTH


@pytest.mark.parametrize(("requests", "method"), [(800, "percentile bootstrap"), (6000, "normal")])
def test_a_primary_failing_half_the_time_sends_its_share_of_a_canary_plan_to_the_fallback(
    catalog: Catalog, requests: int, method: str
) -> None:
    """Cooldowns are off with a canary (as the export sets them), so every request tries the
    primary or, while its last attempt succeeded, the canary: each share has a closed form
    (CANARY_TRUTH), and each stated interval holds it (the cost's by bootstrap, or past BOOTSTRAP_MAX requests by the
    normal interval of a mean)."""
    plan = make(catalog, canary=True)
    traffic = assign(logged(requests, gap_s=0.01), [workload()])
    result = replay_model(traffic, plan, "canary plan", failures={PRIMARY: FAILS}, seed=3)
    total = result.total
    truth = CANARY_TRUTH
    assert total.requests == requests and total.errors.count == 0
    assert total.fallback.holds(truth[FALLBACK]), total.fallback.interval
    served = {k.split(" ", 1)[1]: s for k, s in total.served_by.items()}
    assert set(served) == set(truth)
    for key, share in truth.items():
        assert served[key].holds(share), (key, served[key].interval)
    tokens = traffic.requests[0].input_tokens
    assert total.monthly is not None
    assert total.monthly.holds(expected_monthly(catalog, truth, tokens)), total.monthly
    assert total.monthly.method.startswith(method)
    assert total.volume is not None and total.volume.source == "workload file"
    assert "imposed: fails 50%" in " ".join(result.basis)


def test_without_a_canary_a_dead_primary_cools_down_after_the_allowed_fails(
    catalog: Catalog,
) -> None:
    """The export's cooldown: more than three failures within 30 s take the primary out
    for 30 s, so in a 30 s log it is tried four times, then never."""
    plan = make(catalog, canary=False)
    rules = rules_for(plan)
    assert rules.cooldowns
    traffic = assign(logged(120), [workload()])  # 0.25 s apart: under 30 s
    result = replay_model(traffic, plan, "plain", failures={PRIMARY: 1.0}, seed=1)
    assert result.total.errors.count == 0
    served = result.total.served_by
    assert served == {f"fallback-1 {FALLBACK}": served[f"fallback-1 {FALLBACK}"]}
    assert served[f"fallback-1 {FALLBACK}"].count == 120

    router = Router(plan, ModelUpstream(_behaviours(plan, {PRIMARY: 1.0})), rules, seed=1)
    answers = asyncio.run(_route(router, traffic.requests, scale=1.0))
    tried = [a for s in answers for a in s.attempts if a.key == PRIMARY]
    assert len(tried) == rules.allowed_fails + 1


def test_compressing_time_moves_arrivals_closer_but_keeps_cooldowns_real(
    catalog: Catalog,
) -> None:
    """A 300 s log at scale 1 spans ten cooldown windows; at 0.1 it spans one, so the
    primary is tried far less often: the scale changes results, and reports carry it."""
    plan = make(catalog, canary=False)
    traffic = assign(logged(1200), [workload()])
    tried = {}
    for scale in (1.0, 0.1):
        router = Router(
            plan, ModelUpstream(_behaviours(plan, {PRIMARY: 1.0})), rules_for(plan), seed=1
        )
        answers = asyncio.run(_route(router, traffic.requests, scale=scale))
        tried[scale] = sum(a.key == PRIMARY for s in answers for a in s.attempts)
    assert tried[0.1] == 4
    assert tried[1.0] >= 4 * 5
    report = replay_model(traffic, plan, "plain", failures={PRIMARY: 1.0}, scale=0.1)
    assert "time scale 0.1" in report.scale_label
    assert report_json(report)["time_scale"] == 0.1


def test_an_input_too_large_for_the_primary_goes_to_the_context_fallback(
    catalog: Catalog,
) -> None:
    """Over the primary's window: the context fallback; over every window: a 400 the user
    sees, counted as over the plan's trim point."""
    plan = make(catalog, canary=False)
    later = START + 10
    big = dataclasses.replace(logged(1, words=9000)[0], at=later)  # over the 8k windows
    huge = dataclasses.replace(logged(1, words=80_000)[0], at=later + 1)  # over every window
    traffic = assign([*logged(5), big, huge], [workload()])
    sizes = [r.input_tokens for r in traffic.requests]
    assert 8192 < sizes[5] < plan.workloads[0].context.trim_at_tokens < 131_072 < sizes[6]
    result = replay_model(traffic, plan, "plain", seed=2)
    total = result.total
    assert total.served_by[f"context {CONTEXT}"].count == 1
    assert total.served_by[f"primary {PRIMARY}"].count == 5
    assert total.context.count == 1
    assert total.errors.count == 1 and total.error_statuses == {400: 1}
    assert total.over_trim == 1


def test_routes_no_workload_takes_are_counted_and_an_untimed_log_is_spaced_a_second_apart(
    catalog: Catalog,
) -> None:
    records = logged(4) + logged(2, route="other-alias")
    records = [dataclasses.replace(r, at=None) for r in records]
    records.append(dataclasses.replace(records[0], route=None, model=None))
    traffic = assign(records, [workload()])
    assert traffic.unmatched == {"other-alias": 2, NO_ROUTE: 1}
    assert not traffic.timed
    assert [r.offset_s for r in traffic.requests] == [0.0, 1.0, 2.0, 3.0]
    assert traffic.requests[0].input_tokens == message_tokens(records[0].messages)
    assert traffic.requests[0].sizes_from == "messages"


def test_the_log_rate_scales_the_monthly_cost_when_the_workload_states_no_volume(
    catalog: Catalog,
) -> None:
    w = workload(volume={})
    plan = make(catalog, canary=False, w=w)
    traffic = assign(logged(41, gap_s=60.0), [w])  # one a minute for 40 minutes
    result = replay_model(traffic, plan, "plain", seed=0)
    volume = result.total.volume
    assert volume is not None and "log rate" in volume.source
    assert volume.per_month == pytest.approx(41 / 2400 * SECONDS_PER_DAY * DAYS_PER_MONTH)


def test_a_provider_rate_limit_refuses_requests_beyond_its_bucket() -> None:
    upstream = ModelUpstream({"a/b": _behaviour("a/b", rpm=60)})
    assert upstream._admit(upstream.behaviours["a/b"], 0.0)
    admitted = sum(upstream._admit(upstream.behaviours["a/b"], 0.0) for _ in range(100))
    assert admitted == 59  # the bucket held 60, one taken above
    assert upstream._admit(upstream.behaviours["a/b"], 1.0)  # refilled one a second


def test_a_failure_rate_for_an_offering_no_plan_routes_to_is_refused(catalog: Catalog) -> None:
    plan = make(catalog, canary=False)
    check_failures([plan], {PRIMARY: 0.5})
    with pytest.raises(UnknownOffering, match="nobody/none: no plan routes to it"):
        check_failures([plan], {PRIMARY: 0.5, "nobody/none": 0.5})


# -- helpers -------------------------------------------------------------------------------


def _behaviour(key: str, *, rpm: int | None = None, fails: float = 0.0) -> Behaviour:
    return Behaviour(key, 300.0, 0.3, 10.0, fails, rpm, 8192, "test", "test")


def _behaviours(plan: Plan, failures: dict[str, float]) -> dict[str, Behaviour]:
    return behaviours(plan, None, failures)


async def _route(router: Router, requests: tuple[ReplayRequest, ...], scale: float) -> list[Served]:
    return [await router.route(r, r.offset_s * scale) for r in requests]


def test_what_the_log_recorded_is_kept_beside_the_replay(catalog: Catalog) -> None:
    """The log's own statuses, latencies and costs of the same requests: the baseline a
    plan's replay reads against."""
    plan = make(catalog, canary=False)
    records = [
        dataclasses.replace(r, status=status, latency_s=seconds, cost_usd=0.002)
        for r, status, seconds in zip(
            logged(4), (200, 200, 500, 200), (1.0, 2.0, 9.0, 3.0), strict=True
        )
    ]
    result = replay_model(assign(records, [workload()]), plan, "plain", seed=0)
    baseline = result.total.logged
    assert baseline.errors is not None and (baseline.errors.count, baseline.errors.n) == (1, 4)
    assert baseline.latency is not None and baseline.latency.p50 == 2000.0  # answered only
    assert baseline.monthly == pytest.approx(0.002 * 20_000 * DAYS_PER_MONTH)
    assert report_json(result)["total"]["as_logged"]["monthly_usd"] == baseline.monthly

    unknown = replay_model(assign(logged(3), [workload()]), plan, "plain").total.logged
    assert unknown.monthly is None and unknown.latency is None  # the log states no cost
