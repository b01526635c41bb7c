"""The loss over a plane through weight space: what the optimizer walks on (Li et al., "Visualizing the Loss Landscape
of Neural Nets", 2018). NumPy only.

The plane goes through ``center`` (the current weights) and is spanned by two directions:

* with a trajectory (a run's checkpoints), the top two principal directions of the checkpoints' offsets from the
  centre (:func:`pca_directions`): the plane the optimizer moved in most, so its path projected onto the plane
  (:func:`project`) keeps most of its shape;
* before there is one, two random directions, filter-normalised (:func:`random_directions`): each filter (a unit's
  incoming weights) of a direction scaled to the norm of that filter in the weights, so that the picture does not
  depend on how the weights happen to be scaled.

:func:`loss_grid` evaluates the model's loss (``model.evaluate``, regularization included) at every point
``center + a·d1 + b·d2`` of a grid and leaves the model's weights as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def flatten(weights) -> np.ndarray:
    return np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w in weights]) if len(weights) else \
        np.zeros(0)


def unflatten(vector: np.ndarray, like) -> list[np.ndarray]:
    out, i = [], 0
    for w in like:
        w = np.asarray(w)
        out.append(vector[i:i + w.size].reshape(w.shape).astype(w.dtype, copy=False))
        i += w.size
    return out


def random_directions(weights, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two filter-normalised random directions (flat, float64) for ``weights`` (a list of arrays)."""
    rng = np.random.default_rng(seed)
    dirs = []
    for _ in range(2):
        parts = []
        for w in weights:
            w = np.asarray(w, dtype=np.float64)
            d = rng.standard_normal(w.shape)
            if w.ndim <= 1:    # biases and other vectors: one "filter"
                d *= np.linalg.norm(w) / max(np.linalg.norm(d), 1e-12)
            else:              # one filter per output unit: the last axis of a Dense kernel and a Conv2D kernel
                axes = tuple(range(w.ndim - 1))
                d *= np.linalg.norm(w, axis=axes, keepdims=True) / np.maximum(
                    np.linalg.norm(d, axis=axes, keepdims=True), 1e-12)
            parts.append(d.ravel())
        dirs.append(np.concatenate(parts) if parts else np.zeros(0))
    return dirs[0], dirs[1]


def pca_directions(trajectory, center) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The top two principal directions (orthonormal, flat) of the ``trajectory``'s offsets from ``center`` and the
    share of the variance each explains; None when the trajectory spans fewer than two directions."""
    c = flatten(center)
    m = np.stack([flatten(w) - c for w in trajectory]) if len(trajectory) else np.zeros((0, c.size))
    if m.shape[0] < 2:
        return None
    _u, s, vt = np.linalg.svd(m, full_matrices=False)
    if len(s) < 2 or s[1] <= 1e-12 * max(s[0], 1e-300):
        return None
    explained = s ** 2 / np.sum(s ** 2)
    return vt[0], vt[1], explained[:2]


def project(weights, center, d1: np.ndarray, d2: np.ndarray) -> tuple[float, float]:
    """The plane coordinates (a, b) of ``weights``: least squares, exact for a point of the plane."""
    offset = flatten(weights) - flatten(center)
    basis = np.stack([d1, d2], axis=1)
    (a, b), *_ = np.linalg.lstsq(basis, offset, rcond=None)
    return float(a), float(b)


@dataclass(frozen=True)
class Landscape:
    """A loss grid: ``loss[j, i]`` at ``center + alphas[i]·d1 + betas[j]·d2``; ``path`` the trajectory's (a, b)."""

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    path: np.ndarray            # (n, 2)
    path_epochs: tuple
    kind: str                   # "pca" or "random"
    explained: tuple = ()       # variance shares of the two principal directions

    def weights_at(self, i: int, j: int, center) -> list[np.ndarray]:
        return unflatten(flatten(center) + self.alphas[i] * self.d1 + self.betas[j] * self.d2, center)


def loss_at(model, x, y) -> float:
    """The model's loss on (x, y) with its weights as they are (the one definition the grid uses)."""
    return float(model.evaluate(x, y, batch_size=len(x), return_dict=True)["loss"])


def sample(x, y, max_samples: int = 1000, seed: int = 0):
    """At most ``max_samples`` of (x, y), always the same ones: enough for the landscape's shape."""
    if len(x) <= max_samples:
        return x, y
    idx = np.sort(np.random.default_rng(seed).choice(len(x), max_samples, replace=False))
    return x[idx], y[idx]


def samples_for_budget(model, x, y, points: int, budget: float, max_samples: int = 1000, min_samples: int = 32) -> int:
    """How many samples let ``points`` loss evaluations fit in ``budget`` seconds: the cost of one evaluation is
    measured at two sample counts (a fixed part per call and a part per sample; recurrent and convolutional
    networks cost far more per sample than a small MLP)."""
    import time

    n_small, n_big = min(64, len(x)), min(512, len(x))
    costs = []
    for n in (n_small, n_big):
        loss_at(model, x[:n], y[:n])                 # warm
        best = float("inf")
        for _ in range(3):                           # the least of three: a shared machine only adds time
            t0 = time.perf_counter()
            loss_at(model, x[:n], y[:n])
            best = min(best, time.perf_counter() - t0)
        costs.append(best)
    per = max((costs[1] - costs[0]) / max(n_big - n_small, 1), 1e-9)
    fixed = max(costs[0] - n_small * per, 0.0)
    n = int(min(max(int((budget / max(points, 1) - fixed) / per), min_samples), max_samples, len(x)))
    for _ in range(2):    # check the estimate at the count chosen (larger arrays cost more per sample) and scale
        t0 = time.perf_counter()
        loss_at(model, x[:n], y[:n])
        cost = time.perf_counter() - t0
        if cost * points <= budget * 1.1 or n <= min_samples:
            break
        n = max(int(n * budget / (cost * points) * 0.9), min_samples)
    return n


def compute_landscape(model, x, y, trajectory=(), epochs=(), resolution: int = 33, span: float = 1.0,
                      seed: int = 0, cancelled=None) -> Landscape:
    """The loss over the plane through the model's current weights (see the module). ``trajectory`` is a list of
    weight lists (a run's checkpoints, oldest first) with their ``epochs``; ``cancelled()`` (optional) is polled
    between rows and stops early with ``None``. The model's weights are put back afterwards."""
    center = [np.array(w, copy=True) for w in model.get_weights()]
    found = pca_directions(trajectory, center) if len(trajectory) >= 2 else None
    if found is not None:
        d1, d2, explained = found
        kind = "pca"
        path = np.array([project(w, center, d1, d2) for w in trajectory])
        # each axis as far as the path goes (the second direction often moves a tenth as far: on one scale a
        # zigzag across the valley would be a flat line)
        reach_a, reach_b = (np.max(np.abs(path), axis=0) if len(path) else (1.0, 1.0))
        extent_a = max(float(reach_a) * 1.25, 1e-6)
        extent_b = max(float(reach_b) * 1.4, 0.15 * extent_a)
        alphas = np.linspace(-extent_a, extent_a, resolution)
        betas = np.linspace(-extent_b, extent_b, resolution)
    else:
        d1, d2 = random_directions(center, seed)
        kind, explained = "random", ()
        path = np.array([project(w, center, d1, d2) for w in trajectory]) if len(trajectory) else np.zeros((0, 2))
        alphas = betas = np.linspace(-span, span, resolution)
    loss = np.full((len(betas), len(alphas)), np.nan)
    c = flatten(center)
    try:
        for j, b in enumerate(betas):
            if cancelled is not None and cancelled():
                return None
            for i, a in enumerate(alphas):
                model.set_weights(unflatten(c + a * d1 + b * d2, center))
                loss[j, i] = loss_at(model, x, y)
    finally:
        model.set_weights(center)
    return Landscape(alphas=alphas, betas=betas, loss=loss, d1=d1, d2=d2, path=path,
                     path_epochs=tuple(float(e) for e in epochs), kind=kind,
                     explained=tuple(float(v) for v in explained))
