"""The input plane of a data set with two inputs: where its points lie, a grid over it, the network's inputs at
the grid's points, and what every node computes there (the Playground's node pictures). NumPy only.

The plane is the playground's x₁, x₂ over [-6, 6]², or, for any other data set of two input columns (the course's
weight and height, a CSV of two features), those two columns in their own units (before scaling) over the range
the data covers (:func:`plane_of`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.probe import ProbeModel

DOMAIN = (-6.0, 6.0)


def is_plane_dataset(dataset) -> bool:
    """A data set whose samples are points of the plane (the playground sets)."""
    return dataset is not None and getattr(dataset, "points_train", None) is not None and \
        np.asarray(dataset.points_train).ndim == 2 and np.asarray(dataset.points_train).shape[1] == 2


@dataclass(frozen=True)
class Plane:
    """Where a 2-D data set's samples lie, in the units the user knows, and how to draw it."""

    train: np.ndarray                   # (n, 2) training points
    test: np.ndarray                    # (m, 2) test points
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    labels: tuple[str, str]             # the axes' names
    square: bool                        # one unit on both axes (the playground), or each axis its own units


def plane_of(dataset) -> Plane | None:
    """The plane of a data set with two inputs (None for any other): the playground's points over [-6, 6]², or the
    two input columns before scaling over the range of the data (8 % margin)."""
    if dataset is None:
        return None
    if is_plane_dataset(dataset):
        train, test = np.asarray(dataset.points_train), np.asarray(dataset.points_test)
        box = DOMAIN
        both = np.concatenate([train.reshape(-1, 2), test.reshape(-1, 2)])
        if len(both) and np.isfinite(both).all():
            lo, hi = both.min(axis=0), both.max(axis=0)
            span = float((hi - lo).max())
            if span < 0.5 * (DOMAIN[1] - DOMAIN[0]):
                # points in a corner of the playground's square (the logic gates' 0 and 1): the square around them,
                # else AND's four points sit in 10 px of the plot
                mid, half = (lo + hi) / 2, max(0.75 * span, 0.5)
                box = (float(min(mid - half)), float(max(mid + half)))
        return Plane(train, test, box, box, ("x₁", "x₂"), True)
    if tuple(getattr(dataset, "input_shape", ())) != (2,) or getattr(dataset, "feature_keys", None):
        return None
    scaler = getattr(dataset, "scaler", None)

    def raw(x):
        x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
        return scaler.inverse_transform(x) if scaler is not None and len(x) else x

    train, test = raw(dataset.x_train), raw(dataset.x_test)
    both = np.concatenate([train, test])
    if not len(both) or not np.isfinite(both).all():
        return None
    lo, hi = both.min(axis=0), both.max(axis=0)
    pad = np.where(hi > lo, 0.08 * (hi - lo), 1.0)
    names = [str(n) for n in (getattr(dataset, "feature_names", None) or [])]
    labels = tuple(names) if len(names) == 2 else ("x₁", "x₂")
    return Plane(train, test, (float(lo[0] - pad[0]), float(hi[0] + pad[0])),
                 (float(lo[1] - pad[1]), float(hi[1] + pad[1])), labels, False)


def plane_grid(resolution: int, domain=DOMAIN, y_domain=None) -> tuple[np.ndarray, np.ndarray]:
    """``(points (r*r, 2), x₁ axis values (r,))``: pixel centres row by row, x₂ increasing with the row; ``domain``
    is x₁'s range (and x₂'s unless ``y_domain`` is given)."""
    def axis(lo, hi):
        step = (hi - lo) / resolution
        return lo + step * (np.arange(resolution) + 0.5)

    a1 = axis(*domain)
    a2 = axis(*(y_domain or domain))
    x1, x2 = np.meshgrid(a1, a2)
    return np.column_stack([x1.ravel(), x2.ravel()]), a1


def plane_features(dataset, points: np.ndarray) -> np.ndarray:
    """The network's inputs at ``points``: the data set's features (and scaling) applied to them."""
    keys = getattr(dataset, "feature_keys", None)
    if keys:
        from nnviz.core.data.playground import featurize
        x = featurize(points, keys)
    else:
        x = np.asarray(points, dtype=np.float32)
    scaler = getattr(dataset, "scaler", None)
    if scaler is not None:
        x = scaler.transform(x)
    return x


def _dense_layers(model):
    return [i for i, layer in enumerate(model.layers) if layer.layer_type == "Dense"]


def node_thumbnails(model, dataset, weights=None, resolution: int = 24, plane: Plane | None = None) -> list[np.ndarray]:
    """What every node computes over the plane, for the neuron view's thumbnails.

    Returns one array per column of nodes: first the input features ``(n_features, r, r)``, then for
    every Dense layer its units ``(units, r, r)`` (the activation ``a``), row 0 at the bottom of the
    plane (the lowest x₂). ``model`` is a built Sequential (or a :class:`ProbeModel`); ``weights``
    (e.g. ``snapshot.weights``) replace its weights for the computation. An empty list when the data set
    is not a plane (``plane``: the data set's, when already known).
    """
    plane = plane or plane_of(dataset)
    if plane is None:
        return []
    probe = model if isinstance(model, ProbeModel) else ProbeModel(model)
    if weights is not None:
        probe.set_weights(weights)   # (weights that do not fit, or are not finite, leave the last ones that did)
    points, _axis = plane_grid(resolution, plane.x_range, plane.y_range)
    x = plane_features(dataset, points)
    try:
        outs = probe.forward_all(x)
    except ValueError:  # the network cannot take the plane's points (an Embedding wants token ids)
        return []
    r = resolution
    columns = [x.T.reshape(x.shape[1], r, r).copy()]
    for i in _dense_layers(probe.model):
        a = outs[i]
        if a.ndim != 2:
            continue
        columns.append(a.T.reshape(a.shape[1], r, r).copy())
    return columns
