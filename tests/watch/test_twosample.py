"""The two-sample statistics drift rests on, against values worked by hand or published."""

from __future__ import annotations

import random

import pytest

from advisor.watch import twosample


def test_mann_whitney_matches_the_normal_approximation_worked_by_hand() -> None:
    # U = 0, mean 50, variance 10·10·21/12 = 175: z = 49.5/13.229 = 3.742, p = 0.000183.
    p = twosample.mann_whitney(range(1, 11), range(11, 21))
    assert p == pytest.approx(0.000183, rel=0.01)
    assert twosample.mann_whitney([5.0] * 10, [5.0] * 10) == 1.0  # all tied: no evidence


def test_fisher_exact_matches_the_textbook_table() -> None:
    # 8 of 10 against 1 of 6: two-sided p = 0.03497 (the classic tea-tasting-style table).
    assert twosample.fisher_exact(8, 10, 1, 6) == pytest.approx(0.03497, abs=1e-4)
    assert twosample.fisher_exact(5, 10, 5, 10) == pytest.approx(1.0)


def test_newcombe_interval_holds_the_difference_and_excludes_zero_when_far_apart() -> None:
    low, high = twosample.newcombe(90, 100, 50, 100)
    assert low < -0.4 < high < 0
    low, high = twosample.newcombe(50, 100, 52, 100)
    assert low < 0 < high


def test_holm_adjusts_step_down_and_keeps_the_order() -> None:
    assert twosample.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_jensen_shannon_is_zero_for_the_same_shape_and_one_for_disjoint() -> None:
    assert twosample.jensen_shannon([2, 4, 6], [1, 2, 3]) == pytest.approx(0.0)
    assert twosample.jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)


def test_permutation_test_tells_a_shifted_tail_from_noise() -> None:
    rng = random.Random(1)
    a = [rng.expovariate(1) for _ in range(60)]
    same = [rng.expovariate(1) for _ in range(60)]
    slower = [v + (5 if i % 4 == 0 else 0) for i, v in enumerate(same)]
    gap = twosample.quantile_gap(95)
    assert twosample.permutation_p(a, same, gap, random.Random(2)) > 0.05
    assert twosample.permutation_p(a, slower, gap, random.Random(2)) < 0.001
    low, high = twosample.bootstrap_shift(a, slower, 95, random.Random(3))
    assert 0 < low < high
