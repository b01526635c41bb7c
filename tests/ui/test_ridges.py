"""The weights view's ridgeline numbers (task "split"): plain NumPy, no widgets."""

from __future__ import annotations

import numpy as np

from nnviz.ui.training.ridges import GRID, RidgeHistory, epoch_ticks, nice_step, weight_density


def test_density_peaks_at_one_over_the_symmetric_range():
    x, d = weight_density(np.random.default_rng(0).normal(0.5, 0.1, 500), 2.0)
    assert x.shape == d.shape == (GRID,) and x[0] == -2.0 and x[-1] == 2.0
    assert d.max() == 1.0 and abs(x[d.argmax()] - 0.5) < 0.1
    _x, big = weight_density(np.zeros(10_000), 1.0)          # many weights: the histogram path
    assert big.max() == 1.0 and big[GRID // 2] == 1.0


def test_ridge_history_keeps_at_most_its_size_spread_over_the_run():
    h = RidgeHistory(size=4)
    x = np.zeros(3)
    for epoch in range(40):
        h.add(float(epoch), x, x)
    epochs = [r[0] for r in h.ridges]
    assert len(epochs) <= 4 and epochs[-1] == 39.0 and epochs[0] < 20
    h.add(0.0, x, x)                                          # a reset run starts over
    assert [r[0] for r in h.ridges] == [0.0]


def test_ticks_and_label_steps_are_round():
    assert nice_step(100, 10) == 10 and nice_step(5, 10) == 1 and nice_step(30, 4) == 10
    assert epoch_ticks(0, 10, 6) == [(0, "0"), (2.0, "2"), (4.0, "4"), (6.0, "6"), (8.0, "8"), (10.0, "10")]
    assert epoch_ticks(3, 3, 5) == [(3, "3")]
