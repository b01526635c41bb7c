"""Central finite differences in float64, shared by the core's gradient tests."""

from __future__ import annotations

import numpy as np


def numeric_grad(f, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """d f(x) / d x for a scalar function ``f`` of the array ``x`` (perturbed in place, restored)."""
    g = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)
    gflat = g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return g


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a|, |b|, floor), elementwise: the usual gradient-check figure.

    The floor (1e-3 of the largest entry, at least 1e-8) keeps entries that are tiny next to the
    rest from being judged on finite-difference round-off alone.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if not a.size:
        return 0.0
    floor = max(1e-3 * max(np.abs(a).max(), np.abs(b).max()), 1e-8)
    denom = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / denom))
