"""The numbers behind the weights view's ridgeline (TensorBoard's "offset" histograms) and its axes: a density
per sampled moment of a run, a history keeping at most ``RIDGES`` of them spread evenly over the run, and round tick
steps. Plain NumPy (no widgets)."""

from __future__ import annotations

import math

import numpy as np

from nnviz.ui.training.common import nice_ceil

RIDGES = 24           # distributions kept for the "over time" view, spread evenly over the run
GRID = 81             # points of each distribution's curve
KDE_MAX = 4096        # up to this many weights a smooth density (a histogram of a few weights is a comb)


def nice_step(count: int, room: int) -> int:
    """Label every n-th of ``count`` rows or columns (n = 1, 2, 5, 10, 20, 50, ...) so that at most ``room``
    labels are shown."""
    room = max(room, 1)
    step, k = 1, 0
    while -(-count // step) > room:
        k += 1
        step = (1, 2, 5)[k % 3] * 10 ** (k // 3)
    return step


def weight_density(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """``(x, density)`` of ``values`` over ``-level … level``, the density scaled to a peak of 1: a Gaussian kernel
    density (Silverman's bandwidth) for up to ``KDE_MAX`` weights, a lightly smoothed histogram for more."""
    x = np.linspace(-level, level, GRID)
    v = np.asarray(values, dtype=np.float64).ravel()
    step = 2 * level / (GRID - 1)
    if v.size <= KDE_MAX:
        bandwidth = max(1.06 * float(v.std()) * v.size ** -0.2, 1.5 * step)
        d = np.exp(-0.5 * ((x[:, None] - v[None, :]) / bandwidth) ** 2).sum(axis=1)
    else:
        counts, _edges = np.histogram(v, bins=GRID, range=(-level - step / 2, level + step / 2))
        d = np.convolve(counts.astype(np.float64), [0.25, 0.5, 0.25], mode="same")
    return x, d / max(float(d.max()), 1e-300)


class RidgeHistory:
    """The distributions of one run, at most ``size`` of them spread evenly over it (as TensorBoard keeps a sample of
    the steps): the newest is always the last one; when the list is full every other older one is dropped and the
    spacing doubles, so a long run shows its whole course and not only its last seconds."""

    def __init__(self, size: int = RIDGES):
        self.size = size
        self.clear()

    def clear(self) -> None:
        self.ridges: list[tuple[float, np.ndarray, np.ndarray]] = []   # (epoch, x, density), oldest first
        self.gap = 0.0

    def add(self, epoch: float, x: np.ndarray, density: np.ndarray) -> None:
        r = self.ridges
        if r and epoch < r[-1][0]:   # weights reset or another run: start over
            self.clear()
            r = self.ridges
        if r and (epoch <= r[-1][0] or (len(r) >= 2 and epoch - r[-2][0] < self.gap)):
            r[-1] = (epoch, x, density)   # the newest moves on until it is a full gap past the one before it
        else:
            r.append((epoch, x, density))
        if len(r) > self.size:
            self.ridges = r[:-1][::2] + [r[-1]]
            self.gap = max(2 * self.gap, (r[-1][0] - r[0][0]) / self.size)


def epoch_ticks(lo: float, hi: float, room: int) -> list[tuple[float, str]]:
    """At most ``room`` ticks at round epochs between ``lo`` and ``hi`` (both included when there is only one)."""
    span = hi - lo
    if span <= 0:
        return [(hi, f"{hi:g}")]
    step = nice_ceil(span / max(room - 1, 1))
    if step >= 1:
        step = max(1.0, round(step))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = first
    while value <= hi + 1e-9:
        ticks.append((value, f"{value:g}" if step >= 1 else f"{value:.1f}"))
        value += step
    return ticks
