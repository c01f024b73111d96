"""The sequential tests: a healthy canary is rarely rolled back however often one looks, a
bad one is rolled back within the n the test states, and the figures the gate reports are
the ones its decisions rest on."""

from __future__ import annotations

import math
import random

import pytest

from advisor.watch.sequential import BETA, MeanTest, ShareTest, bad_share, share_interval

CANARIES = 2000
"""Simulated canaries per false-alarm check."""
LOOKS = 2000
"""Requests per simulated canary, looked at after every one."""
MARGIN = 0.012
"""About three standard errors of a rate near 2.5 % over 2,000 canaries."""


def ever_fails(test: ShareTest, p: float, rng: random.Random, n: int = LOOKS) -> int | None:
    """The request at which a canary whose requests break the gate with chance `p` is first
    rolled back, looking after every request; None when it never is. The ratio only rises on
    a breaking request, so looking after each of those is looking after every request."""
    over = 0
    i = 0
    while True:
        # the gap to the next breaking request is geometric
        gap = 1 if p >= 1 else int(math.log(1 - rng.random()) / math.log(1 - p)) + 1
        i += gap
        if i > n:
            return None
        over += 1
        if test.decide(over, i) == "fail":
            return i


@pytest.mark.parametrize("bar", [0.01, 0.05])
def test_a_healthy_canary_is_rolled_back_at_most_alpha_of_the_time(bar: float) -> None:
    """2,000 canaries exactly at the bar (the hardest healthy case), looked at after each of
    2,000 requests: the share ever rolled back stays within alpha."""
    alpha = 0.05 / 2  # two gates judged
    test = ShareTest(bar, alpha)
    rng = random.Random(19)
    rolled = sum(ever_fails(test, bar, rng) is not None for _ in range(CANARIES))
    assert rolled / CANARIES <= alpha + MARGIN, rolled


def test_a_clearly_bad_canary_is_rolled_back_and_rarely_promoted() -> None:
    """At three times a 1 % bar, 95 % of canaries are rolled back within 1,000 requests; an
    all-failing canary is rolled back at the n `fail_at` states."""
    test = ShareTest(0.01, 0.025)
    rng = random.Random(7)
    within = [ever_fails(test, 0.03, rng, 1000) for _ in range(500)]
    assert sum(w is not None for w in within) / 500 >= 0.95
    assert ever_fails(test, 1.0, rng) == test.fail_at() == 4


def test_pass_at_is_where_a_clean_canary_passes_and_not_before() -> None:
    test = ShareTest(0.01, 0.025)
    n = test.pass_at(0)
    assert n == 147
    assert test.decide(0, n) == "pass"
    assert test.decide(0, n - 1) == "undecided"
    # a promoted clearly-bad canary is rare: at the bad share, pass needs luck
    rng = random.Random(3)
    passed = 0
    for _ in range(1000):
        over = sum(rng.random() < test.bad for _ in range(n))
        passed += test.decide(over, n) == "pass"
    assert passed / 1000 <= BETA


def test_unsure_histogram_counts_never_pass_a_gate_they_could_fail() -> None:
    test = ShareTest(0.05, 0.025)
    assert test.decide(0, 200) == "pass"
    assert test.decide(0, 200, unsure=30) != "pass"


def test_a_zero_bar_fails_on_the_first_breaking_request() -> None:
    test = ShareTest(0.0, 0.025)
    assert test.decide(1, 1) == "fail"
    assert test.fail_at() == 1
    assert bad_share(0.0) == 0.02


def test_share_interval_covers_the_truth_at_every_look() -> None:
    """The confidence sequence holds at every n at once: over 300 canaries watched for 500
    requests, the truth leaves the interval for at most alpha of them."""
    rng = random.Random(5)
    alpha, p, misses = 0.05, 0.1, 0
    for _ in range(300):
        over = 0
        for n in range(1, 501):
            over += rng.random() < p
            if n % 10 == 0:
                low, high = share_interval(over, n, alpha)
                if not low <= p <= high:
                    misses += 1
                    break
    assert misses / 300 <= alpha + 0.03
    low, high = share_interval(5, 100, alpha)
    assert 0 < low < 0.05 < high < 0.2
    low, high = share_interval(0, 100, alpha)
    assert low == 0 and 0.03 < high < 0.08  # wider than a one-look interval (3/n)
    assert share_interval(100, 100, alpha)[1] == 1.0
    assert share_interval(0, 0, alpha) == (0.0, 1.0)


def test_mean_test_decides_only_past_its_minimum_and_on_the_right_side() -> None:
    test = MeanTest(1.0, 0.025)
    assert test.decide(10, 0.5, 0.1) == "undecided"
    assert test.decide(100, 0.5, 0.1) == "pass"
    assert test.decide(100, 1.5, 0.1) == "fail"
    assert test.decide(100, 0.98, 0.5) == "undecided"
