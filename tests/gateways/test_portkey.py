"""Every scenario through the exports in portkey, started once for the module."""

from __future__ import annotations

import pytest

from tests.gateways.conftest import Suite
from tests.gateways.drivers import PortkeyGateway
from tests.gateways.scenarios import SCENARIOS, Scenario, check

pytestmark = pytest.mark.xdist_group("gateway-portkey")  # one gateway process per module


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario(
    scenario: Scenario,
    portkey_gateway: PortkeyGateway,
    suite: Suite,
    results: list[dict[str, object]],
) -> None:
    check(scenario, portkey_gateway, suite, results)
