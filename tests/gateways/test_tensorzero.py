"""Every scenario through the exports in tensorzero, started once for the module."""

from __future__ import annotations

import pytest

from tests.gateways.conftest import Suite
from tests.gateways.drivers import TensorZeroEmbedded
from tests.gateways.scenarios import CANARY, SCENARIOS, Scenario, check

pytestmark = pytest.mark.xdist_group("gateway-tensorzero")  # one gateway process per module


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario(
    scenario: Scenario,
    tensorzero_embedded: TensorZeroEmbedded,
    suite: Suite,
    results: list[dict[str, object]],
) -> None:
    check(scenario, tensorzero_embedded, suite, results)


def test_only_a_pinned_request_reaches_the_canary_and_its_failure_takes_the_plans_path(
    tensorzero_embedded: TensorZeroEmbedded, suite: Suite
) -> None:
    """The canary variant is in neither candidate_variants nor fallback_variants: the
    canary-split scenario shows the gateway never picks it; pinned, as the export's header
    tells the application to send its share, a request reaches it, and one it fails is
    answered down the primary's path, never by another candidate."""
    upstream = suite.upstream
    upstream.reset()
    answer = tensorzero_embedded.chat(CANARY, "req-pin-1 ping", variant="canary")
    assert answer.ok and upstream.served("req-pin-1") == "canary", answer
    upstream.set(canary="500")
    try:
        answer = tensorzero_embedded.chat(CANARY, "req-pin-2 ping", variant="canary")
    finally:
        upstream.set(canary="ok")
    assert answer.ok, answer
    assert upstream.path("req-pin-2") == [("canary", "500"), ("primary", "ok")]
