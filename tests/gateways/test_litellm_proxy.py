"""Every scenario through the exports in litellm proxy, started once for the module."""

from __future__ import annotations

import pytest

from advisor.export.litellm import MASTER_KEY_ENV
from tests.gateways.conftest import Suite
from tests.gateways.drivers import LiteLLMProxy
from tests.gateways.scenarios import SCENARIOS, Scenario, check

pytestmark = pytest.mark.xdist_group("gateway-litellm_proxy")  # one gateway process per module


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario(
    scenario: Scenario, litellm_proxy: LiteLLMProxy, suite: Suite, results: list[dict[str, object]]
) -> None:
    check(scenario, litellm_proxy, suite, results)


def test_the_proxy_runs_the_export_with_the_master_key_named_in_its_header(
    litellm_proxy: LiteLLMProxy, suite: Suite
) -> None:
    """The proxy started on the file as exported (the fixture); it takes the key from the
    variable the header names and refuses any other."""
    text = suite.exports["litellm"].read_text(encoding="utf-8")
    assert f"export {MASTER_KEY_ENV}=" in text.split("\nmodel_list:")[0]
    body = {"model": "support-chat", "messages": [{"role": "user", "content": "req-0 ping"}]}
    url = f"{litellm_proxy.url}/v1/chat/completions"
    wrong = litellm_proxy.client.post(url, json=body, headers={"authorization": "Bearer sk-nope"})
    # Without a database the proxy knows no key but the master key: 400 "No connected db".
    assert wrong.status_code in (400, 401), wrong.text
    assert suite.upstream.hits("req-0") == []
