"""Every scenario through the exports in tensorzero, started once for the module."""

from __future__ import annotations

import pytest

from tests.gateways.conftest import Suite
from tests.gateways.drivers import TensorZeroEmbedded
from tests.gateways.scenarios import SCENARIOS, Scenario, check

pytestmark = pytest.mark.xdist_group("gateway-tensorzero")  # one gateway process per module


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario(
    scenario: Scenario,
    tensorzero_embedded: TensorZeroEmbedded,
    suite: Suite,
    results: list[dict[str, object]],
) -> None:
    check(scenario, tensorzero_embedded, suite, results)
