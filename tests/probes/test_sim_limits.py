"""Rate limits from the catalog: 429 with retry-after and the providers' rate-limit headers."""

from __future__ import annotations

import httpx
import openai
import pytest

from catalog import load_catalog
from probes.simulator import SimulatorHandle, running_simulator
from probes.simulator.ratelimit import Bucket, RateLimiter, catalog_limits
from tests.probes.conftest import SIM_DATA, TIME_SCALE


def test_catalog_rpm_is_enforced_with_openai_headers(sim: SimulatorHandle) -> None:
    with openai.OpenAI(base_url=f"{sim.url}/p/simlab/v1", api_key="sim", max_retries=0) as client:
        remaining = []
        for _ in range(3):
            raw = client.chat.completions.with_raw_response.create(
                model="limited-1", messages=[{"role": "user", "content": "Hi"}]
            )
            assert raw.headers["x-ratelimit-limit-requests"] == "3"
            assert raw.headers["x-ratelimit-limit-tokens"] == "100000"
            remaining.append(int(raw.headers["x-ratelimit-remaining-requests"]))
        assert remaining == [2, 1, 0]
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(
                model="limited-1", messages=[{"role": "user", "content": "Hi"}]
            )
    error = caught.value
    assert error.code == "rate_limit_exceeded" and error.type == "requests"
    assert "on requests per min (RPM): Limit 3, Used 3, Requested 1" in error.message
    headers = error.response.headers
    # One request refills every 20 s at 3 rpm; the time scale never shortens rate limits.
    assert 1 <= int(headers["retry-after"]) <= 20
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"].endswith("s")


def test_rpm_option_applies_to_every_offering_with_anthropic_headers() -> None:
    with running_simulator([SIM_DATA], time_scale=TIME_SCALE, rpm=2) as handle:
        url = f"{handle.url}/p/simlab-anthropic/v1/messages"
        body = {"model": "small-1", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        with httpx.Client(timeout=10) as client:
            replies = [client.post(url, json=body) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 429]
    ok, refused = replies[0], replies[2]
    assert ok.headers["anthropic-ratelimit-requests-limit"] == "2"
    assert ok.headers["anthropic-ratelimit-requests-remaining"] == "1"
    assert ok.headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    assert refused.json()["error"]["type"] == "rate_limit_error"
    assert int(refused.headers["retry-after"]) >= 1


def test_tokens_per_minute_counts_prompt_and_max_tokens() -> None:
    limiter = RateLimiter(rpm=None, tpm=1000)
    catalog = load_catalog([SIM_DATA])
    offering = catalog.get("simlab/exact-1")
    assert offering is not None
    first = limiter.check(offering, 600)
    assert first is not None and first.kind is None and first.remaining_tokens == 400
    second = limiter.check(offering, 600)
    assert second is not None and second.kind == "tokens"
    assert second.retry_after == pytest.approx(200 / (1000 / 60), rel=0.05)


def test_bucket_refills_continuously() -> None:
    bucket = Bucket(capacity=60, level=0, stamp=0.0)
    bucket.refill(0.5)
    assert bucket.level == pytest.approx(0.5)
    assert bucket.wait_for(1) == pytest.approx(0.5)
    bucket.refill(1000.0)
    assert bucket.level == 60 and bucket.reset_in() == 0


def test_limits_come_from_the_catalog_or_the_free_tier() -> None:
    catalog = load_catalog([SIM_DATA, SIM_DATA.parent.parent.parent / "data" / "catalog"])
    limited = catalog.get("simlab/limited-1")
    free = catalog.get("hostel/opal-70b:free")
    plain = catalog.get("simlab/exact-1")
    assert limited and free and plain
    assert catalog_limits(limited) == (3, 100000)
    assert catalog_limits(free) == (20, None)
    assert catalog_limits(plain) == (None, None)
    assert RateLimiter().check(plain, 10) is None  # unlimited: no headers at all
