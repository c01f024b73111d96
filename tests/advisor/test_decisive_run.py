"""A decisive run end to end on the simulator: it goes down the candidate list when the top
candidates fail, and the plan's primary is always one the run probed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from advisor import home
from advisor.match.matching import MatchResult, match
from advisor.plan.inputs import plan_for
from advisor.probe.lifecycle import DEFAULT_KINDS, ProbeRequest, run_probes
from advisor.workload.model import load_workloads
from probes import aio
from probes.deadlines import Timeouts
from probes.decide import percentile_verdict, share_verdict
from probes.kinds.base import Settings
from probes.stats import quantile_bounds
from probes.store import RunStore

WORKLOAD = """\
workloads:
  - name: ideas
    task: creative
    context_tokens: 200
    output_tokens: 40
    determinism: any
    latency: {ttft_p95_ms: 5000}
"""


def _request(result: MatchResult, path: Path, **changes: Any) -> ProbeRequest:
    """A decisive simulated run of one workload at time scale 0.02, with `changes`."""
    request = ProbeRequest(
        home.load_catalog(()),
        [result],
        target="sim",
        kinds=DEFAULT_KINDS,
        settings=Settings(requests=5, decisive=True),
        top=2,
        budget_usd=50.0,
        workloads_file=path,
        layers=home.catalog_layers(()),
        time_scale=0.02,
        seed=5,
    )
    return dataclasses.replace(request, **changes)


def test_every_top_candidate_fails_and_the_run_goes_down_the_list(
    advisor_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "workloads.yaml"
    path.write_text(WORKLOAD, encoding="utf-8")
    catalog = home.load_catalog(())
    result = match(load_workloads(path)[0], catalog)
    top = [c.offering.key for c in result.candidates[:2]]
    # Both best candidates are down.
    request = _request(result, path, confirm=1, sim_faults={key: "5xx-burst:10" for key in top})
    finished = aio.run(run_probes(request))

    probed = {t.target.key for t in finished.prepared.plan.tasks}
    assert set(top) < probed  # it went on past the two that failed
    plan = plan_for(catalog, [result], run_id=finished.run_id)
    primary = plan.workloads[0].primary
    assert primary.offering.key in probed and primary.offering.key not in top
    assert "confirmed by probes" in primary.reason
    notes = " ".join(plan.workloads[0].notes)
    assert all(f"{key} passed over" in notes for key in top)


def test_without_a_confirmed_candidate_the_plan_says_so_and_names_a_probed_one(
    advisor_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "workloads.yaml"
    path.write_text(WORKLOAD, encoding="utf-8")
    catalog = home.load_catalog(())
    result = match(load_workloads(path)[0], catalog)
    request = _request(
        result,
        path,
        kinds=["latency"],
        top=1,
        sim_faults={c.offering.key: "5xx-burst:10" for c in result.candidates},
    )
    finished = aio.run(run_probes(request))
    plan = plan_for(catalog, [result], run_id=finished.run_id)
    wp = plan.workloads[0]
    assert wp.primary.offering.key == result.candidates[0].offering.key  # the probed one
    assert "NOT confirmed" in wp.primary.reason
    assert any("no candidate was confirmed by probes" in n for n in wp.notes)


def test_order_statistic_bounds_and_verdicts() -> None:
    # Five samples bound a p95 from below (the 4th: 97.7 %), never from above.
    assert quantile_bounds([1, 2, 3, 4, 5], 95) == (4, None)
    assert percentile_verdict([900, 950, 1000, 1100, 1200], 95, 800, most=10) == "fail"
    assert percentile_verdict([100, 120, 130, 140, 150], 95, 800, most=10) == "open"
    assert percentile_verdict([100.0] * 10, 95, 800, most=10) == "pass"  # at most, the estimate
    # Shares: clear failure early; a verdict the remaining answers cannot change.
    assert share_verdict(0, 3, 0.9, most=3) == "fail"
    assert share_verdict(3, 3, 0.9, most=3) == "pass"
    assert share_verdict(5, 5, 0.95, most=10) == "open"
    assert share_verdict(9, 10, 0.95, most=10) == "pass"
    assert share_verdict(8, 10, 0.95, most=10) == "fail"


def test_a_candidate_ruled_out_is_replaced_at_once_not_after_the_slow_ones(
    advisor_home: Path, tmp_path: Path
) -> None:
    """Down the list per candidate: the best one fails in milliseconds, the second takes
    5 s to answer; the third starts while the second is still answering. (Each latency step
    waits up to 3 s for a quiet client, so the slow one must be slower than that.)"""
    path = tmp_path / "workloads.yaml"
    path.write_text(WORKLOAD.replace("    latency: {ttft_p95_ms: 5000}\n", ""), encoding="utf-8")
    catalog = home.load_catalog(())
    result = match(load_workloads(path)[0], catalog)
    down, slow = (c.offering.key for c in result.candidates[:2])
    # 250 simulated seconds late: 5 s at this scale, within the limits set here.
    faults = {down: "5xx-burst:10", slow: "slow-headers:250"}
    limits = Timeouts(total_s=20, first_byte_s=10)
    settings = Settings(requests=5, decisive=True, timeouts=limits)
    request = _request(result, path, confirm=2, sim_faults=faults, settings=settings)
    finished = aio.run(run_probes(request))
    with RunStore(home.runs_db()) as store:
        attempts = list(store.attempts(finished.run_id))
    by_offering: dict[str, list[dict[str, Any]]] = {}
    for attempt in attempts:
        by_offering.setdefault(attempt["offering"], []).append(attempt)
    assert {a["outcome"] for a in by_offering[slow]} == {"ok"}
    (third,) = set(by_offering) - {down, slow}
    slow_done = max(a["end_ns"] for a in by_offering[slow])
    assert min(a["sent_ns"] for a in by_offering[third]) < slow_done
